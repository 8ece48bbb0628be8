"""The auditor's trail page and CSV (issue 13): filters by person, dates and event, events in
words, and a download that is itself audited and neutralizes formulas (S15, S21)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Role
from accord.audit.events import AuditEventType, event_label
from accord.audit.models import AuditEvent
from accord.audit.services import audit_record
from conftest import sign_in

pytestmark = pytest.mark.django_db

DAY_ONE = datetime(2026, 3, 2, 23, 59, 30, tzinfo=UTC)  # the last half minute of 2 March (UTC)


@pytest.fixture
def people(make_member):
    auditor = make_member("auditor.bay", roles=[Role.AUDITOR], agency_slug="bay-police")
    colleague = make_member("alex.bay", roles=[Role.INVESTIGATOR], agency_slug="bay-police")
    outsider = make_member("sam.other", roles=[Role.INVESTIGATOR], agency_slug="other-pd")
    return {"auditor": auditor, "colleague": colleague, "outsider": outsider}


@pytest.fixture
def trail(people):
    """A failed MFA by the colleague at the end of 2 March, an export on 3 March, a formula
    typed as a user name against the agency, and the outsider's own event."""
    with time_machine.travel(DAY_ONE, tick=False):
        audit_record(event=AuditEventType.MFA_FAILED, actor=people["colleague"])
    with time_machine.travel(DAY_ONE + timedelta(minutes=1), tick=False):
        audit_record(event=AuditEventType.EXPORTED, actor=people["colleague"])
        audit_record(
            event=AuditEventType.LOGIN_FAILED,
            username="=HYPERLINK(1)",
            subject_agency_id=people["auditor"].agency_id,
        )
        audit_record(event=AuditEventType.EXPORTED, actor=people["outsider"])


def shown(client: Client, **params) -> list[tuple[str, str]]:
    response = client.get(reverse("audit:log"), params)
    assert response.status_code == 200
    return [(e["event"], e["actor_username"]) for e in response.context["page"]]


def auditor_client(people) -> Client:
    return sign_in(Client(), people["auditor"])


def test_event_types_read_as_words():
    """One set of words for an event type: the page, its filter and the CSV export agree."""
    assert event_label("mfa_failed") == "Second factor refused"
    assert event_label("case_field_released") == "Case details shown"
    assert event_label("audit_log_read") == "Audit trail read"
    assert event_label("mfa_device_rekeyed") == "MFA device rekeyed"  # no label yet: written out
    assert "_" not in event_label("some_future_event")


def test_the_filter_lists_events_in_words(people, trail):
    page = auditor_client(people).get(reverse("audit:log")).content.decode()
    assert ">Second factor refused</option>" in page  # the label table's words
    assert ">mfa_failed<" not in page and ">case_field_released<" not in page
    assert '<td data-label="Event">Second factor refused</td>' in page


def test_filters_by_person_event_and_dates(people, trail):
    client = auditor_client(people)
    assert shown(client, username="alex.bay", event="mfa_failed") == [("mfa_failed", "alex.bay")]
    mine = shown(client, username="alex.bay")
    assert ("exported", "alex.bay") in mine and ("mfa_failed", "alex.bay") in mine
    # Day boundaries (UTC): 2 March holds the MFA failure, 3 March the export.
    assert ("mfa_failed", "alex.bay") in shown(client, since="2026-03-02", until="2026-03-02")
    assert ("exported", "alex.bay") not in shown(client, since="2026-03-02", until="2026-03-02")
    on_third = shown(client, since="2026-03-03", until="2026-03-03")
    assert ("exported", "alex.bay") in on_third and ("mfa_failed", "alex.bay") not in on_third
    assert not any(user == "sam.other" for _, user in shown(client))


def test_csv_needs_a_recent_sign_in(people, trail):
    response = auditor_client(people).get(reverse("audit:export"))
    assert response.status_code == 302 and "reauthenticate" in response["Location"]


def test_csv_is_filtered_neutralized_and_itself_audited(people, trail):
    client = auditor_client(people)
    session = client.session
    session["accord_reauth_at"] = timezone.now().timestamp()
    session.save()
    response = client.get(reverse("audit:export"), {"event": "login_failed"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Number", "Time (UTC)", "Event"]
    assert [row[2] for row in rows[1:]] == ["Sign-in failed"]  # the words the page shows
    assert rows[1][4] == "'=HYPERLINK(1)"
    everything = client.get(reverse("audit:export")).content.decode()
    assert "sam.other" not in everything and "alex.bay" in everything
    for kind in (AuditEventType.AUDIT_LOG_READ, AuditEventType.EXPORTED):
        event = AuditEvent.objects.filter(event=kind, actor_id=people["auditor"].pk).first()
        assert event is not None, kind
        assert event.object_type == "audit.audit_log"
        assert event.detail["format"] == "csv"
    first = AuditEvent.objects.filter(
        event=AuditEventType.EXPORTED, actor_id=people["auditor"].pk
    ).order_by("seq")[0]
    assert first.detail["filters"] == {"event": "login_failed"}
