"""Thin views: parse the period, call one selector or export, render. Coordinators only (S8).

The dashboard shows the task force's own numbers to its coordinators (small counts
included, never names or free text) for any days, since it never leaves the task
force. The funder pages show only the suppressed view (S13) of a whole month,
quarter or year chosen from a list; their downloads need a recent re-authentication
(S7) and are audited (S15).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from accord.accounts.access import member
from accord.accounts.models import Role, User
from accord.errors import ValidationError

from .aggregates import report_view
from .background import needs_background, prepared_csv_export, report_run_request, run_for
from .charts import bar_chart
from .exports import SUPPRESSION_NOTE, funder_report_export
from .forms import FunderPeriodForm, PeriodForm
from .models import ReportRun
from .periods import Period, parse_funder_period, previous_quarter, quarter_of
from .selectors import FUNDER_PERIOD_MESSAGE, funder_view_for, report_for


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@member(Role.COORDINATOR)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Any first and last day (the current quarter when none are given)."""
    today = timezone.localdate()
    if "start" not in request.GET and "end" not in request.GET:
        current = quarter_of(today)
        form = PeriodForm(initial={"start": current.start, "end": current.end})
        period: Period | None = current
    else:
        form = PeriodForm(request.GET)
        period = form.period if form.is_valid() else None
    context: dict[str, object] = {"form": form, "period": period}
    if period is None:
        return render(request, "reports/dashboard.html", context, status=400)
    if needs_background(viewer=_user(request), period=period):
        return _prepared(report_run_request(actor=_user(request), kind="dashboard", period=period))
    view = report_view(report_for(viewer=_user(request), period=period))
    context["view"] = view
    # The funder link keeps the period only when it is one a funder report may cover.
    if period.key is not None and period.end < today:
        context["funder_query"] = f"period={period.key}"
    context["charts"] = [
        bar_chart(view.report.table("cases_by_stage")),
        bar_chart(view.report.table("tasks")),
    ]
    return render(request, "reports/dashboard.html", context)


@member(Role.COORDINATOR)
@require_GET
def funder(request: HttpRequest) -> HttpResponse:
    """A funder period from the list (the last quarter that is over when none is given)."""
    today = timezone.localdate()
    if not request.GET:
        last = previous_quarter(today)
        form = FunderPeriodForm(initial={"period": last.key}, today=today)
        period: Period | None = last
    else:
        form = FunderPeriodForm(request.GET, today=today)
        period = form.chosen if form.is_valid() else None
    context: dict[str, object] = {"form": form, "period": period}
    if period is None:
        return render(request, "reports/funder.html", context, status=400)
    if needs_background(viewer=_user(request), period=period):
        return _prepared(report_run_request(actor=_user(request), kind="funder", period=period))
    context["view"] = funder_view_for(viewer=_user(request), period=period)
    context["suppression_note"] = SUPPRESSION_NOTE
    context["query"] = f"start={period.start:%Y-%m-%d}&end={period.end:%Y-%m-%d}"
    context["csv_url"] = reverse("reports:funder_csv", args=[period.key])
    context["pdf_url"] = reverse("reports:funder_pdf", args=[period.key])
    return render(request, "reports/funder.html", context)


@member(Role.COORDINATOR, recent_auth=True)
@require_GET
def funder_download(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    """A funder period's file; any other path (chosen days included) is 400 naming the field."""
    chosen = parse_funder_period(period, today=timezone.localdate())
    if chosen is None:
        raise ValidationError(FUNDER_PERIOD_MESSAGE, data={"field": "period"})
    if needs_background(viewer=_user(request), period=chosen):
        return _prepared(report_run_request(actor=_user(request), kind="funder", period=chosen))
    export = funder_report_export(actor=_user(request), period=chosen, fmt=fmt)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _prepared(run: ReportRun) -> HttpResponse:
    return HttpResponseRedirect(reverse("reports:prepared", args=[run.pk]))


@member(Role.COORDINATOR)
@require_GET
def prepared(request: HttpRequest, run_id: int) -> HttpResponse:
    """A report prepared in the background: its progress, then the report (its asker only)."""
    run = run_for(viewer=_user(request), run_id=run_id)
    context = {
        "run": run,
        "period": Period(run.period_start, run.period_end),
        "finished": run.status in ReportRun.FINISHED,
        # Rendered by our own templates (autoescaped) in the worker: no value a person typed.
        "report_html": mark_safe(run.html),  # noqa: S308
        "suppression_note": SUPPRESSION_NOTE,
        "zone_name": timezone.get_current_timezone_name(),
    }
    return render(request, "reports/prepared.html", context)


@member(Role.COORDINATOR, recent_auth=True)
@require_GET
def prepared_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    """A prepared funder report's CSV (re-authenticated and audited as any download)."""
    run = run_for(viewer=_user(request), run_id=run_id)
    content = prepared_csv_export(actor=_user(request), run=run)
    period = Period(run.period_start, run.period_end)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="funder-report-{period.slug}.csv"'
    return response
