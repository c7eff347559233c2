"""受理 → 调查 → 镇街审核 → 公示 → 区级审批: every move legal and illegal, routing, deadlines, letters."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from docx import Document

from minzheng.assistance.letters import approval_notice, refusal_letter
from minzheng.assistance.models import Application, ApplicationStatus, Notice
from minzheng.assistance.selectors.applications import available_moves
from minzheng.assistance.services import applications as svc
from minzheng.assistance.services.notices import close_expired_notices
from minzheng.benefits.models import Entitlement
from minzheng.workflow.selectors import case_history, is_overdue

S = ApplicationStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock(monkeypatch):
    def set_now(year, month, day, hour=10):
        moment = datetime(year, month, day, hour, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now


def end_notice(application, town=None):
    """The notice period passes without objection: the system moves the case on (notices service)."""
    notice = Notice.objects.get(application=application, status__in=["open", "objected"])
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 1
    application.refresh_from_db()
    assert application.status == S.DISTRICT_REVIEW


@pytest.fixture
def case(cast, programs):
    """A 低保 application of 张三明's household brought to `status` by the right roles."""

    def make(status=S.APPLIED, *, relative=False):
        app = svc.submit_application(
            actor=cast.users.village,
            program="dibao",
            person=cast.zhang,
            household=cast.hh_sq,
            applied_on=timezone.localdate(),
            reason="夫妻均无固定收入",
            declared_income=Decimal("1200"),
            relative_in_civil_affairs=relative,
            relative_note="表姐在区民政局工作" if relative else "",
        )
        steps = [S.ACCEPTED, S.INVESTIGATED, S.NOTICE, S.DISTRICT_REVIEW, S.APPROVED]
        for step in steps[: steps.index(status) + 1] if status in steps else []:
            if step == S.ACCEPTED:
                svc.accept_application(app, actor=cast.users.town)
            elif step == S.INVESTIGATED:
                investigator = cast.users.district if relative else cast.users.village
                svc.record_investigation(
                    app, actor=investigator, assessed_income=Decimal("1200"), result_text="入户核实，收入属实"
                )
            elif step == S.NOTICE:
                svc.town_review(app, actor=cast.users.town, approve=True, opinion="符合条件")
            elif step == S.DISTRICT_REVIEW:
                end_notice(app)
            elif step == S.APPROVED:
                svc.district_decide(app, actor=cast.users.district, approve=True, opinion="同意")
        return app

    return make


def test_the_happy_path_records_every_step(case, cast, clock):
    clock(2018, 10, 15)
    app = case(S.APPROVED)
    history = list(case_history(app))
    steps = [(r.to_status, r.actor.username) for r in history if r.to_status != "district_review"]
    assert steps == [
        ("applied", "cast_village"),
        ("accepted", "cast_town"),
        ("investigated", "cast_village"),
        ("notice", "cast_town"),
        ("approved", "cast_district"),
    ]
    assert [r.to_status for r in history][4] == "district_review"
    assert [r.opinion for r in history] == [
        "夫妻均无固定收入",
        "",
        "入户核实，收入属实",
        "符合条件",
        "公示期满无异议",
        "同意",
    ]
    assert app.decided_on == date(2018, 10, 15) and app.start_month == date(2018, 11, 1)


def test_approval_grants_dibao_from_the_next_month_with_the_top_up(case, cast, clock):
    # Standard 900 (programs fixture); 3 members; assessed income 1200; 张小明 (born 2010) is a
    # minor: supplement 10 % of 900 = 90. max(0, 900 × 3 − 1200) + 90 = 1500 + 90 = 1590.00
    clock(2018, 10, 15)
    app = case(S.APPROVED)
    entitlement = Entitlement.objects.get(pk=app.entitlement_id)
    assert entitlement.scheme.code == "dibao" and entitlement.household == cast.hh_sq
    assert entitlement.start_month == date(2018, 11, 1)
    assert entitlement.assessed_income == Decimal("1200.00")
    first = entitlement.periods.order_by("from_month").first()
    assert first.from_month == date(2018, 11, 1) and first.amount == Decimal("1590.00")


def test_the_district_may_set_a_later_start_month(case, cast, clock):
    from minzheng.core.months import Month

    clock(2018, 10, 15)
    app = case(S.DISTRICT_REVIEW)
    svc.district_decide(
        app, actor=cast.users.district, approve=True, opinion="同意", start_month=Month(2019, 1)
    )
    assert Entitlement.objects.get(pk=app.entitlement_id).start_month == date(2019, 1, 1)


def test_income_at_the_standard_cannot_be_approved(case, cast):
    app = case(S.ACCEPTED)
    svc.record_investigation(
        app, actor=cast.users.town, assessed_income=Decimal("3000"), result_text="有工资收入"
    )
    svc.town_review(app, actor=cast.users.town, approve=True, opinion="报区审批")
    end_notice(app)
    with pytest.raises(ValidationError) as exc:
        svc.district_decide(app, actor=cast.users.district, approve=True, opinion="同意")
    # max(0, 900 × 3 − 3000) = 0: the 90 minor supplement alone does not make the household eligible
    assert "assessed_income" in exc.value.message_dict
    assert app.status == S.DISTRICT_REVIEW and not Entitlement.objects.exists()


def test_missing_items_are_listed_once(case, cast):
    app = case()
    with pytest.raises(ValidationError) as exc:
        svc.list_missing_items(app, actor=cast.users.town, items=[" ", ""])
    assert "items" in exc.value.message_dict
    svc.list_missing_items(app, actor=cast.users.town, items=["户口簿", "收入证明", "户口簿"])
    assert app.status == S.INCOMPLETE and app.missing_items == "户口簿\n收入证明"
    assert case_history(app).last().opinion == "请补齐以下材料：户口簿；收入证明"
    with pytest.raises(ValidationError):
        svc.list_missing_items(app, actor=cast.users.town, items=["残疾证"])
    svc.accept_application(app, actor=cast.users.town, opinion="材料已补齐")
    assert app.status == S.ACCEPTED


@pytest.mark.parametrize(
    ("status", "call", "actor"),
    [
        (S.APPLIED, "accept", "village"),  # wrong role
        (S.APPLIED, "accept", "finance"),
        (S.APPLIED, "missing", "village"),
        (S.INVESTIGATED, "town_review", "village"),
        (S.DISTRICT_REVIEW, "decide", "town"),
    ],
)
def test_wrong_role_is_refused(case, cast, status, call, actor):
    app = case(status)
    with pytest.raises(PermissionDenied):
        _call(call, app, getattr(cast.users, actor))
    app.refresh_from_db()
    assert app.status == status


@pytest.mark.parametrize(
    ("status", "call"),
    [
        (S.APPLIED, "investigate"),
        (S.APPLIED, "town_review"),
        (S.ACCEPTED, "accept"),
        (S.ACCEPTED, "decide"),
        (S.NOTICE, "town_review"),
        (S.APPROVED, "withdraw"),
    ],
)
def test_wrong_status_is_refused(case, cast, status, call):
    app = case(status)
    with pytest.raises(ValidationError):
        _call(call, app, cast.users.district)
    app.refresh_from_db()
    assert app.status == status


def test_out_of_scope_is_refused(case, cast):
    app = case()
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        svc.accept_application(app, actor=cast.users.town_other)
    assert available_moves(app, cast.users.town_other) == []


def _call(name, app, actor):
    if name == "accept":
        return svc.accept_application(app, actor=actor)
    if name == "missing":
        return svc.list_missing_items(app, actor=actor, items=["户口簿"])
    if name == "investigate":
        return svc.record_investigation(app, actor=actor, assessed_income=0, result_text="核实")
    if name == "town_review":
        return svc.town_review(app, actor=actor, approve=True, opinion="同意")
    if name == "decide":
        return svc.district_decide(app, actor=actor, approve=True, opinion="同意")
    if name == "withdraw":
        return svc.withdraw_application(app, actor=actor, opinion="撤回")
    raise AssertionError(name)


def test_a_declared_relative_routes_the_investigation_to_the_district(case, cast):
    app = case(S.ACCEPTED, relative=True)
    for user in (cast.users.village, cast.users.town):
        assert "investigate" not in [m.name for m in available_moves(app, user)]
        with pytest.raises(PermissionDenied, match="须由区级民政部门入户调查"):
            svc.record_investigation(app, actor=user, assessed_income=Decimal("1200"), result_text="核实")
        assert Application.objects.get(pk=app.pk).status == S.ACCEPTED
    assert "investigate" in [m.name for m in available_moves(app, cast.users.district)]
    svc.record_investigation(
        app, actor=cast.users.district, assessed_income=Decimal("1200"), result_text="区级核实"
    )
    assert app.status == S.INVESTIGATED and app.investigated_by == cast.users.district


def test_town_refusal_and_district_refusal_need_written_reasons(case, cast):
    app = case(S.INVESTIGATED)
    with pytest.raises(ValidationError):
        svc.town_review(app, actor=cast.users.town, approve=False, opinion="")
    svc.town_review(app, actor=cast.users.town, approve=False, opinion="家庭人均收入高于当地低保标准")
    assert app.status == S.REFUSED and app.decision_reason == "家庭人均收入高于当地低保标准"


def test_district_refusal_writes_the_letter(case, cast, clock):
    clock(2018, 10, 15)
    app = case(S.DISTRICT_REVIEW)
    with pytest.raises(ValidationError) as exc:
        svc.district_decide(app, actor=cast.users.district, approve=False, opinion=" ")
    assert "opinion" in exc.value.message_dict
    svc.district_decide(
        app, actor=cast.users.district, approve=False, opinion="经核查，家庭拥有两套住房\n不符合财产条件"
    )
    assert app.status == S.REFUSED and app.entitlement is None
    text = "\n".join(p.text for p in Document(io.BytesIO(refusal_letter(app))).paragraphs)
    assert "不予批准通知书" in text and app.number in text
    assert f"张三明（身份证号码：{cast.zhang.masked_id_number}）" in text
    assert "最低生活保障申请" in text and "决定不予批准" in text
    assert "经核查，家庭拥有两套住房" in text and "不符合财产条件" in text
    assert "2018年10月15日" in text and "番禺区民政局" in text
    assert cast.zhang.id_number not in text
    with pytest.raises(ValidationError):
        approval_notice(app)


def test_approval_notice_states_start_month_and_amount(case, clock):
    clock(2018, 10, 15)
    app = case(S.APPROVED)
    text = "\n".join(p.text for p in Document(io.BytesIO(approval_notice(app))).paragraphs)
    assert "批准通知书" in text and "自2018年11月起每月发放1590.00元" in text
    with pytest.raises(ValidationError):
        refusal_letter(app)


def test_return_for_investigation_from_town_and_district(case, cast):
    app = case(S.INVESTIGATED)
    with pytest.raises(ValidationError):
        svc.return_for_investigation(app, actor=cast.users.town, opinion="")
    svc.return_for_investigation(app, actor=cast.users.town, opinion="收入证明不全")
    assert app.status == S.ACCEPTED
    svc.record_investigation(
        app, actor=cast.users.town, assessed_income=Decimal("1000"), result_text="补充核实"
    )
    svc.town_review(app, actor=cast.users.town, approve=True, opinion="同意")
    end_notice(app)
    with pytest.raises(PermissionDenied):
        svc.return_for_investigation(app, actor=cast.users.town, opinion="再查")
    svc.return_for_investigation(app, actor=cast.users.district, opinion="再查一次存款")
    assert app.status == S.ACCEPTED


def test_moves_offered_are_exactly_the_users(case, cast):
    app = case()
    names = lambda user: [m.name for m in available_moves(app, user)]  # noqa: E731
    assert names(cast.users.village) == ["withdraw"]
    assert names(cast.users.town) == ["accept", "missing_items", "refuse", "withdraw"]
    assert names(cast.users.finance) == []
    svc.accept_application(app, actor=cast.users.town)
    assert names(cast.users.village) == ["investigate", "withdraw"]
    svc.record_investigation(app, actor=cast.users.village, assessed_income=1200, result_text="核实")
    assert names(cast.users.village) == ["withdraw"]
    assert names(cast.users.town) == ["town_review", "return", "withdraw"]
    svc.town_review(app, actor=cast.users.town, approve=True, opinion="同意")
    assert names(cast.users.town) == [] and names(cast.users.district) == []
    end_notice(app)
    assert names(cast.users.town) == []
    assert names(cast.users.district) == ["decide", "return"]


# --- deadlines -------------------------------------------------------------------------------------


def test_deadlines_across_national_day_2018_and_its_make_up_days(case, cast, clock):
    # Submitted Fri 28 Sep 2018: 5 working days to accept — Sat 29 (1) and Sun 30 Sep (2) were
    # make-up working days, 1–7 Oct holiday, Mon 8 (3), Tue 9 (4), Wed 10 Oct (5).
    clock(2018, 9, 28)
    app = case()
    assert app.deadline == date(2018, 10, 10)
    # Accepted the same day: 10 working days to investigate — 29, 30 Sep (1, 2); 8–12 Oct (3–7);
    # weekend 13–14; 15, 16, 17 Oct (8, 9, 10).
    svc.accept_application(app, actor=cast.users.town)
    assert app.deadline == date(2018, 10, 17)
    assert case_history(app).last().deadline == date(2018, 10, 17)


def test_overdue_flag(case, cast, clock):
    clock(2018, 9, 28)
    app = case()
    assert not is_overdue(app, today=date(2018, 10, 10))
    assert is_overdue(app, today=date(2018, 10, 11))
    svc.refuse_application(app, actor=cast.users.town, reasons="非本区户籍")
    assert not is_overdue(app, today=date(2018, 12, 31))


def test_withdrawal_needs_a_reason_and_ends_the_case(case, cast):
    app = case(S.ACCEPTED)
    with pytest.raises(ValidationError):
        svc.withdraw_application(app, actor=cast.users.village, opinion="")
    svc.withdraw_application(app, actor=cast.users.village, opinion="申请人书面撤回")
    assert app.status == S.WITHDRAWN and app.deadline is None
