"""Report periods.

The coordinator's dashboard takes any first and last day (it never leaves the task
force). A funder report takes only a *funder period*: a whole calendar month, a
whole quarter or a whole year (four whole quarters), already over, in the task
force's time zone (``TaskForce.time_zone``, activated for each request; the read door
puts a case on a day in the same zone). Free days would let two reports one day apart be subtracted
(S13); see ``docs/reports.md``.

A funder period has a short key used in URLs and forms: ``2025-02`` (a month),
``2025-Q1`` (a quarter), ``2025`` (a year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

#: The longest period a report covers; longer asks are refused with a field error.
MAX_DAYS = 366 * 5
#: How many years back the funder period list reaches.
FUNDER_YEARS = 5

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")


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
    def kind(self) -> str | None:
        """``month``, ``quarter`` or ``year`` for a whole calendar one, else None."""
        if self == month_of(self.start):
            return MONTH
        if self == quarter_of(self.start):
            return QUARTER
        if self == year_of(self.start):
            return YEAR
        return None

    @property
    def key(self) -> str | None:
        """The funder key (``2025-02``, ``2025-Q1``, ``2025``), None for free days."""
        kind = self.kind
        if kind == MONTH:
            return f"{self.start:%Y-%m}"
        if kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if kind == YEAR:
            return f"{self.start.year}"
        return None

    @property
    def label(self) -> str:
        kind = self.kind
        if kind == MONTH:
            return f"{self.start:%B %Y}"
        if kind == QUARTER:
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        if kind == YEAR:
            return f"{self.start.year} (whole year)"
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"

    @property
    def slug(self) -> str:
        return self.key or f"{self.start:%Y-%m-%d}_{self.end:%Y-%m-%d}"

    def months(self) -> list[Period]:
        """The calendar months the period touches, in order (whole or not)."""
        found = []
        day = self.start
        while day <= self.end:
            found.append(month_of(day))
            day = found[-1].end + timedelta(days=1)
        return found


def month_of(day: date) -> Period:
    """The calendar month holding ``day``."""
    start = day.replace(day=1)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return Period(start=start, end=following - timedelta(days=1))


def quarter_of(day: date) -> Period:
    """The calendar quarter holding ``day``."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    following = date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return Period(start=start, end=following - timedelta(days=1))


def year_of(day: date) -> Period:
    return Period(start=date(day.year, 1, 1), end=date(day.year, 12, 31))


def previous_quarter(day: date) -> Period:
    return quarter_of(quarter_of(day).start - timedelta(days=1))


def funder_periods(*, today: date, years: int = FUNDER_YEARS) -> list[Period]:
    """Every funder period that is over by ``today`` (its last day is before it), newest first
    within each kind: quarters, then months, then years, reaching ``years`` back.

    A period still running is never offered: the same report asked for on two days would
    differ by the cases opened in between."""
    earliest = date(today.year - years, 1, 1)
    months: list[Period] = []
    day = month_of(today).start - timedelta(days=1)
    while day >= earliest:
        months.append(month_of(day))
        day = months[-1].start - timedelta(days=1)
    quarters = [m for m in (quarter_of(m.start) for m in months) if m.end < today]
    years_over = [y for y in (year_of(m.start) for m in months) if y.end < today]
    return [*dict.fromkeys(quarters), *months, *dict.fromkeys(years_over)]


def parse_funder_period(key: str, *, today: date) -> Period | None:
    """The funder period named by ``key`` if it is one on offer today, else None."""
    match = _KEY.match(key or "")
    if match is None:
        return None
    year = int(match["year"])
    try:
        if match["month"]:
            period = month_of(date(year, int(match["month"]), 1))
        elif match["quarter"]:
            period = quarter_of(date(year, (int(match["quarter"]) - 1) * 3 + 1, 1))
        else:
            period = year_of(date(year, 1, 1))
    except ValueError:
        return None
    return period if period in funder_periods(today=today) else None
