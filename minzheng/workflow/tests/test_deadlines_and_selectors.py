"""Deadlines count Chinese working days; the inbox puts overdue cases first.

Expected dates are worked out by hand from the State Council's 2018 holiday notice: the National
Day holiday ran 1–7 October 2018, and Saturday 29 and Sunday 30 September were make-up working
days (调休上班). Nothing below recomputes them with the function under test.
"""

from datetime import date

from minzheng.workflow.engine import start_case, transition
from minzheng.workflow.selectors import case_history, is_overdue, open_cases, overdue_cases

from .demo import DEMO_WORKFLOW, DemoCase


def test_three_working_days_from_friday_28_september_2018_is_monday_8_october(demo, clock):
    # Sat 29 Sep (1, make-up day), Sun 30 Sep (2, make-up day), 1–7 Oct holiday, Mon 8 Oct (3).
    clock(2018, 9, 28)
    case = demo("applied")
    assert case.deadline == date(2018, 10, 8)
    assert DemoCase.objects.get(pk=case.pk).deadline == date(2018, 10, 8)
    assert case_history(case).get().deadline == date(2018, 10, 8)


def test_ten_working_days_across_the_holiday_and_a_normal_weekend(demo, cast, clock):
    # 29, 30 Sep (1, 2); 8–12 Oct (3–7); 13–14 Oct weekend; 15, 16, 17 Oct (8, 9, 10).
    clock(2018, 9, 28)
    case = demo("applied")
    record = transition(case, "accepted", actor=cast.users.town)
    assert record.deadline == case.deadline == date(2018, 10, 17)


def test_entering_a_step_on_the_make_up_saturday_counts_from_that_day(demo, clock):
    # Entered Sat 29 Sep: Sun 30 Sep (1), holiday 1–7 Oct, Mon 8 Oct (2), Tue 9 Oct (3).
    clock(2018, 9, 29)
    assert demo("applied").deadline == date(2018, 10, 9)


def test_an_ordinary_week_skips_the_weekend(demo, clock):
    # Entered Fri 2 Nov 2018: Mon 5 (1), Tue 6 (2), Wed 7 (3).
    clock(2018, 11, 2)
    assert demo("applied").deadline == date(2018, 11, 7)


def test_a_step_without_a_deadline_clears_it(demo, cast, clock):
    clock(2018, 9, 28)
    case = demo("accepted")
    transition(case, "returned", actor=cast.users.district, opinion="补材料")
    case.refresh_from_db()
    assert case.deadline is None and not is_overdue(case, today=date(2030, 1, 1))


def test_the_deadline_is_taken_in_china_time(demo, clock):
    # 23:00 on Fri 28 Sep in Shanghai is 15:00 UTC: still the 28th locally, so still 8 Oct.
    clock(2018, 9, 28, hour=23)
    assert demo("applied").deadline == date(2018, 10, 8)


def test_deadline_for_is_none_for_a_step_without_one():
    assert DEMO_WORKFLOW.deadline_for("approved", date(2018, 9, 28)) is None


def test_is_overdue_only_after_the_deadline_day_and_only_while_open(demo, cast, clock):
    clock(2018, 9, 28)
    case = demo("applied")  # deadline 8 Oct
    assert not is_overdue(case, today=date(2018, 10, 8))
    assert is_overdue(case, today=date(2018, 10, 9))
    transition(case, "refused", actor=cast.users.town, opinion="不符合条件")
    assert not is_overdue(case, today=date(2018, 12, 31))


def test_overdue_cases_most_overdue_first_and_only_open_ones(demo, cast, clock):
    clock(2018, 9, 28)
    early = demo("applied", name="早")  # deadline 8 Oct
    clock(2018, 11, 2)
    late = demo("applied", name="晚")  # deadline 7 Nov
    done = demo("applied", name="已办结")
    transition(done, "refused", actor=cast.users.town, opinion="不符合条件")
    clock(2018, 12, 3)
    fresh = demo("applied", name="未超期")  # deadline 6 Dec
    qs = DemoCase.objects.all()
    today = date(2018, 11, 10)
    assert list(overdue_cases(qs, user=cast.users.town, today=today)) == [early, late]
    assert list(overdue_cases(qs, user=cast.users.town, today=date(2018, 10, 9))) == [early]
    assert list(open_cases(qs, user=cast.users.town)) == [early, late, fresh]
    assert done not in open_cases(qs, user=None)


def test_open_cases_without_a_deadline_come_last(demo, cast, clock):
    clock(2018, 9, 28)
    waiting = demo("returned")  # no deadline while the applicant brings papers
    clock(2018, 10, 8)
    pending = demo("applied")
    assert list(open_cases(DemoCase.objects.all(), user=cast.users.district)) == [pending, waiting]


def test_the_inbox_is_limited_to_the_users_scope(demo, cast, clock):
    clock(2018, 9, 28)
    ours = demo("applied")
    theirs = start_case(DemoCase(region=cast.village_st), actor=cast.users.town_other)
    qs = DemoCase.objects.all()
    today = date(2018, 12, 1)
    assert list(overdue_cases(qs, user=cast.users.town, today=today)) == [ours]
    assert list(overdue_cases(qs, user=cast.users.town_other, today=today)) == [theirs]
    assert set(overdue_cases(qs, user=cast.users.district, today=today)) == {ours, theirs}
    assert list(overdue_cases(qs, user=cast.users.public, today=today)) == []


def test_history_is_read_in_one_query(demo, cast, django_assert_num_queries):
    case = demo("approved")
    with django_assert_num_queries(1):
        actors = [record.actor.username for record in case_history(case)]
    assert actors == ["cast_village", "cast_town", "cast_district"]
