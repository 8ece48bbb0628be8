"""The account duty the periodic runner does (registered in ``AccountsConfig.ready``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from accord.jobs.registry import Job


def users_disable_inactive_job(now: datetime) -> str:
    from .services import users_disable_inactive

    disabled = users_disable_inactive(now=now)
    return f"{len(disabled)} inactive account{'s' if len(disabled) != 1 else ''} disabled"


JOBS = (
    Job(
        name="users.disable_inactive",
        label=gettext_lazy("Disable accounts unused past the limit"),
        every=timedelta(days=1),
        run=users_disable_inactive_job,
    ),
)
