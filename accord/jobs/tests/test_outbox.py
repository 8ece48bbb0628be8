"""E-mail goes through the outbox: sent after commit, retried with back-off, never lost silently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accord.audit.events import AuditEventType
from accord.audit.testing import assert_audited, audit_mark
from accord.jobs.models import OutboxEmail
from accord.jobs.selectors import outbox_counts
from accord.mail import MAX_ATTEMPTS, backoff, email_queue, outbox_deliver

pytestmark = pytest.mark.django_db

REFUSING = "accord.jobs.tests.backends.RefusingBackend"


def _queue(*addresses: str, now=None) -> list[int]:
    return email_queue(
        subject="Overdue task on case 2026-0007",
        body="Sign in to Accord to see it.",
        emails=addresses,
        now=now,
    )


def test_queued_mail_goes_out_after_commit_one_message_per_address(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _queue("lead@example.invalid", "coordinator@example.invalid", "lead@example.invalid")
    assert [m.to for m in mail.outbox] == [
        ["coordinator@example.invalid"],
        ["lead@example.invalid"],
    ]
    rows = OutboxEmail.objects.all()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert all(row.body == "" for row in rows)  # the text is not kept once delivered


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _queue("lead@example.invalid")
        raise RuntimeError("the change failed")
    assert mail.outbox == [] and not OutboxEmail.objects.exists()


def test_a_failed_send_is_kept_with_its_error_and_retried_after_the_back_off():
    now = timezone.now()
    [pk] = _queue("lead@example.invalid", now=now)
    with override_settings(EMAIL_BACKEND=REFUSING):
        report = outbox_deliver(now=now)
    assert (report.sent, report.failed) == (0, 1)
    row = OutboxEmail.objects.get(pk=pk)
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error.startswith("SMTPAuthenticationError")
    assert row.next_attempt_at == now + backoff(1)
    counts = outbox_counts(now=now)
    assert counts.failing == 1
    assert counts.last_error == "the mail server refused Accord's user name or password"
    # not tried again before the back-off, then sent once the server works again
    assert outbox_deliver(now=now + backoff(1) - timedelta(seconds=1)).sent == 0
    assert outbox_deliver(now=now + backoff(1)).sent == 1
    assert mail.outbox[0].to == ["lead@example.invalid"]
    assert outbox_counts(now=now).failing == 0


def test_after_the_last_attempt_a_message_is_given_up_audited_and_counted():
    mark = audit_mark()
    now = timezone.now()
    [pk] = _queue("lead@example.invalid", now=now)
    with override_settings(EMAIL_BACKEND=REFUSING):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            outbox_deliver(now=now)
            row = OutboxEmail.objects.get(pk=pk)
            assert row.attempts == attempt
            now = row.next_attempt_at
    assert row.gave_up_at is not None
    assert outbox_deliver(now=now + timedelta(days=7)).sent == 0  # never tried again
    assert outbox_counts().given_up == 1
    event = assert_audited(
        AuditEventType.EMAIL_GIVEN_UP, object_type="outbox_email", object_id=pk, since=mark
    )
    assert "lead@example.invalid" not in str(event.detail)


def test_a_dropped_connection_fails_one_message_not_the_rest_of_the_pass(monkeypatch):
    from accord.jobs.tests.backends import DroppingBackend

    monkeypatch.setattr(DroppingBackend, "dropped", False)
    now = timezone.now()
    _queue("first@example.invalid", "second@example.invalid", now=now)
    with override_settings(EMAIL_BACKEND="accord.jobs.tests.backends.DroppingBackend"):
        report = outbox_deliver(now=now)
    assert (report.sent, report.failed) == (1, 1)
    assert [m.to for m in mail.outbox] == [["second@example.invalid"]]


def test_a_message_being_sent_is_not_sent_again_by_a_second_deliverer(monkeypatch):
    """The task worker and the periodic runner may look at once: each row is claimed first."""
    [pk] = _queue("lead@example.invalid")
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    nested: list[int] = []

    def send_while_another_delivers(self, fail_silently=False):
        nested.append(outbox_deliver().sent)  # a second deliverer runs in the middle
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send_while_another_delivers)
    assert outbox_deliver().sent == 1
    assert nested == [0] and len(mail.outbox) == 1
    assert OutboxEmail.objects.get(pk=pk).attempts == 1


def test_the_periodic_job_delivers_what_is_waiting():
    from accord.jobs.registry import job_named

    _queue("lead@example.invalid")
    summary = job_named("mail.deliver").run(timezone.now())
    assert summary == "1 sent" and len(mail.outbox) == 1


def test_mail_test_sends_a_message_and_says_where_it_went(capsys):
    mark = audit_mark()
    call_command("mail_test", "ops@example.invalid")
    assert mail.outbox[0].to == ["ops@example.invalid"]
    assert "1 message sent to ops@example.invalid" in capsys.readouterr().out
    assert_audited(AuditEventType.EMAIL_TEST_SENT, outcome="success", since=mark)


def test_mail_test_shows_the_mail_servers_refusal():
    mark = audit_mark()
    with override_settings(EMAIL_BACKEND=REFUSING), pytest.raises(CommandError) as refused:
        call_command("mail_test", "ops@example.invalid")
    assert "not sent" in str(refused.value) and "SMTPAuthenticationError" in str(refused.value)
    assert_audited(AuditEventType.EMAIL_TEST_SENT, outcome="failure", since=mark)


def test_mail_test_refuses_something_that_is_not_an_address():
    with pytest.raises(CommandError, match="'not an address' is not an e-mail address"):
        call_command("mail_test", "not an address")
    assert mail.outbox == []
