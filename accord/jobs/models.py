"""The run table of the periodic jobs (one row per job, also its lease) and the mail outbox."""

from __future__ import annotations

from django.db import models


class JobOutcome(models.TextChoices):
    NEVER = "never", "Not run yet"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    """The last run of one periodic job and who holds it now.

    The row is the lease: a runner claims the job with one conditional UPDATE (due, and nobody
    holds an unexpired lease), so among any number of processes on any number of machines
    exactly one runs it. ``holder`` and ``lease_until`` are cleared when the run ends; a runner
    that dies leaves a lease that simply expires.
    """

    name = models.CharField(max_length=80, primary_key=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    holder = models.CharField(max_length=200, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=JobOutcome.choices, default=JobOutcome.NEVER)
    summary = models.CharField(max_length=300, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    #: Where the last run came from: "runner" (the background runner) or "command" (cron, by hand).
    last_trigger = models.CharField(max_length=20, blank=True, default="")
    runs = models.PositiveIntegerField(default=0)
    failures_in_a_row = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutboxEmail(models.Model):
    """One e-mail to one address, stored with the change that caused it and sent afterwards.

    Written inside the caller's transaction, so a rolled-back change sends nothing and a
    committed one is never lost: a failed send stays here with its error and is tried again
    with back-off until it goes out or is given up (both visible to the coordinator). The text
    is dropped once the message has gone out; who, what subject and when are kept a while.
    """

    recipient = models.EmailField()
    subject = models.CharField(max_length=250)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_waiting",
                condition=models.Q(sent_at__isnull=True, gave_up_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"e-mail #{self.pk}"
