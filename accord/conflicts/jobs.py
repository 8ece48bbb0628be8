"""The conflict-resolution duty the periodic runner does (registered in ``ConflictsConfig.ready``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from accord.jobs.registry import Job


def conflicts_escalate_job(now: datetime) -> str:
    from .services import disagreements_escalate_due

    report = disagreements_escalate_due(now=now)
    return (
        f"{len(report.escalated)} disagreement{'s' if len(report.escalated) != 1 else ''} "
        f"moved up, {len(report.flagged)} flagged at the last level"
    )


JOBS = (
    Job(
        name="conflicts.escalate",
        label=gettext_lazy("Move overdue disagreements up the ladder"),
        every=timedelta(minutes=5),
        run=conflicts_escalate_job,
    ),
)
