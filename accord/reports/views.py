"""Thin views: parse the period, call one selector or export, render. Coordinators only (S8).

The dashboard shows the task force's own numbers to its coordinators (small counts
included, never names or free text); the funder pages show only the suppressed view
(S13), and its downloads need a recent re-authentication (S7) and are audited (S15).
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accord.accounts.models import Role, User
from accord.errors import NotFound
from accord.web.access import member

from .aggregates import report_view
from .charts import bar_chart
from .exports import SUPPRESSION_NOTE, funder_report_export
from .forms import PeriodForm
from .periods import MAX_DAYS, Period, quarter_of
from .selectors import report_for


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _period_form(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    """The period asked for (the current quarter when none was), or the form with its errors."""
    if "start" not in request.GET and "end" not in request.GET:
        quarter = quarter_of(timezone.localdate())
        form = PeriodForm(initial={"start": quarter.start, "end": quarter.end})
        return form, quarter
    form = PeriodForm(request.GET)
    return form, form.period if form.is_valid() else None


def _page(request: HttpRequest, template: str, *, suppress: bool) -> HttpResponse:
    form, period = _period_form(request)
    context: dict[str, object] = {"form": form, "period": period}
    if period is None:
        return render(request, template, context, status=400)
    view = report_view(report_for(viewer=_user(request), period=period), suppress=suppress)
    context["view"] = view
    context["suppression_note"] = SUPPRESSION_NOTE
    context["query"] = f"start={period.start:%Y-%m-%d}&end={period.end:%Y-%m-%d}"
    if suppress:
        args = [f"{period.start:%Y-%m-%d}", f"{period.end:%Y-%m-%d}"]
        context["csv_url"] = reverse("reports:funder_csv", args=args)
        context["pdf_url"] = reverse("reports:funder_pdf", args=args)
    else:
        context["charts"] = [
            bar_chart(view.report.table("cases_by_stage")),
            bar_chart(view.report.table("tasks")),
        ]
    return render(request, template, context)


@member(Role.COORDINATOR)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return _page(request, "reports/dashboard.html", suppress=False)


@member(Role.COORDINATOR)
@require_GET
def funder(request: HttpRequest) -> HttpResponse:
    return _page(request, "reports/funder.html", suppress=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise NotFound("No such report period.") from error


@member(Role.COORDINATOR, recent_auth=True)
@require_GET
def funder_download(request: HttpRequest, start: str, end: str, fmt: str) -> HttpResponse:
    first, last = _day(start), _day(end)
    if last < first or (last - first).days + 1 > MAX_DAYS:
        raise NotFound("No such report period.")
    export = funder_report_export(actor=_user(request), period=Period(first, last), fmt=fmt)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
