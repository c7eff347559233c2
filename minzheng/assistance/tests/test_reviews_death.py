"""Death of a recipient mid-year: entitlement ends, recovery created, household recalculated.

Hand computation (低保 standard 900 from 2018-01, minor supplement 10 % = 90, no other category
applies in 2018: 张三明 born 1960 and 李四芳 born 1962 are under 60, 张小明 born 2010 is a minor):
- 张三明's household of 3, assessed income 1200: max(0, 900 × 3 − 1200) + 90 = 1590 a month.
- 李四芳 dies on 2018-04-15: she is a member for April; from May the household has 2 members:
  max(0, 900 × 2 − 1200) + 90 = 690. May and June were paid at 1590 → −900 each in July.
- 李四芳's own 困难残疾人生活补贴 (150 a month) ends with April; May and June → −150 each.
"""

from datetime import date
from decimal import Decimal

import pytest

from minzheng.assistance.models import Recovery, Review, ReviewStatus
from minzheng.assistance.services.reviews import schedule_reviews
from minzheng.benefits.models import AmountPeriod, Entitlement
from minzheng.benefits.services import grant_entitlement
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.models import Person
from minzheng.registry.services import record_death

from .reviews_payroll import grant_dibao, lines_of, pay, with_account

D = Decimal


@pytest.fixture
def li(cast):
    return with_account(cast, Person.objects.get(name="李四芳"), "6222020200199887766")


def test_death_of_a_household_member_recalculates_the_household_and_recovers_overpaid_months(
    cast, programs, li, django_capture_on_commit_callbacks
):
    dibao = grant_dibao(cast, programs, income="1200")
    pay(cast, programs.dibao, Month(2018, 1), Month(2018, 6))
    assert [amount for _, kind, amount in lines_of(dibao)] == [D("1590.00")] * 6
    schedule_reviews(today=date(2018, 6, 30))

    with django_capture_on_commit_callbacks(execute=True):
        record_death(li, actor=cast.users.town, death_date=date(2018, 4, 15))

    dibao.refresh_from_db()
    assert dibao.status == Entitlement.Status.ACTIVE  # the household still receives 低保
    periods = [
        (f"{p.from_month:%Y-%m}", p.to_month and f"{p.to_month:%Y-%m}", p.amount, p.trace.get("members"))
        for p in AmountPeriod.objects.filter(entitlement=dibao).order_by("from_month")
    ]
    # (later periods follow birthdays: 张三明 turns 60 in 2020-05)
    assert periods[:2] == [("2018-01", "2018-04", D("1590.00"), 3), ("2018-05", "2020-04", D("690.00"), 2)]
    july = pay(cast, programs.dibao, Month(2018, 7))
    assert lines_of(dibao, Month(2018, 7)) == [
        ("2018-05", "recovery", D("-900.00")),
        ("2018-06", "recovery", D("-900.00")),
        ("2018-07", "regular", D("690.00")),
    ]
    assert july.total_amount == D("-1110.00")
    # the household's review stays open: it is still a recipient
    assert Review.objects.get(entitlement=dibao).status == ReviewStatus.DUE


def test_death_of_a_person_scheme_recipient_ends_it_with_recovery_lines(
    cast, programs, li, django_capture_on_commit_callbacks
):
    subsidy = grant_entitlement(
        actor=cast.users.district, scheme=programs.living_subsidy, person=li, start_month=Month(2018, 1)
    )
    pay(cast, programs.living_subsidy, Month(2018, 1), Month(2018, 6))
    assert schedule_reviews(today=date(2018, 6, 30)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        record_death(li, actor=cast.users.town, death_date=date(2018, 4, 15))

    subsidy.refresh_from_db()
    assert subsidy.status == Entitlement.Status.ENDED
    assert subsidy.end_month == date(2018, 4, 1) and subsidy.end_reason == "死亡"
    pay(cast, programs.living_subsidy, Month(2018, 7))
    assert lines_of(subsidy, Month(2018, 7)) == [
        ("2018-05", "recovery", D("-150.00")),
        ("2018-06", "recovery", D("-150.00")),
    ]
    # the next scheduling cancels the ended entitlement's open review and creates none
    assert schedule_reviews(today=date(2018, 7, 31)) == 0
    assert Review.objects.get(entitlement=subsidy).status == ReviewStatus.CANCELLED
    # what is to be recovered is on record, as for fraud (made by the system, not by a user)
    recovery = Recovery.objects.get(entitlement=subsidy)
    assert (recovery.cause, recovery.from_month, recovery.months, recovery.amount, recovery.recorded_by) == (
        Recovery.Cause.DEATH,
        date(2018, 5, 1),
        2,
        D("300.00"),
        None,
    )
    assert "2018-04-15死亡" in recovery.reason
    assert AuditLog.objects.filter(action="recover_after_death", object_id=str(recovery.pk)).exists()
    # the household's 低保 is not recovered: it goes on for the household
    assert not Recovery.objects.exclude(entitlement=subsidy).exists()


def test_a_death_registered_before_any_later_payment_records_nothing_to_recover(
    cast, programs, li, django_capture_on_commit_callbacks
):
    grant_entitlement(
        actor=cast.users.district, scheme=programs.living_subsidy, person=li, start_month=Month(2018, 1)
    )
    pay(cast, programs.living_subsidy, Month(2018, 1), Month(2018, 4))
    with django_capture_on_commit_callbacks(execute=True):
        record_death(li, actor=cast.users.town, death_date=date(2018, 4, 15))
    assert not Recovery.objects.exists()
