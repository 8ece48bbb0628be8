"""Long reports are prepared by the background worker (issue 15): the page says so with its
progress, the coordinator who asked is notified with a link, nobody else sees the result, and
the reads and the download are audited as the direct ones are."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from .conftest import reauthenticated

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def mid_july_2025():
    with time_machine.travel(datetime(2025, 7, 15, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def few_cases_is_many(settings):
    """Any report of more than 2 cases goes to the worker (Q1 2025 holds 3)."""
    settings.ACCORD_REPORT_BACKGROUND_CASES = 2


def client_for(user) -> Client:
    from conftest import sign_in

    return sign_in(Client(), user)


def test_a_big_funder_report_is_prepared_in_the_background_and_linked_when_ready(
    dataset, people, few_cases_is_many, django_capture_on_commit_callbacks
) -> None:
    from accord.audit.models import AuditEvent, AuditReadEvent
    from accord.cases.models import Notification

    client = reauthenticated(client_for(people["coordinator"]))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        asked = client.get("/reports/funder/", {"period": "2025-Q1"})
    assert asked.status_code == 302
    waiting = client.get(asked["Location"])
    text = waiting.content.decode()
    assert "being prepared in the background" in text
    assert 'http-equiv="refresh"' in text
    assert "<progress" in text
    # The same report asked again while waiting is the same run.
    again = client.get("/reports/funder/2025-Q1/report.csv")
    assert again["Location"] == asked["Location"]

    before = AuditReadEvent.objects.count()
    for callback in queued:  # the worker runs (ImmediateBackend in the tests)
        callback()
    reads = AuditReadEvent.objects.order_by("seq")[before:]
    assert [(e.event, e.actor_id) for e in reads if e.purpose == "aggregate report"] == [
        ("record_read", people["coordinator"].pk)
    ]
    note = Notification.objects.get(user=people["coordinator"], kind="report_ready")
    assert asked["Location"] in note.body
    assert note.subject == "Your report is ready: Funder report, 2025 Q1"

    ready = client.get(asked["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in ready
    assert "Cases opened, by incident kind and trafficking type" in ready
    assert "&lt;5" in ready  # suppressed as the direct funder page is
    download = client.get(asked["Location"] + "report.csv")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="funder-report-2025-Q1.csv"'
    assert "Accord funder report" in download.content.decode()
    exported = AuditEvent.objects.filter(event="exported").order_by("-seq").first()
    assert exported.detail["period"] == "2025-Q1"


def test_a_prepared_report_is_for_its_asker_only(
    dataset, people, few_cases_is_many, make_member, django_capture_on_commit_callbacks
) -> None:
    from accord.accounts.tests.factories import make_user

    with django_capture_on_commit_callbacks(execute=True):
        asked = client_for(people["coordinator"]).get(
            "/reports/", {"start": "2025-01-01", "end": "2025-03-31"}
        )
    location = asked["Location"]
    other = make_user(people["coordinator"].agency, "other.coordinator", roles=("coordinator",))
    assert client_for(other).get(location).status_code == 404
    assert reauthenticated(client_for(other)).get(location + "report.csv").status_code == 404
    assert client_for(people["harbor"]).get(location).status_code == 403
    # The dashboard's file link is for funder reports only.
    mine = reauthenticated(client_for(people["coordinator"]))
    assert mine.get(location + "report.csv").status_code == 404
    assert "Cases opened in the period, by stage today" in mine.get(location).content.decode()


def test_a_period_over_a_year_always_goes_to_the_worker(
    dataset, people, django_capture_on_commit_callbacks
) -> None:
    client = client_for(people["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        short = client.get("/reports/", {"start": "2025-01-01", "end": "2025-03-31"})
        long = client.get("/reports/", {"start": "2024-01-01", "end": "2025-06-30"})
    assert short.status_code == 200
    assert long.status_code == 302
    page = client.get(long["Location"]).content.decode()
    assert "Task force report — 2024-01-01 to 2025-06-30" in page
    assert "Prepared in the background" in page


def test_a_failed_run_says_so_and_notifies(
    dataset, people, few_cases_is_many, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from accord.cases.models import Notification
    from accord.reports import selectors

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(selectors, "funder_view_for", broken)
    client = client_for(people["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.get("/reports/funder/", {"period": "2025-Q1"})
    page = client.get(asked["Location"]).content.decode()
    assert "could not be prepared" in page
    assert "could not be prepared" in Notification.objects.get(kind="report_ready").subject
