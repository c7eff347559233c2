from itertools import product

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction

from minzheng.accounts.roles import Role
from minzheng.core.models import AuditLog
from minzheng.workflow.engine import Conflict, IllegalTransition, Workflow, start_case, transition
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.selectors import case_history

from .demo import EFFECTS, LEGAL_MOVES, DemoCase, DemoStatus

S = DemoStatus
ALL_PAIRS = list(product(S.values, S.values))
ILLEGAL_PAIRS = [pair for pair in ALL_PAIRS if pair not in LEGAL_MOVES]
OPINION = "理由：材料齐全"


def _audit_rows(case):
    return AuditLog.objects.filter(
        object_type="workflow.democase", object_id=str(case.pk), action="transition"
    )


def test_the_table_has_six_legal_moves_and_nineteen_illegal_ones():
    assert len(LEGAL_MOVES) == 6 and len(ILLEGAL_PAIRS) == 19
    assert sorted(DemoCase.WORKFLOW.final_statuses) == ["approved", "refused"]


@pytest.mark.parametrize(("source", "target"), list(LEGAL_MOVES))
def test_every_legal_move_succeeds_for_its_role(demo, cast, source, target):
    case = demo(source)
    actor = getattr(cast.users, LEGAL_MOVES[(source, target)])
    record = transition(case, target, actor=actor, opinion=OPINION)
    case.refresh_from_db()
    assert case.status == target
    assert (record.from_status, record.to_status, record.actor, record.opinion) == (
        source,
        target,
        actor,
        OPINION,
    )
    assert record.region == cast.village_sq
    assert case.status_changed_at is not None


@pytest.mark.parametrize(("source", "target"), ILLEGAL_PAIRS)
def test_every_illegal_move_is_refused_even_for_a_superuser(demo, cast, source, target):
    case = demo(source)
    before = TransitionRecord.objects.count()
    with pytest.raises(IllegalTransition) as err:
        transition(case, target, actor=cast.users.admin, opinion=OPINION)
    case.refresh_from_db()
    assert case.status == source and TransitionRecord.objects.count() == before
    message = err.value.messages[0]
    allowed = DemoCase.WORKFLOW.next_statuses(source)
    if allowed:
        assert "可办理的下一步" in message
        for status in allowed:
            assert f"“{S(status).label}”" in message
    else:
        assert "已办结" in message


def test_the_illegal_move_message_names_both_statuses_and_the_next_steps(demo, cast):
    case = demo("applied")
    with pytest.raises(IllegalTransition) as err:
        transition(case, "approved", actor=cast.users.district)
    assert err.value.messages == ["当前状态“已申请”不能转为“已批准”。可办理的下一步：“已受理”、“不予批准”"]
    assert isinstance(err.value, ValidationError)


def test_an_unknown_status_is_refused(demo, cast):
    with pytest.raises(IllegalTransition) as err:
        transition(demo("applied"), "paid", actor=cast.users.admin)
    assert "“paid”不是该业务的状态" in err.value.messages[0]


@pytest.mark.parametrize("role", ["village", "district", "finance", "leader", "socialorg", "public"])
def test_a_role_not_in_the_table_may_not_accept(demo, cast, role):
    case = demo("applied")
    with pytest.raises(PermissionDenied) as err:
        transition(case, "accepted", actor=getattr(cast.users, role))
    assert "可办理的角色：镇街经办" in str(err.value)
    case.refresh_from_db()
    assert case.status == "applied"


def test_the_town_may_not_approve_which_is_the_districts_step(demo, cast):
    with pytest.raises(PermissionDenied):
        transition(demo("accepted"), "approved", actor=cast.users.town)


def test_a_superuser_may_make_any_legal_move(demo, cast):
    case = demo("accepted")
    transition(case, "approved", actor=cast.users.admin)
    assert DemoCase.objects.get(pk=case.pk).status == "approved"


def test_an_anonymous_actor_is_refused(demo):
    with pytest.raises(PermissionDenied):
        transition(demo("applied"), "accepted", actor=AnonymousUser())


def test_a_town_caseworker_cannot_move_another_towns_case(demo, cast):
    case = demo("applied")  # in 市桥
    with pytest.raises(PermissionDenied) as err:
        transition(case, "accepted", actor=cast.users.town_other)  # 沙头
    assert "不在您的管辖范围内" in str(err.value)
    case.refresh_from_db()
    assert case.status == "applied" and case_history(case).count() == 1


def test_a_case_in_the_other_town_is_moved_by_its_own_caseworker(cast, demo_table):
    case = start_case(DemoCase(region=cast.village_st), actor=cast.users.town_other)
    transition(case, "accepted", actor=cast.users.town_other)
    with pytest.raises(PermissionDenied):
        transition(case, "approved", actor=cast.users.town)


def test_refusal_requires_an_opinion_and_writes_nothing_without_one(demo, cast):
    case = demo("applied")
    with pytest.raises(ValidationError) as err:
        transition(case, "refused", actor=cast.users.town, opinion="   ")
    assert "须填写意见" in err.value.message_dict["opinion"][0]
    case.refresh_from_db()
    assert case.status == "applied" and case_history(case).count() == 1


def test_a_move_of_the_row_behind_the_objects_back_is_a_conflict(demo, cast):
    case = demo("applied")
    DemoCase.objects.filter(pk=case.pk).update(status="accepted")  # someone else, in another request
    records, audits = TransitionRecord.objects.count(), AuditLog.objects.count()
    with pytest.raises(Conflict) as err:
        transition(case, "refused", actor=cast.users.town, opinion="收入超标")
    assert "已被他人办理" in str(err.value)
    assert DemoCase.objects.get(pk=case.pk).status == "accepted"
    assert (TransitionRecord.objects.count(), AuditLog.objects.count()) == (records, audits)


def test_two_caseworkers_with_the_same_case_open_only_the_first_wins(demo, cast):
    case = demo("applied")
    stale = DemoCase.objects.get(pk=case.pk)
    transition(case, "accepted", actor=cast.users.town)
    with pytest.raises(Conflict):
        transition(stale, "refused", actor=cast.users.town, opinion="重复办理")
    assert [r.to_status for r in case_history(case)] == ["applied", "accepted"]


def test_history_and_audit_record_every_step_in_order(demo, cast):
    case = start_case(
        DemoCase(name="张三明申请", region=cast.village_sq), actor=cast.users.village, opinion="提交申请"
    )
    transition(case, "accepted", actor=cast.users.town, opinion="材料齐全")
    transition(case, "returned", actor=cast.users.district, opinion="缺收入证明")
    transition(case, "applied", actor=cast.users.village, opinion="已补交")
    transition(case, "accepted", actor=cast.users.town)
    transition(case, "approved", actor=cast.users.district, opinion="同意")
    steps = [(r.from_status, r.to_status, r.actor.username, r.opinion) for r in case_history(case)]
    assert steps == [
        ("", "applied", "cast_village", "提交申请"),
        ("applied", "accepted", "cast_town", "材料齐全"),
        ("accepted", "returned", "cast_district", "缺收入证明"),
        ("returned", "applied", "cast_village", "已补交"),
        ("applied", "accepted", "cast_town", ""),
        ("accepted", "approved", "cast_district", "同意"),
    ]
    audits = list(_audit_rows(case).order_by("id"))
    assert len(audits) == 6
    assert audits[-1].changes["status"] == {"before": "accepted", "after": "approved"}
    assert audits[-1].changes["opinion"] == "同意" and audits[-1].actor == cast.users.district


def test_history_of_one_case_does_not_include_another(demo):
    first, second = demo("accepted"), demo("applied")
    assert case_history(first).count() == 2 and case_history(second).count() == 1


def test_side_effects_run_only_after_commit(demo, cast, django_capture_on_commit_callbacks):
    case = demo("accepted")
    EFFECTS.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        transition(case, "approved", actor=cast.users.district)
        assert EFFECTS == []  # still inside the transaction
    assert len(callbacks) == 1
    assert EFFECTS == [("approved", case.pk, "approved")]


def test_side_effects_of_a_rolled_back_transition_never_run(demo, cast, django_capture_on_commit_callbacks):
    case = demo("accepted")
    EFFECTS.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            transition(case, "refused", actor=cast.users.district, opinion="收入超标")
            raise RuntimeError("the caller's transaction fails later")
    assert callbacks == [] and EFFECTS == []
    assert DemoCase.objects.get(pk=case.pk).status == "accepted"
    assert case_history(case).count() == 2


def test_a_step_without_side_effects_queues_none(demo, cast, django_capture_on_commit_callbacks):
    case = demo("applied")
    with django_capture_on_commit_callbacks() as callbacks:
        transition(case, "accepted", actor=cast.users.town)
    assert callbacks == []


def test_starting_a_case_checks_the_role_and_the_scope(cast, demo_table):
    with pytest.raises(PermissionDenied):
        start_case(DemoCase(region=cast.village_sq), actor=cast.users.leader)
    with pytest.raises(PermissionDenied):
        start_case(DemoCase(region=cast.village_sq), actor=cast.users.town_other)
    assert not DemoCase.objects.exists()
    case = start_case(DemoCase(region=cast.village_sq), actor=cast.users.town)
    assert case.pk and case.status == "applied"


def test_a_case_cannot_be_started_twice(demo, cast):
    case = demo("applied")
    with pytest.raises(ValidationError):
        start_case(case, actor=cast.users.town)


def test_a_table_naming_an_unknown_status_or_role_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        Workflow(statuses=DemoStatus, transitions={"applied": {"paid": {Role.TOWN}}})
    with pytest.raises(ImproperlyConfigured):
        Workflow(statuses=DemoStatus, transitions={"applied": {"accepted": {"mayor"}}})
    with pytest.raises(ImproperlyConfigured):
        Workflow(statuses=DemoStatus, transitions={}, deadlines={"accepted": -1})


def test_the_system_may_make_a_scheduled_move_and_the_history_says_so(demo, cast):
    case = demo("accepted")
    record = transition(case, "approved", actor=None, system=True, opinion="期满自动转入")
    assert record.actor is None and record.opinion == "期满自动转入"
    assert case_history(case).last().to_status == "approved"


def test_without_the_system_flag_a_missing_actor_is_refused(demo):
    case = demo("accepted")
    with pytest.raises(PermissionDenied):
        transition(case, "approved", actor=None)
