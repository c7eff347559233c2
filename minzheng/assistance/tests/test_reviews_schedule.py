"""Scheduling of periodic reviews: idempotent, set-based, yearly or half-yearly by category."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from minzheng.assistance.models import Review, ReviewCycle, ReviewOutcome, ReviewStatus
from minzheng.assistance.services.reviews import complete_review, schedule_reviews
from minzheng.benefits.services import grant_entitlement
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import create_household, register_person

from .reviews_payroll import grant_dibao

TODAY = date(2018, 3, 1)


def review_of(entitlement):
    return Review.objects.get(entitlement=entitlement, status=ReviewStatus.DUE)


def disabled_adult_household(cast):
    """A household of one working-age adult with a disability certificate (not able to work)."""
    person = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", date(1980, 2, 2), 71),
        name="钱七",
        region=cast.village_sq,
        disability_category="physical",
        disability_grade=2,
        disability_cert_no="44011319800202001",
    )
    return create_household(
        actor=cast.users.admin, region=cast.village_sq, head=person, since=date(2016, 1, 1)
    )


def test_cycles_follow_the_category(cast, programs):
    able = grant_dibao(cast, programs, income="0")  # 张三明 (57) and 李四芳 (55) can work
    elderly = grant_dibao(cast, programs, household=cast.hh_sq2, income="0")  # 王五, 70
    elderly_with_income = grant_dibao(cast, programs, household=cast.hh_st, income="0")  # 赵六, 47: can work
    disabled = grant_dibao(cast, programs, household=disabled_adult_household(cast), income="0")
    subsidy = grant_entitlement(
        actor=cast.users.district,
        scheme=programs.nursing_subsidy,
        person=cast.zhang,
        start_month=Month(2018, 2),
    )
    assert schedule_reviews(today=TODAY) == 5
    got = {
        e.pk: (review_of(e).cycle, review_of(e).due_on)
        for e in (able, elderly, elderly_with_income, disabled, subsidy)
    }
    assert got == {
        able.pk: (ReviewCycle.HALF_YEARLY, date(2018, 7, 1)),
        elderly.pk: (ReviewCycle.YEARLY, date(2019, 1, 1)),
        elderly_with_income.pk: (ReviewCycle.HALF_YEARLY, date(2018, 7, 1)),
        disabled.pk: (ReviewCycle.YEARLY, date(2019, 1, 1)),
        subsidy.pk: (ReviewCycle.YEARLY, date(2019, 2, 1)),
    }
    assert review_of(able).cycle_reason == "家庭有劳动能力成员"
    assert review_of(able).region == cast.village_sq and review_of(able).household == cast.hh_sq


def test_an_income_makes_an_elderly_household_half_yearly(cast, programs):
    entitlement = grant_dibao(cast, programs, household=cast.hh_sq2, income="300")
    schedule_reviews(today=TODAY)
    review = review_of(entitlement)
    assert (review.cycle, review.due_on) == (ReviewCycle.HALF_YEARLY, date(2018, 7, 1))
    assert review.cycle_reason == "家庭有收入，收入可能变动"


def test_scheduling_is_idempotent_and_set_based(cast, programs, django_assert_max_num_queries):
    grant_dibao(cast, programs)
    grant_dibao(cast, programs, household=cast.hh_sq2)
    for person in (cast.zhang, cast.zhao):
        grant_entitlement(
            actor=cast.users.district,
            scheme=programs.living_subsidy,
            person=person,
            start_month=Month(2018, 1),
        )
    with django_assert_max_num_queries(6):  # savepoint, cancel ended, find, insert, release
        assert schedule_reviews(today=TODAY) == 4
    assert schedule_reviews(today=TODAY) == 0
    assert Review.objects.filter(status=ReviewStatus.DUE).count() == 4


def test_one_off_and_non_assistance_schemes_are_not_reviewed(cast, programs):
    grant_entitlement(
        actor=cast.users.district,
        scheme=programs.temporary,
        person=cast.zhang,
        start_month=Month(2018, 1),
        fixed_amount=Decimal("800"),
    )
    assert schedule_reviews(today=TODAY) == 0


def test_the_database_allows_one_open_review_per_entitlement(cast, programs):
    entitlement = grant_dibao(cast, programs)
    schedule_reviews(today=TODAY)
    review = review_of(entitlement)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            entitlement=entitlement,
            person=review.person,
            region=review.region,
            due_on=date(2018, 9, 1),
            cycle=ReviewCycle.YEARLY,
        )


def test_completing_a_review_schedules_the_next_one_cycle_later(cast, programs):
    entitlement = grant_dibao(cast, programs)
    schedule_reviews(today=TODAY)
    first = review_of(entitlement)
    complete_review(
        first, actor=cast.users.town, outcome=ReviewOutcome.CONTINUE, findings="入户核查，家庭情况无变化"
    )
    first.refresh_from_db()
    assert (first.status, first.outcome, first.done_by) == (ReviewStatus.DONE, "continue", cast.users.town)
    following = review_of(entitlement)
    assert following.pk != first.pk
    done_on = first.done_at.astimezone().date()
    due = Month.of(done_on) + 6  # half-yearly: the household has members able to work
    assert following.due_on == date(due.year, due.month, min(done_on.day, due.last_day.day))
    assert schedule_reviews() == 0


def test_command_prints_how_many_were_created_and_is_idempotent(cast, programs):
    grant_dibao(cast, programs)
    out = StringIO()
    call_command("schedule_reviews", "--today", "2018-03-01", stdout=out)
    assert "1" in out.getvalue() and "新建复核任务" in out.getvalue()
    out = StringIO()
    call_command("schedule_reviews", "--today", "2018-03-01", stdout=out)
    assert "0" in out.getvalue()
    assert Review.objects.count() == 1
