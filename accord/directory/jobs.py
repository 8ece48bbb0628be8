"""The directory duty the periodic runner does (registered in ``DirectoryConfig.ready``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from accord.jobs.registry import Job


def directory_stale_job(now: datetime) -> str:
    """Count, per task force, what needs re-verification (the upkeep page lists it)."""
    from accord.accounts.models import TaskForce

    from .selectors import directory_upkeep

    stale = missing = 0
    task_forces = list(TaskForce.objects.all())
    for task_force in task_forces:
        report = directory_upkeep(task_force=task_force, now=now)
        stale += len(report.stale)
        missing += len(report.missing_24_7)
    return (
        f"{stale} entr{'ies' if stale != 1 else 'y'} to re-verify, {missing} without a 24/7 "
        f"contact, in {len(task_forces)} task force{'s' if len(task_forces) != 1 else ''}"
    )


JOBS = (
    Job(
        name="directory.stale",
        label=gettext_lazy("Check the directory for entries to re-verify"),
        every=timedelta(days=1),
        run=directory_stale_job,
    ),
)
