"""Report periods are days of the task force's zone (its own setting, not the deployment's)."""

from __future__ import annotations

from datetime import date

import pytest

from accord.accounts.models import TaskForce
from accord.sharing.door.aggregates import case_aggregate_rows

from .conftest import SEX_ADULT, at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("zone", "day"), [("UTC", date(2025, 7, 1)), ("America/Chicago", date(2025, 6, 30))]
)
def test_a_case_opened_at_03_00_utc_on_1_july_is_on_30_june_in_chicago(people, zone, day) -> None:
    """03:00 UTC on 1 July is 22:00 CDT on 30 June: a Chicago task force counts it in June
    (and in Q2), whatever the deployment's ``TIME_ZONE`` says."""
    from accord.cases.tests.conftest import open_case

    coordinator = people["coordinator"]
    TaskForce.objects.filter(agencies__users=coordinator).update(time_zone=zone)
    open_case(people["rpd"], title="Late call", facts=SEX_ADULT, now=at("2025-07-01", 3))
    june = case_aggregate_rows(
        viewer=coordinator, period_start=date(2025, 6, 1), period_end=date(2025, 6, 30)
    )
    july = case_aggregate_rows(
        viewer=coordinator, period_start=date(2025, 7, 1), period_end=date(2025, 7, 31)
    )
    [row] = june if day.month == 6 else july
    assert row.opened_on == day
    assert len(june) + len(july) == 1
