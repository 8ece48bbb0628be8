"""Reports prepared by the background worker (issue 15): a long period is counted off the request.

A run keeps the report as its page shows it (and, for a funder report, its CSV) for the one
coordinator who asked for it; nobody else opens it (``background.run_for``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accord.accounts.models import TaskForce


class ReportKind(models.TextChoices):
    DASHBOARD = "dashboard", "Task force report"
    FUNDER = "funder", "Funder report"


class ReportRunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    COUNTING = "counting", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be prepared"


class ReportRun(models.Model):
    FINISHED = (ReportRunStatus.READY, ReportRunStatus.FAILED)

    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=20, choices=ReportRunStatus.choices, default=ReportRunStatus.QUEUED
    )
    #: Percent done, and what is being done, in words for the person waiting.
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    #: The report as its page shows it (rendered by ``background.report_run_execute``).
    html = models.TextField(blank=True)
    #: A funder report's CSV file (suppressed counts only, S13).
    csv = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "kind"], name="reportrun_user_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start} to {self.period_end}"
