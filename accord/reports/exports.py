"""The funder report as files: CSV (formula prefixes neutralized) and PDF (nothing fetched).

Only the suppressed view ever reaches a file (S13). Each download is audited as
an export with the period and the report kind, never a count (S15); if the audit
cannot be written, no file is handed out (S17).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.csv_safe import write_csv
from accord.protocols.handbook import refusing_fetcher

from .aggregates import ReportView
from .periods import Period
from .selectors import funder_view_for
from .suppression import MARKER

STYLESHEET = pathlib.Path(__file__).parent / "static" / "reports" / "report.css"
FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
SUPPRESSION_NOTE = (
    f"{MARKER}: suppressed. A count from 1 to 4 is never shown; a few larger counts are hidden "
    "with the same mark so that no small count can be worked out from the totals. Each month "
    "is suppressed on its own, and a quarter or year hides every count hidden in any of its "
    "months, so no report can be subtracted from another to find one."
)


def report_rows(view: ReportView, *, task_force: str, generated_at: datetime) -> list[list[str]]:
    """The report as CSV rows: a header block, then each table with its totals."""
    period = view.report.period
    rows: list[list[str]] = [
        ["Accord funder report (aggregate counts only)"],
        ["Task force", task_force],
        ["Period", f"{period.start:%Y-%m-%d}", f"{period.end:%Y-%m-%d}", period.label],
        ["Generated (UTC)", f"{generated_at:%Y-%m-%d %H:%M}"],
        ["Note", SUPPRESSION_NOTE],
        [],
    ]
    for headline in view.headlines:
        rows.append([headline.label, headline.text])
    rows.append([])
    for table in view.tables:
        columns = list(table.table.column_labels)
        rows.append([table.table.title])
        rows.append(
            [table.table.row_heading, *columns, *(["Total"] if table.has_total_column else [])]
        )
        for label, cells, total in table.rows():
            rows.append([label, *cells, *([total] if total is not None else [])])
        footer = table.footer()
        if footer is not None:
            rows.append(["Total", *footer])
        if table.table.note:
            rows.append(["Note", table.table.note])
        rows.append([])
    return rows


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def render_pdf(view: ReportView, *, task_force: str, generated_at: datetime) -> bytes:
    from weasyprint import CSS, HTML

    fetcher = refusing_fetcher()
    html = render_to_string(
        "reports/funder_document.html",
        {
            "view": view,
            "task_force": task_force,
            "generated_at": generated_at,
            "suppression_note": SUPPRESSION_NOTE,
        },
    )
    stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def funder_report_export(
    *, actor: User, period: Period, fmt: str, now: datetime | None = None
) -> ExportFile:
    """The funder report of ``period`` (a funder period only) as a file, suppressed month by
    month, audited as an export."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    now = now or timezone.now()
    view = funder_view_for(viewer=actor, period=period, now=now)
    task_force = actor.agency.task_force.name  # type: ignore[union-attr]  # a signed-in member always has an agency
    content: Any
    if fmt == "csv":
        content = write_csv(report_rows(view, task_force=task_force, generated_at=now)).encode()
    else:
        content = render_pdf(view, task_force=task_force, generated_at=now)
    audit_record(
        event=AuditEventType.EXPORTED,
        actor=actor,
        object_type="reports.funder_report",
        purpose=f"funder report {fmt.upper()}",
        detail={
            "report": "funder",
            "format": fmt,
            "period": period.key,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
        },
        task_force_id=actor.task_force_id,
    )
    return ExportFile(
        filename=f"funder-report-{period.slug}.{fmt}",
        content_type=FORMATS[fmt],
        content=content,
    )
