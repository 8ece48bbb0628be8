"""The sharing app's periodic duty (registered in ``SharingConfig.ready``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from accord.jobs.registry import Job


def case_counts_job(now: datetime) -> str:
    from accord.sharing.door.rollups import recount_changed

    months = recount_changed()
    return f"{months} month{'s' if months != 1 else ''} of report counts brought up to date"


JOBS = (
    Job(
        name="reports.case_counts",
        label=gettext_lazy("Bring the report counts up to date"),
        every=timedelta(minutes=5),
        run=case_counts_job,
    ),
)
