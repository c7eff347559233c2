"""Months as a small value type. Stored in the database as the first day of the month (a DATE)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self):
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 9999:
            raise ValueError(f"月份“{self.year}-{self.month}”不存在")

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2018-12' → Month(2018, 12); anything else is a ValueError with a Chinese message."""
        match = _PATTERN.match((text or "").strip())
        if not match:
            raise ValueError(f"月份“{text}”格式不正确，应为 YYYY-MM，如 2018-12")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return (self + 1).first_day.fromordinal((self + 1).first_day.toordinal() - 1)

    def __add__(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __sub__(self, other):
        if isinstance(other, Month):
            return (self.year * 12 + self.month) - (other.year * 12 + other.month)
        return self + (-other)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_range(start: Month, end: Month):
    """Every month from start to end, both included."""
    current = start
    while current <= end:
        yield current
        current = current + 1
