"""The report pages cost the same number of queries whatever the number of people or cases
(issue 15: 83 queries, 61 of them one per person; and every case loaded into Python)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .conftest import at, reauthenticated

pytestmark = [pytest.mark.django_db]

PAGES: tuple[tuple[str, dict[str, str]], ...] = (
    ("/reports/", {"start": "2025-01-01", "end": "2025-03-31"}),
    ("/reports/funder/", {"period": "2025-Q1"}),
    ("/reports/funder/2025-Q1/report.csv", {}),
)


@pytest.fixture(autouse=True)
def mid_july_2025():
    with time_machine.travel(datetime(2025, 7, 15, 12, tzinfo=UTC), tick=False):
        yield


def _queries(client: Client) -> dict[str, int]:
    counted = {}
    for path, params in PAGES:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, params)
        assert response.status_code == 200, path
        counted[path] = len(captured.captured_queries)
    return counted


def _more_people_and_cases(people, count: int) -> None:
    """``count`` more members, each with a role and a certificate, and ``count`` more cases
    (with a victim, an accepted referral and tasks) opened in February 2025."""
    from accord.accounts.tests.factories import make_user
    from accord.cases.tests.conftest import open_case
    from accord.protocols.selectors import protocol_in_force
    from accord.training.models import Certificate, Course

    agency = people["harbor"].agency
    version = protocol_in_force(task_force=agency.task_force)
    course = Course.objects.create(
        task_force_id=agency.task_force_id,
        code="basics",
        title="Trafficking basics",
        provider="Example County",
        duration_minutes=60,
        requirement_ids=[req.id for req in version.protocol.training],
    )
    for i in range(count):
        person = make_user(agency, f"extra-{i}", roles=("advocate",))
        Certificate.objects.create(
            user=person, course=course, issued_on=date(2025, 1, 2), recorded_at=at("2025-01-02")
        )
        open_case(people["rpd"], title=f"Extra {i}", now=at("2025-02-0" + str(1 + i % 9)))


def test_report_pages_do_not_read_once_per_person_or_per_case(dataset, people) -> None:
    from conftest import sign_in

    client = reauthenticated(sign_in(Client(), people["coordinator"]))
    _queries(client)  # the first request of a session also records the session's activity
    before = _queries(client)
    _more_people_and_cases(people, 6)
    recounting = _queries(client)  # February changed: its roll-up is counted again, once
    # (six more people and cases would add at least six if anything read once per person or case)
    assert max(recounting.values()) < 40, recounting
    after = _queries(client)
    assert after == before
    assert max(before.values()) < 40, before
