"""Funder periods: whole months, quarters and years that are over, named by short keys."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import override_settings

from accord.reports.periods import (
    Period,
    funder_periods,
    month_of,
    parse_funder_period,
    quarter_of,
    year_of,
)

TODAY = date(2025, 7, 15)


@pytest.mark.parametrize(
    ("key", "start", "end", "label"),
    [
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28), "February 2025"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "February 2024"),
        ("2024-12", date(2024, 12, 1), date(2024, 12, 31), "December 2024"),
        ("2025-Q1", date(2025, 1, 1), date(2025, 3, 31), "2025 Q1"),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31), "2024 Q4"),
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "2024 (whole year)"),
    ],
)
def test_keys_name_whole_periods(key, start, end, label) -> None:
    period = parse_funder_period(key, today=TODAY)
    assert period == Period(start, end)
    assert period.key == key and period.label == label


@pytest.mark.parametrize(
    "key",
    [
        "2025-02-03",  # a day
        "2025-02-03_2025-02-04",
        "2025-13",
        "2025-00",
        "2025-Q0",
        "2025-Q5",
        "2025-q1",
        " 2025-Q1",
        "2025-Q3",  # running on 15 July
        "2025-07",  # running
        "2025",  # running
        "2026-Q1",  # future
        "2019-12",  # beyond the list (five years back: from 2020)
        "",
    ],
)
def test_anything_else_is_no_funder_period(key) -> None:
    assert parse_funder_period(key, today=TODAY) is None


def test_free_days_have_no_key() -> None:
    assert Period(date(2025, 2, 3), date(2025, 2, 3)).key is None
    assert Period(date(2025, 1, 1), date(2025, 3, 30)).key is None
    assert Period(date(2025, 1, 2), date(2025, 12, 31)).key is None


@pytest.mark.parametrize(
    ("today", "over", "running"),
    [
        (date(2025, 6, 30), {"2025-05", "2025-Q1", "2024"}, {"2025-06", "2025-Q2", "2025"}),
        (date(2025, 7, 1), {"2025-06", "2025-Q2"}, {"2025-07", "2025-Q3", "2025"}),
        (date(2024, 12, 31), {"2024-11", "2024-Q3", "2023"}, {"2024-12", "2024-Q4", "2024"}),
        (date(2025, 1, 1), {"2024-12", "2024-Q4", "2024"}, {"2025-01", "2025-Q1", "2025"}),
    ],
)
def test_a_period_is_offered_from_the_day_after_its_last_day(today, over, running) -> None:
    keys = {p.key for p in funder_periods(today=today)}
    assert over <= keys
    assert not running & keys


def test_the_list_holds_each_period_once_and_whole() -> None:
    offered = funder_periods(today=TODAY)
    assert len(offered) == len(set(offered))
    assert sum(p.kind == "month" for p in offered) == 12 * 5 + 6
    assert sum(p.kind == "quarter" for p in offered) == 4 * 5 + 2
    assert sum(p.kind == "year" for p in offered) == 5
    for period in offered:
        assert period in (month_of(period.start), quarter_of(period.start), year_of(period.start))


def test_a_period_knows_its_months() -> None:
    assert [m.key for m in quarter_of(date(2025, 5, 5)).months()] == [
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    assert len(year_of(date(2024, 1, 1)).months()) == 12


@pytest.mark.django_db
@override_settings(TIME_ZONE="America/Chicago")
@pytest.mark.parametrize(("hour", "over"), [(4, False), (5, True)])
def test_over_means_over_in_the_task_forces_time_zone(hour, over) -> None:
    """At 04:00 UTC on 1 July it is still 30 June in Chicago (CDT, UTC-5): Q2 is not over
    there yet; at 05:00 UTC it is 1 July and Q2 may be reported."""
    from django.utils import timezone

    from accord.reports.forms import FunderPeriodForm

    with time_machine.travel(datetime(2025, 7, 1, hour, tzinfo=UTC), tick=False):
        form = FunderPeriodForm({"period": "2025-Q2"}, today=timezone.localdate())
        assert form.is_valid() is over
        if not over:
            assert "not one" in form.errors["period"][0]
