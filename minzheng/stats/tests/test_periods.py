from datetime import date

import pytest

from minzheng.stats.registry import Period, PeriodError

TODAY = date(2019, 2, 15)


@pytest.mark.parametrize(
    ("text", "start", "end", "kind", "label"),
    [
        ("2018", date(2018, 1, 1), date(2018, 12, 31), "year", "2018"),
        ("2018Q1", date(2018, 1, 1), date(2018, 3, 31), "quarter", "2018Q1"),
        ("2018q4", date(2018, 10, 1), date(2018, 12, 31), "quarter", "2018Q4"),
        ("2018-02", date(2018, 2, 1), date(2018, 2, 28), "month", "2018-02"),
        ("2016-02", date(2016, 2, 1), date(2016, 2, 29), "month", "2016-02"),
        ("2018-12", date(2018, 12, 1), date(2018, 12, 31), "month", "2018-12"),
        (" 2019 ", date(2019, 1, 1), date(2019, 12, 31), "year", "2019"),  # the current year is allowed
        (2018, date(2018, 1, 1), date(2018, 12, 31), "year", "2018"),
    ],
)
def test_periods_parse_to_their_first_and_last_day(text, start, end, kind, label):
    period = Period.parse(text, today=TODAY)
    assert (period.start, period.end, period.kind, str(period), period.year) == (
        start,
        end,
        kind,
        label,
        start.year,
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "18",
        "20181",
        "2018Q5",
        "2018Q0",
        "2018-13",
        "2018-00",
        "2018-1",
        "2018/12",
        "abcd",
        "2018Q",
        "Q4 2018",
        "2018-12-31",
    ],
)
def test_a_malformed_period_is_refused_with_the_accepted_forms(text):
    with pytest.raises(PeriodError) as err:
        Period.parse(text, today=TODAY)
    assert "格式不正确" in str(err.value) and "2018Q4" in str(err.value) and "2018-12" in str(err.value)


@pytest.mark.parametrize("text", ["2020", "2019Q2", "2019-03"])
def test_a_period_that_has_not_started_is_refused(text):
    with pytest.raises(PeriodError) as err:
        Period.parse(text, today=TODAY)
    assert "未来" in str(err.value)


def test_the_future_is_judged_against_todays_date_by_default():
    from django.utils import timezone

    next_year = timezone.localdate().year + 1
    with pytest.raises(PeriodError):
        Period.parse(str(next_year))
    assert Period.parse(str(next_year - 1)).year == next_year - 1


def test_years_before_1949_are_refused():
    with pytest.raises(PeriodError):
        Period.parse("1900", today=TODAY)
