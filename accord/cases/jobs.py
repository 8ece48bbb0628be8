"""The case duties the periodic runner does (registered in ``CasesConfig.ready``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from accord.jobs.registry import Job


def tasks_escalate_job(now: datetime) -> str:
    from .services import tasks_escalate_overdue

    escalated = tasks_escalate_overdue(now=now)
    return f"{len(escalated)} overdue task{'s' if len(escalated) != 1 else ''} escalated"


def relief_remind_job(now: datetime) -> str:
    from .services import immigration_relief_remind
    from .services.reminders import DEFAULT_THRESHOLDS

    sent = immigration_relief_remind(now=now, thresholds=DEFAULT_THRESHOLDS)
    return f"{len(sent)} renewal reminder{'s' if len(sent) != 1 else ''} sent"


JOBS = (
    Job(
        name="tasks.escalate",
        label=gettext_lazy("Escalate overdue tasks"),
        every=timedelta(minutes=5),
        run=tasks_escalate_job,
    ),
    Job(
        name="relief.remind",
        label=gettext_lazy("Remind before immigration relief expires"),
        every=timedelta(days=1),
        run=relief_remind_job,
    ),
)
