"""The coordinator sees each duty's last run, outcome and next due time, and the mail, in words."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.jobs import registry
from accord.jobs.models import JobOutcome, JobRun, OutboxEmail
from accord.jobs.services import jobs_ensure_rows

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_on_a_fresh_install_every_duty_is_listed_as_not_run_yet(member_client):
    page = _text(member_client("coord", roles=["coordinator"]).get(reverse("jobs:status")))
    for job in registry.registered():
        assert str(job.label) in page
    assert "Not run yet" in page and "every 5 minutes" in page and "daily" in page
    assert "As soon as Accord's background worker starts" in page


def test_the_last_run_and_next_due_are_shown_in_local_time(member_client, task_force):
    task_force.time_zone = "America/Chicago"
    task_force.save(update_fields=["time_zone"])
    started = datetime.fromisoformat("2026-12-07T15:00:00+00:00")
    jobs_ensure_rows(names=["tasks.escalate"], now=started)
    JobRun.objects.filter(name="tasks.escalate").update(
        outcome=JobOutcome.SUCCEEDED,
        last_started_at=started,
        last_finished_at=started,
        summary="2 overdue tasks escalated",
        next_due_at=started + timedelta(minutes=5),
        last_trigger="runner",
    )
    page = _text(member_client("coord", roles=["coordinator"]).get(reverse("jobs:status")))
    assert "2026-12-07 09:00 CST" in page and "2026-12-07 09:05 CST" in page
    assert "2 overdue tasks escalated" in page


def test_a_failed_duty_a_late_duty_and_failing_mail_are_flagged_and_counted_on_the_dashboard(
    member_client,
):
    now = timezone.now()
    jobs_ensure_rows(names=["conflicts.escalate", "training.expiry"], now=now)
    JobRun.objects.filter(name="conflicts.escalate").update(
        outcome=JobOutcome.FAILED,
        last_started_at=now,
        error="OperationalError: database is locked",
        next_due_at=now + timedelta(minutes=5),
    )
    JobRun.objects.filter(name="training.expiry").update(  # due yesterday, nobody ran it
        outcome=JobOutcome.SUCCEEDED, next_due_at=now - timedelta(days=1)
    )
    OutboxEmail.objects.create(
        recipient="lead@example.invalid",
        subject="s",
        body="b",
        created_at=now,
        next_attempt_at=now,
        attempts=2,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    client = member_client("coord", roles=["coordinator"])
    page = _text(client.get(reverse("jobs:status")))
    assert "It stopped with an error" in page and "database is locked" in page
    assert "No background worker has picked this up" in page
    assert "Failed, will be tried again</dt><dd>1" in page
    assert "The mail server could not be reached." in page
    assert "lead@example.invalid" not in page  # counts only: the page names nobody
    dashboard = _text(client.get(reverse("web:dashboard")))
    assert "Background duties needing a look" in dashboard
    assert f'href="{reverse("jobs:status")}"' in dashboard
    assert '<span class="number">3</span>' in dashboard.replace("\n", "")


def test_a_duty_whose_runner_stopped_mid_run_is_shown_as_interrupted(member_client):
    now = timezone.now()
    jobs_ensure_rows(names=["directory.stale"], now=now)
    JobRun.objects.filter(name="directory.stale").update(  # its runner died an hour ago
        outcome=JobOutcome.RUNNING,
        holder="web-1:4711:1",
        last_started_at=now - timedelta(hours=1),
        lease_until=now - timedelta(minutes=30),
        next_due_at=now + timedelta(hours=23),
    )
    page = _text(member_client("coord", roles=["coordinator"]).get(reverse("jobs:status")))
    assert "Interrupted" in page and "It started but never finished" in page


def test_only_coordinators_open_the_page(member_client):
    response = member_client("inv", roles=["investigator"]).get(reverse("jobs:status"))
    assert response.status_code == 403


def test_a_coordinator_sends_given_up_mail_again_once_the_settings_are_fixed(member_client):
    from django.core import mail

    from accord.audit.events import AuditEventType
    from accord.audit.testing import assert_audited, audit_mark

    now = timezone.now()
    row = OutboxEmail.objects.create(
        recipient="lead@example.invalid",
        subject="Overdue task on case 2026-0007",
        body="Sign in to Accord to see it.",
        created_at=now,
        next_attempt_at=now,
        attempts=8,
        gave_up_at=now,
        last_error="SMTPAuthenticationError: (535, b'bad credentials')",
    )
    client = member_client("coord", roles=["coordinator"])
    page = _text(client.get(reverse("jobs:status")))
    assert "Given up after repeated failures</dt><dd>1" in page
    assert "Send the given-up e-mail again" in page
    mark = audit_mark()
    response = client.post(reverse("jobs:mail_retry"), follow=True)
    assert "1 e-mail will be sent again." in _text(response)
    row.refresh_from_db()
    assert row.gave_up_at is None and row.attempts == 0
    assert_audited(AuditEventType.EMAIL_RETRY_REQUESTED, object_type="outbox_email", since=mark)
    assert mail.outbox == []  # sent after the commit by the worker, or by the next tick:
    from accord.mail import outbox_deliver

    assert outbox_deliver().sent == 1 and mail.outbox[0].to == ["lead@example.invalid"]
    assert (
        member_client("inv", roles=["investigator"]).post(reverse("jobs:mail_retry")).status_code
        == 403
    )
