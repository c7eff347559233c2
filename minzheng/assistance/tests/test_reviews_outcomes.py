"""Review outcomes, exit with phase-out and written notice, fraud recovery, scope.

Amounts (低保 900 with a 10 % minor supplement; 张三明's household of 3, income 1200 unless said):
max(0, 900 × 3 − 1200) + 90 = 1590 a month; with income 1500: 1200 + 90 = 1290.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document

from minzheng.assistance.models import ExitNotice, Recovery, Review, ReviewOutcome, ReviewStatus
from minzheng.assistance.services.reviews import (
    complete_review,
    exit_recipient,
    recover_fraud,
    resume_recipient,
    schedule_reviews,
    suspend_recipient,
)
from minzheng.assistance.services.reviews_notice import build_exit_notice_docx
from minzheng.benefits.models import Entitlement
from minzheng.core.models import AuditLog
from minzheng.core.months import Month

from .reviews_payroll import grant_dibao, lines_of, pay

D = Decimal


@pytest.fixture
def dibao(cast, programs):
    entitlement = grant_dibao(cast, programs, income="1200")
    schedule_reviews(today=date(2018, 3, 1))
    return entitlement


def open_review(entitlement):
    return Review.objects.get(entitlement=entitlement, status=ReviewStatus.DUE)


def regular(entitlement, first, last):
    return [
        (month, amount)
        for month, kind, amount in lines_of(entitlement)
        if kind == "regular" and first <= month <= last
    ]


def test_adjust_recalculates_from_the_effective_month(cast, programs, dibao):
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 3))
    complete_review(
        open_review(dibao),
        actor=cast.users.district,
        outcome=ReviewOutcome.ADJUST,
        findings="张三明打零工，月收入增至1500元",
        assessed_income=D("1500"),
        effective_month=Month(2018, 4),
    )
    pay(cast, programs.dibao, Month(2018, 4))
    assert lines_of(dibao, Month(2018, 4)) == [("2018-04", "regular", D("1290.00"))]
    dibao.refresh_from_db()
    assert dibao.assessed_income == D("1500.00")
    assert open_review(dibao).status == ReviewStatus.DUE  # the next review is scheduled


def test_adjust_needs_the_new_income(cast, dibao):
    with pytest.raises(ValidationError) as exc:
        complete_review(open_review(dibao), actor=cast.users.district, outcome="adjust", findings="收入变化")
    assert "assessed_income" in exc.value.message_dict
    assert open_review(dibao).outcome == ""  # nothing was recorded


def test_suspend_stops_payment_and_resume_restarts_it(cast, programs, dibao):
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 3))
    complete_review(
        open_review(dibao),
        actor=cast.users.district,
        outcome=ReviewOutcome.SUSPEND,
        findings="户主长期外出，无法入户核查",
        effective_month=Month(2018, 4),
    )
    dibao.refresh_from_db()
    assert dibao.status == Entitlement.Status.SUSPENDED
    pay(cast, programs.dibao, Month(2018, 4))
    assert lines_of(dibao, Month(2018, 4)) == []
    resume_recipient(dibao, actor=cast.users.district, from_month=Month(2018, 5), reason="已回户并完成核查")
    pay(cast, programs.dibao, Month(2018, 5))
    assert lines_of(dibao, Month(2018, 5)) == [("2018-05", "regular", D("1590.00"))]
    with pytest.raises(ValidationError) as exc:
        suspend_recipient(dibao, actor=cast.users.district, from_month=Month(2018, 6), reason=" ")
    assert exc.value.message_dict == {"reason": ["请填写暂停发放的原因"]}


def test_exit_with_three_months_phase_out_keeps_paying_three_months_then_stops(cast, programs, dibao):
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 3))
    review = complete_review(
        open_review(dibao),
        actor=cast.users.district,
        outcome=ReviewOutcome.EXIT,
        findings="张三明已稳定就业，家庭人均收入超过低保标准",
        effective_month=Month(2018, 4),
        phase_out_months=3,
    )
    assert (review.outcome, review.phase_out_months) == ("exit", 3)
    pay(cast, programs.dibao, Month(2018, 4), Month(2018, 8))
    assert regular(dibao, "2018-01", "2018-12") == [
        ("2018-01", D("1590.00")),
        ("2018-02", D("1590.00")),
        ("2018-03", D("1590.00")),
        ("2018-04", D("1590.00")),  # phase-out: unchanged
        ("2018-05", D("1590.00")),
        ("2018-06", D("1590.00")),
    ]
    dibao.refresh_from_db()
    assert (dibao.status, dibao.end_month) == (Entitlement.Status.ENDED, date(2018, 6, 1))
    notice = ExitNotice.objects.get(entitlement=dibao)
    assert (notice.last_regular_month, notice.last_payment_month) == (date(2018, 3, 1), date(2018, 6, 1))
    assert notice.review == review and notice.issued_by == cast.users.district
    assert not Review.objects.filter(entitlement=dibao, status=ReviewStatus.DUE).exists()
    assert AuditLog.objects.filter(action="exit_recipient", object_id=str(notice.pk)).exists()


def test_a_phase_out_longer_than_six_months_is_refused(cast, dibao):
    with pytest.raises(ValidationError) as exc:
        exit_recipient(
            dibao, actor=cast.users.district, reason="就业", last_month=Month(2018, 3), phase_out_months=7
        )
    assert exc.value.message_dict == {"phase_out_months": ["渐退期最长6个月，不能为7个月"]}
    with pytest.raises(ValidationError) as exc:
        complete_review(
            open_review(dibao),
            actor=cast.users.district,
            outcome="continue",
            findings="无变化",
            phase_out_months=2,
        )
    assert "phase_out_months" in exc.value.message_dict
    dibao.refresh_from_db()
    assert dibao.status == Entitlement.Status.ACTIVE and not ExitNotice.objects.exists()


def test_exit_notice_docx_names_recipient_program_reason_last_month_and_appeal_rights(cast, dibao):
    notice = exit_recipient(
        dibao, actor=cast.users.district, reason="家庭人均收入超过低保标准", last_month=Month(2018, 9)
    )
    assert notice.number == f"终止〔{notice.decided_on.year}〕{notice.pk:05d}号"
    document = Document(BytesIO(build_exit_notice_docx(notice)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "终止救助通知书"
    assert notice.number in text
    assert "张三明" in text and "最低生活保障" in text and "家庭人均收入超过低保标准" in text
    assert "最后一次发放月份为2018年9月" in text and "自2018年10月起终止救助" in text
    assert "行政复议" in text and "行政诉讼" in text
    assert dibao.person.id_number not in text and dibao.person.masked_id_number in text
    assert "渐退期" not in text


def test_fraud_recovery_turns_paid_months_into_recovery_lines_in_the_next_run(cast, programs, dibao):
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 4))
    recovery = recover_fraud(
        dibao, actor=cast.users.district, from_month=Month(2018, 2), reason="隐瞒家庭成员经营收入，经核查属实"
    )
    assert (recovery.amount, recovery.months, recovery.from_month) == (D("4770.00"), 3, date(2018, 2, 1))
    dibao.refresh_from_db()
    assert (dibao.status, dibao.end_month) == (Entitlement.Status.ENDED, date(2018, 1, 1))
    may = pay(cast, programs.dibao, Month(2018, 5))
    assert lines_of(dibao, Month(2018, 5)) == [
        ("2018-02", "recovery", D("-1590.00")),
        ("2018-03", "recovery", D("-1590.00")),
        ("2018-04", "recovery", D("-1590.00")),
    ]
    assert may.total_amount == -recovery.amount
    # paid lines are never edited
    assert regular(dibao, "2018-01", "2018-12") == [(f"2018-0{m}", D("1590.00")) for m in range(1, 5)]
    assert not Review.objects.filter(entitlement=dibao, status=ReviewStatus.DUE).exists()
    assert AuditLog.objects.filter(action="recover_fraud", object_id=str(recovery.pk)).exists()


def test_fraud_from_before_the_first_month_recovers_everything(cast, programs, dibao):
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 2))
    recovery = recover_fraud(
        dibao, actor=cast.users.district, from_month=Month(2017, 6), reason="虚报家庭人口"
    )
    assert (recovery.amount, recovery.from_month) == (D("3180.00"), date(2018, 1, 1))
    pay(cast, programs.dibao, Month(2018, 3))
    assert [amount for _, kind, amount in lines_of(dibao, Month(2018, 3))] == [D("-1590.00"), D("-1590.00")]


def test_out_of_scope_actor_is_refused(cast, programs, dibao):
    review = open_review(dibao)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        complete_review(review, actor=cast.users.town_other, outcome="continue", findings="无变化")
    with pytest.raises(PermissionDenied, match="区级"):  # a town caseworker records, the district decides
        complete_review(review, actor=cast.users.town, outcome="exit", findings="就业")
    with pytest.raises(PermissionDenied):
        exit_recipient(dibao, actor=cast.users.town, reason="就业", last_month=Month(2018, 3))
    with pytest.raises(PermissionDenied):
        recover_fraud(dibao, actor=cast.users.town_other, from_month=Month(2018, 1), reason="骗取")
    dibao.refresh_from_db()
    assert dibao.status == Entitlement.Status.ACTIVE
    assert open_review(dibao).pk == review.pk and not Recovery.objects.exists()


def test_only_assistance_schemes_can_be_exited_here(cast, programs):
    from minzheng.benefits.services import grant_entitlement

    grant = grant_entitlement(
        actor=cast.users.district,
        scheme=programs.temporary,
        person=cast.zhang,
        start_month=Month(2018, 1),
        fixed_amount=D("500"),
    )
    with pytest.raises(ValidationError) as exc:
        exit_recipient(grant, actor=cast.users.district, reason="x", last_month=Month(2018, 1))
    assert "entitlement" in exc.value.message_dict


def test_a_review_is_completed_once(cast, dibao):
    review = open_review(dibao)
    complete_review(review, actor=cast.users.town, outcome="continue", findings="无变化")
    with pytest.raises(ValidationError) as exc:
        complete_review(review, actor=cast.users.town, outcome="continue", findings="无变化")
    assert "status" in exc.value.message_dict
