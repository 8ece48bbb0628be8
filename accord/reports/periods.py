"""Report periods: a first and a last day, both counted (a quarter by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

#: The longest period a report covers; longer asks are refused with a field error.
MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its first day")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        quarter = quarter_of(self.start)
        if quarter == self:
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m-%d}_{self.end:%Y-%m-%d}"


def quarter_of(day: date) -> Period:
    """The calendar quarter holding ``day``."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    following = date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return Period(start=start, end=following - timedelta(days=1))


def previous_quarter(day: date) -> Period:
    return quarter_of(quarter_of(day).start - timedelta(days=1))
