"""Notification e-mail through an outbox: stored with the change, sent by background work.

``email_queue`` writes one outbox row per address inside the caller's transaction, so a
rolled-back change sends nothing and a committed one is never lost. Once the transaction
commits, the django-tasks worker sends the rows at once; a send that fails keeps its error and
is tried again with back-off by the periodic job ``mail.deliver`` (every minute), until it goes
out or is given up after ``MAX_ATTEMPTS`` (audited, and shown to the coordinator on the
background duties page). A request never waits on mail.

Bodies carry no case details: a number, a date and a link; whoever follows the link reads
through the sharing layer like everyone else (S9). The text of a sent message is dropped from
the outbox; sent rows are removed after ``SENT_KEPT``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accord.jobs.models import OutboxEmail

logger = logging.getLogger("accord.mail")

#: Minutes to wait after the n-th failed attempt (then the message is given up).
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
SENT_KEPT = timedelta(days=30)


def backoff(attempt: int) -> timedelta:
    """How long after failed attempt number ``attempt`` (1-based) the next one is made."""
    index = min(max(attempt, 1), len(BACKOFF_MINUTES)) - 1
    return timedelta(minutes=BACKOFF_MINUTES[index])


def email_queue(
    *, subject: str, body: str, emails: Sequence[str], now: datetime | None = None
) -> list[int]:
    """Store one e-mail per address in the outbox; send them once the transaction commits."""
    recipients = sorted({address.strip() for address in emails if address and address.strip()})
    if not recipients:
        return []
    now = now or timezone.now()
    rows = [
        OutboxEmail.objects.create(
            recipient=address,
            subject=subject[:250],
            body=body,
            created_at=now,
            next_attempt_at=now,
        )
        for address in recipients
    ]
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: outbox_send.enqueue(outbox_ids=ids))
    return ids


def email_on_commit(*, subject: str, body: str, emails: Sequence[str]) -> None:
    """Queue one e-mail to ``emails``; it goes out once the surrounding transaction commits."""
    email_queue(subject=subject, body=body, emails=emails)


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    removed: int = 0

    def summary(self) -> str:
        words = f"{self.sent} sent"
        if self.failed:
            words += f", {self.failed} failed (tried again later)"
        if self.gave_up:
            words += f", {self.gave_up} given up"
        return words


def _error_words(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:500]


def outbox_deliver(
    *, now: datetime | None = None, ids: Sequence[int] | None = None, limit: int = 200
) -> DeliveryReport:
    """Send the outbox rows that are due (or only ``ids``), each at most once at a time.

    Each row is claimed by a conditional UPDATE that counts the attempt and moves the next
    attempt on by the back-off, so the task worker and the periodic runner never send the same
    row twice, and a process that dies mid-send leaves a row that is simply tried again."""
    now = now or timezone.now()
    due = OutboxEmail.objects.filter(
        sent_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    rows = list(due.order_by("next_attempt_at", "pk")[:limit])
    sent = failed = gave_up = 0
    connection = get_connection(fail_silently=False) if rows else None
    try:
        for row in rows:
            attempt = row.attempts + 1
            claimed = OutboxEmail.objects.filter(
                pk=row.pk, attempts=row.attempts, sent_at__isnull=True, gave_up_at__isnull=True
            ).update(attempts=attempt, last_attempt_at=now, next_attempt_at=now + backoff(attempt))
            if not claimed:
                continue
            try:
                EmailMessage(
                    subject=row.subject,
                    body=row.body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[row.recipient],
                    connection=connection,
                ).send()
            except Exception as exc:  # any failure of the mail system is recorded, never lost
                error = _error_words(exc)
                connection = _fresh_connection(connection)  # the next one starts clean
                logger.warning("e-mail #%s not sent (attempt %s): %s", row.pk, attempt, error)
                if attempt >= MAX_ATTEMPTS:
                    OutboxEmail.objects.filter(pk=row.pk).update(last_error=error, gave_up_at=now)
                    _audit_given_up(row=row, attempts=attempt, error=error)
                    gave_up += 1
                else:
                    OutboxEmail.objects.filter(pk=row.pk).update(last_error=error)
                    failed += 1
                continue
            OutboxEmail.objects.filter(pk=row.pk).update(sent_at=now, body="", last_error="")
            sent += 1
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing a broken connection must not hide what was recorded
                logger.warning("the mail connection could not be closed cleanly")
    removed, _ = OutboxEmail.objects.filter(sent_at__lt=now - SENT_KEPT).delete()
    return DeliveryReport(sent=sent, failed=failed, gave_up=gave_up, removed=removed)


def _fresh_connection(broken: Any) -> Any:
    """Close a connection a failed send may have left broken, and give a new one."""
    try:
        broken.close()
    except Exception:  # it was broken already
        logger.debug("closing a failed mail connection raised", exc_info=True)
    return get_connection(fail_silently=False)


def _audit_given_up(*, row: OutboxEmail, attempts: int, error: str) -> None:
    from accord.audit.events import AuditEventType, Outcome
    from accord.audit.services import audit_record

    audit_record(
        event=AuditEventType.EMAIL_GIVEN_UP,
        outcome=Outcome.FAILURE,
        username="mail outbox",
        object_type="outbox_email",
        object_id=row.pk,
        detail={"attempts": attempts, "error": error.split(":", 1)[0]},
    )


def outbox_job(now: datetime) -> str:
    """The periodic job ``mail.deliver``: send what is due, retry what failed."""
    return outbox_deliver(now=now).summary()


@task()
def outbox_send(*, outbox_ids: list[int]) -> int:
    """Background, right after the commit: send these rows now; returns how many went out."""
    return outbox_deliver(ids=outbox_ids).sent


@task()
def email_send(*, subject: str, body: str, recipients: list[str]) -> int:
    """Tasks enqueued before the outbox existed: put them in the outbox and send them."""
    with transaction.atomic():
        ids = email_queue(subject=subject, body=body, emails=recipients)
    return len(ids)


def email_test(*, address: str) -> str:
    """Send one test message now, bypassing the outbox, and return how it went out.

    Raises whatever the mail system raised, so the caller can show it."""
    sent = EmailMessage(
        subject="Accord: test message",
        body=(
            "This is a test message from Accord. It shows that the server can send e-mail.\n"
            "No action is needed."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    ).send(fail_silently=False)
    return f"{sent} message sent to {address} from {settings.DEFAULT_FROM_EMAIL}"


def outbox_retry_given_up(*, actor: Any, now: datetime | None = None) -> int:
    """A coordinator sends the given-up e-mail again (after the mail settings were fixed):
    each starts over with a full set of attempts. Audited; returns how many were put back."""
    from accord.audit.events import AuditEventType
    from accord.audit.services import audit_record

    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxEmail.objects.filter(sent_at__isnull=True, gave_up_at__isnull=False).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            return 0
        OutboxEmail.objects.filter(pk__in=ids).update(
            gave_up_at=None, attempts=0, last_error="", next_attempt_at=now
        )
        audit_record(
            event=AuditEventType.EMAIL_RETRY_REQUESTED,
            actor=actor,
            object_type="outbox_email",
            detail={"count": len(ids)},
        )
        transaction.on_commit(lambda: outbox_send.enqueue(outbox_ids=ids))
    return len(ids)
