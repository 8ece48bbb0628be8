"""Long reports run as background work (issue 15): the page says "being prepared", shows how far
the worker has got, and links to the report when it is ready (a notification says so too).

A period longer than ``BACKGROUND_DAYS`` or with more cases than the setting
``ACCORD_REPORT_BACKGROUND_CASES`` (default 50,000) is counted by the worker, as the coordinator
who asked: the door refuses anyone else and audits the read as today, and the file is audited
as an export when it is downloaded. A run is shown only to the coordinator who asked for it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.csv_safe import write_csv
from accord.errors import NotFound, PermissionDenied
from accord.sharing.door import cases_opened

from .aggregates import report_view
from .charts import bar_chart
from .models import ReportKind, ReportRun, ReportRunStatus
from .periods import Period

log = logging.getLogger(__name__)

#: A period longer than this (days) is always prepared in the background.
BACKGROUND_DAYS = 366
DEFAULT_BACKGROUND_CASES = 50_000


def background_cases() -> int:
    return int(getattr(settings, "ACCORD_REPORT_BACKGROUND_CASES", DEFAULT_BACKGROUND_CASES))


def needs_background(*, viewer: User, period: Period) -> bool:
    """Whether the report of ``period`` is prepared by the worker rather than in the request."""
    if period.days > BACKGROUND_DAYS:
        return True
    count = cases_opened(viewer=viewer, period_start=period.start, period_end=period.end)
    return count > background_cases()


def report_run_request(*, actor: User, kind: str, period: Period) -> ReportRun:
    """Queue the report of ``period`` for the worker (coordinators only); a run of the same
    report still waiting or being prepared for the same person is reused."""
    if actor.task_force_id is None or not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only the task force's coordinators run reports."))
    kind = ReportKind(kind)
    pending = ReportRun.objects.filter(
        requested_by=actor,
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        status__in=(ReportRunStatus.QUEUED, ReportRunStatus.COUNTING),
    ).first()
    if pending is not None:
        return pending
    with transaction.atomic():
        run = ReportRun.objects.create(
            task_force_id=actor.task_force_id,
            requested_by=actor,
            kind=kind,
            period_start=period.start,
            period_end=period.end,
            step="Waiting for the background worker",
        )
        transaction.on_commit(lambda: report_run_job.enqueue(run_id=run.pk))
    return run


def run_for(*, viewer: User, run_id: int) -> ReportRun:
    """The run ``run_id`` if ``viewer`` asked for it and is still a coordinator of its task
    force; anyone else is told it does not exist."""
    run = ReportRun.objects.filter(pk=run_id, requested_by=viewer).first()
    if (
        run is None
        or run.task_force_id != viewer.task_force_id
        or not viewer.has_role(Role.COORDINATOR)
    ):
        raise NotFound(_("No such report was prepared for you."))
    return run


def _step(run: ReportRun, progress: int, step: str) -> None:
    ReportRun.objects.filter(pk=run.pk).update(progress=progress, step=step)


def report_run_execute(*, run_id: int, now: datetime | None = None) -> ReportRun | None:
    """Prepare a queued run (the worker's side); None when it is not queued any more."""
    from accord.cases.notifications import notify

    from .exports import SUPPRESSION_NOTE, report_rows
    from .selectors import funder_view_for, report_for

    claimed = ReportRun.objects.filter(pk=run_id, status=ReportRunStatus.QUEUED).update(
        status=ReportRunStatus.COUNTING, progress=5, step="Counting the cases"
    )
    if not claimed:
        return None
    run = ReportRun.objects.select_related("requested_by", "task_force").get(pk=run_id)
    viewer = run.requested_by
    period = Period(run.period_start, run.period_end)
    now = now or timezone.now()
    outcome: dict[str, object] = {}
    try:
        if run.kind == ReportKind.FUNDER:
            view = funder_view_for(viewer=viewer, period=period, now=now)
            _step(run, 80, "Writing the report")
            outcome["csv"] = write_csv(
                report_rows(view, task_force=run.task_force.name, generated_at=now)
            )
            context: dict[str, object] = {"view": view, "suppression_note": SUPPRESSION_NOTE}
            outcome["html"] = render_to_string("reports/_funder_body.html", context)
        else:
            view = report_view(report_for(viewer=viewer, period=period, now=now))
            _step(run, 80, "Writing the report")
            charts = [
                bar_chart(view.report.table("cases_by_stage")),
                bar_chart(view.report.table("tasks")),
            ]
            outcome["html"] = render_to_string(
                "reports/_dashboard_body.html", {"view": view, "charts": charts}
            )
        outcome.update(status=ReportRunStatus.READY, progress=100, step="Ready")
    except Exception:  # the worker records every ending; the cause goes to the log
        log.exception("report run %s failed", run.pk)
        outcome.update(status=ReportRunStatus.FAILED, step="The report could not be prepared")
    outcome["finished_at"] = timezone.now()
    ReportRun.objects.filter(pk=run.pk).update(**outcome)
    run.refresh_from_db()
    link = reverse("reports:prepared", args=[run.pk])
    label = f"{run.get_kind_display()}, {period.label}"
    if run.status == ReportRunStatus.READY:
        subject, body = f"Your report is ready: {label}", f"Open it here: {link}"
    else:
        subject, body = f"Your report could not be prepared: {label}", f"See {link}"
    notify(recipients=[viewer], kind="report_ready", subject=subject, body=body, now=now)
    return run


def prepared_csv_export(*, actor: User, run: ReportRun) -> bytes:
    """A ready funder run's CSV, audited as an export as the direct download is (S15)."""
    if run.kind != ReportKind.FUNDER or run.status != ReportRunStatus.READY:
        raise NotFound(_("This report has no file to download."))
    period = Period(run.period_start, run.period_end)
    audit_record(
        event=AuditEventType.EXPORTED,
        actor=actor,
        object_type="reports.funder_report",
        purpose="funder report CSV",
        detail={
            "report": "funder",
            "format": "csv",
            "period": period.key,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "prepared": run.pk,
        },
        task_force_id=actor.task_force_id,
    )
    return run.csv.encode()


@task()
def report_run_job(run_id: int) -> str:
    """Background: prepare one report run."""
    run = report_run_execute(run_id=run_id)
    return run.status if run is not None else "skipped"
