"""What the coordinator (and ``accord jobs status``) reads about the periodic jobs and the mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .models import JobOutcome, JobRun, OutboxEmail
from .registry import Job, registered
from .runner import tick_interval
from .services import interval_of

#: A job this late past its due time has not been picked up by any runner.
LATE_AFTER_TICKS = 3


@dataclass(frozen=True)
class JobStatus:
    """One job as a person reads it; times are aware datetimes (shown in local time)."""

    name: str
    label: str
    every: str
    state: str  # words: "Succeeded", "Failed", "Running", "Interrupted", "Not run yet"
    summary: str
    error: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    next_due_at: datetime | None
    by_command: bool
    late: bool
    failed: bool
    #: The last run never ended (its runner stopped or lost the database mid-run).
    interrupted: bool = False

    @property
    def needs_attention(self) -> bool:
        return self.late or self.failed or self.interrupted


@dataclass(frozen=True)
class OutboxCounts:
    """The mail outbox in counts (no addresses, no subjects: they may name a case)."""

    waiting: int
    failing: int
    given_up: int
    sent_last_day: int
    last_error: str

    @property
    def needs_attention(self) -> int:
        return self.failing + self.given_up


#: What a failed send's error means, for a person (by the error's class name).
MAIL_ERRORS = {
    "SMTPAuthenticationError": "the mail server refused Accord's user name or password",
    "SMTPRecipientsRefused": "the mail server refused the recipient's address",
    "SMTPSenderRefused": "the mail server refused the sender address",
    "SMTPServerDisconnected": "the mail server closed the connection",
    "SMTPConnectError": "the mail server could not be reached",
    "ConnectionRefusedError": "the mail server could not be reached",
    "TimeoutError": "the mail server did not answer in time",
    "gaierror": "the mail server's name could not be found",
    "SSLError": "a secure connection to the mail server could not be made",
}


def mail_error_words(error: str) -> str:
    """The stored error of a failed send ("SMTPAuthenticationError: ...") in words."""
    name = error.split(":", 1)[0].strip()
    if not name:
        return ""
    return MAIL_ERRORS.get(name, f"the mail system reported an error ({name})")


def every_words(interval: timedelta) -> str:
    """``timedelta(minutes=5)`` -> "every 5 minutes"; a day -> "daily"."""
    seconds = int(interval.total_seconds())
    if seconds % 86400 == 0:
        days = seconds // 86400
        return "daily" if days == 1 else f"every {days} days"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hourly" if hours == 1 else f"every {hours} hours"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "every minute" if minutes == 1 else f"every {minutes} minutes"
    return f"every {seconds} seconds"


def _status(job: Job, row: JobRun | None, now: datetime, late_after: timedelta) -> JobStatus:
    if row is None:
        return JobStatus(
            name=job.name,
            label=str(job.label),
            every=every_words(interval_of(job)),
            state=JobOutcome.NEVER.label,
            summary="",
            error="",
            last_started_at=None,
            last_finished_at=None,
            next_due_at=None,
            by_command=False,
            late=False,
            failed=False,
        )
    running = bool(row.holder) and row.lease_until is not None and row.lease_until > now
    interrupted = row.outcome == JobOutcome.RUNNING and not running
    late = row.next_due_at is not None and not running and row.next_due_at + late_after < now
    return JobStatus(
        name=job.name,
        label=str(job.label),
        every=every_words(interval_of(job)),
        state=(
            JobOutcome.RUNNING.label
            if running
            else "Interrupted"
            if interrupted
            else JobOutcome(row.outcome).label
        ),
        summary=row.summary,
        error=row.error,
        last_started_at=row.last_started_at,
        last_finished_at=row.last_finished_at,
        next_due_at=row.next_due_at,
        by_command=row.last_trigger == "command",
        late=late,
        failed=row.outcome == JobOutcome.FAILED,
        interrupted=interrupted,
    )


def jobs_status(*, now: datetime | None = None) -> list[JobStatus]:
    """Every registered job with its last run, next due time and whether it needs a look."""
    now = now or timezone.now()
    rows = {row.name: row for row in JobRun.objects.all()}
    late_after = tick_interval() * LATE_AFTER_TICKS + timedelta(minutes=1)
    return [_status(job, rows.get(job.name), now, late_after) for job in registered()]


def outbox_counts(*, now: datetime | None = None) -> OutboxCounts:
    """The outbox in one aggregate query (plus one for the latest error when something fails)."""
    now = now or timezone.now()
    unsent = Q(sent_at__isnull=True)
    live = unsent & Q(gave_up_at__isnull=True)
    counts = OutboxEmail.objects.aggregate(
        waiting=Count("pk", filter=live & Q(last_error="")),
        failing=Count("pk", filter=live & ~Q(last_error="")),
        given_up=Count("pk", filter=unsent & Q(gave_up_at__isnull=False)),
        sent_last_day=Count("pk", filter=Q(sent_at__gte=now - timedelta(days=1))),
    )
    last = ""
    if counts["failing"] or counts["given_up"]:
        last = (
            OutboxEmail.objects.filter(unsent)
            .exclude(last_error="")
            .order_by("-last_attempt_at")
            .values_list("last_error", flat=True)
            .first()
        ) or ""
    return OutboxCounts(
        waiting=counts["waiting"],
        failing=counts["failing"],
        given_up=counts["given_up"],
        sent_last_day=counts["sent_last_day"],
        last_error=mail_error_words(last),
    )


def attention_count(*, now: datetime | None = None) -> int:
    """How many things on the background duties page need a look (the dashboard's count)."""
    now = now or timezone.now()
    jobs = sum(1 for status in jobs_status(now=now) if status.needs_attention)
    return jobs + outbox_counts(now=now).needs_attention
