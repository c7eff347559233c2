"""Chinese working-day calendar: statutory holidays and make-up working days (调休).

Days come from the maintained `chinesecalendar` package; an administrator's `CalendarDay`
entries win over it, and cover years the package does not know yet. Outside both, Monday to
Friday are working days.
"""

from datetime import date, timedelta

import chinese_calendar

from .models import CalendarDay


def _library_says(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides(day, day)
    if day in overrides:
        return overrides[day]
    known = _library_says(day)
    return known if known is not None else day.weekday() < 5


def _overrides(start: date, end: date) -> dict[date, bool]:
    rows = CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
    return dict(rows)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    overrides = _overrides(start, start + timedelta(days=days * 3 + 30))
    current, remaining = start, days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, overrides):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=offset), overrides)
    )
