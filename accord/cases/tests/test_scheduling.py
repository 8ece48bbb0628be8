"""Operations and interpreter appointments are never scheduled in the past; dates are picked
in the task force's zone.

The services refuse a start before their ``now`` (so the API is covered too), exactly now is
accepted; the forms answer first, on the field, saying what time it is now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import TaskForce
from accord.cases import forms
from accord.cases.models import Operation
from accord.cases.services import (
    interpreter_request_create,
    operation_notify_committee,
    operation_plan,
    operation_update,
)
from accord.errors import ValidationError
from conftest import sign_in

from .conftest import open_case

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


@pytest.fixture
def case(people):
    return open_case(people["rpd"])


def _plan(people, case, *, start: datetime, now: datetime = NOW) -> Operation:
    return operation_plan(
        actor=people["rpd"],
        case=case,
        name="Orchard",
        window_start=start,
        window_end=start + timedelta(hours=4),
        estimated_victims=2,
        now=now,
    )


def test_an_operation_starting_exactly_now_is_planned(people, case):
    assert _plan(people, case, start=NOW).window_start == NOW


def test_an_operation_a_second_in_the_past_is_refused_on_its_start(people, case):
    with pytest.raises(ValidationError) as refused:
        _plan(people, case, start=NOW - timedelta(seconds=1))
    assert refused.value.data["field"] == "window_start"
    assert refused.value.message == "An operation can't be scheduled in the past."
    assert not Operation.objects.filter(case=case).exists()


def test_moving_an_operation_into_the_past_is_refused_but_other_changes_are_not(people, case):
    operation = _plan(people, case, start=NOW + timedelta(days=1))
    later = NOW + timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        operation_update(
            actor=people["rpd"],
            operation_id=operation.pk,
            changes={"window_start": NOW - timedelta(minutes=1)},
            expected_version=operation.lock_version,
            now=NOW,
        )
    assert refused.value.data["field"] == "window_start"
    # Once the operation is under way (its start has passed), the rest of the plan still
    # changes: only moving the start is scheduling.
    changed = operation_update(
        actor=people["rpd"],
        operation_id=operation.pk,
        changes={"estimated_victims": 3},
        expected_version=operation.lock_version,
        now=later,
    )
    assert changed.estimated_victims == 3


@pytest.mark.parametrize(
    ("proceeding", "words"),
    [
        ("court_hearing", "A hearing can't be scheduled in the past."),
        ("arraignment", "An arraignment can't be scheduled in the past."),
        ("victim_interview", "An interview can't be scheduled in the past."),
    ],
)
def test_an_interpreter_for_a_past_proceeding_is_refused(people, case, proceeding, words):
    def book(when: datetime):
        return interpreter_request_create(
            actor=people["rpd"],
            case=case,
            proceeding=proceeding,
            language="Tigrinya",
            scheduled_for=when,
            now=NOW,
        )

    with pytest.raises(ValidationError) as refused:
        book(NOW - timedelta(seconds=1))
    assert refused.value.data["field"] == "scheduled_for"
    assert refused.value.message == words
    assert book(NOW).scheduled_for == NOW


def test_the_form_refuses_a_past_hearing_on_the_field_saying_the_time_now():
    yesterday = timezone.localtime() - timedelta(days=1)
    form = forms.InterpreterForm(
        {
            "proceeding": "court_hearing",
            "language": "Spanish",
            "scheduled_for": f"{yesterday:%Y-%m-%dT%H:%M}",
        }
    )
    assert not form.is_valid()
    [error] = form.errors["scheduled_for"]
    assert error.startswith("A hearing can't be scheduled in the past (it is now ")


def test_the_pickers_are_the_browser_s_own():
    html = str(forms.OperationForm())
    assert 'type="datetime-local" name="window_start"' in html
    assert 'type="datetime-local" name="window_end"' in html
    assert 'type="datetime-local" name="scheduled_for"' in str(forms.InterpreterForm())
    assert 'type="date" name="expires_on"' in str(forms.ReliefUpdateForm())


def test_a_picked_time_is_read_in_the_task_force_zone(people, case):
    """19:30 picked in a Chicago task force in January is 01:30 UTC the next day."""
    TaskForce.objects.filter(pk=case.task_force_id).update(time_zone="America/Chicago")
    client = sign_in(Client(), people["rpd"])
    start = timezone.now().astimezone(ZoneInfo("America/Chicago")) + timedelta(days=40)
    start = start.replace(hour=19, minute=30, second=0, microsecond=0)
    response = client.post(
        reverse("cases:record_new", args=[case.pk, "operation"]),
        {
            "name": "Lantern",
            "window_start": f"{start:%Y-%m-%dT%H:%M}",
            "window_end": f"{start + timedelta(hours=3):%Y-%m-%dT%H:%M}",
            "estimated_victims": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    operation = Operation.objects.get(case=case)
    assert operation.window_start == start  # the same instant: read as Chicago, not UTC


def test_a_past_operation_typed_on_the_page_is_refused_on_the_field(people, case):
    client = sign_in(Client(), people["rpd"])
    start = timezone.now() - timedelta(hours=2)
    response = client.post(
        reverse("cases:record_new", args=[case.pk, "operation"]),
        {
            "name": "Lantern",
            "window_start": f"{start:%Y-%m-%dT%H:%M}",
            "window_end": f"{start + timedelta(hours=3):%Y-%m-%dT%H:%M}",
            "estimated_victims": 1,
        },
    )
    text = response.content.decode()
    assert "An operation can&#x27;t be scheduled in the past" in text
    assert not Operation.objects.filter(case=case).exists()


def test_the_committee_reads_the_window_in_the_task_force_zone(
    people, case, django_capture_on_commit_callbacks
):
    """The minimal facts e-mailed to the committee give local times with the zone named."""
    TaskForce.objects.filter(pk=case.task_force_id).update(time_zone="America/Chicago")
    start = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)  # 20:00 CST on 19 January
    operation = _plan(people, case, start=start)
    with django_capture_on_commit_callbacks(execute=True):
        operation_notify_committee(actor=people["rpd"], operation_id=operation.pk)
    bodies = [m.body for m in mail.outbox if "minimal facts" in m.subject]
    assert bodies and "Time window: 2027-01-19 20:00 CST to 2027-01-20 00:00 CST" in bodies[0]
    assert "UTC" not in bodies[0]
