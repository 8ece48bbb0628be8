"""The training duty the periodic runner does (registered in ``TrainingConfig.ready``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from accord.jobs.registry import Job


def training_expiry_job(now: datetime) -> str:
    from .services import training_expiry_notify

    sent = training_expiry_notify(today=now.date())
    return f"{len(sent)} expiry notice{'s' if len(sent) != 1 else ''} sent"


JOBS = (
    Job(
        name="training.expiry",
        label=gettext_lazy("Send training expiry notices"),
        every=timedelta(days=1),
        run=training_expiry_job,
    ),
)
