"""The auditor's page: their own agency's events, filtered; reading it is itself audited."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.accounts.access import member
from accord.accounts.models import Role
from accord.audit.events import AuditEventType
from accord.audit.exports import audit_log_csv
from accord.audit.selectors import AuditFilter, audit_events_for_agency
from accord.audit.services import audit_record

from .forms import AuditFilterForm


def _filters(form: AuditFilterForm) -> AuditFilter:
    return AuditFilter(**form.cleaned_data) if form.is_bound and form.is_valid() else AuditFilter()


@member(Role.AUDITOR)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = _filters(form)
    events = audit_events_for_agency(agency_id=request.user.agency_id, filters=filters)  # type: ignore[union-attr, arg-type]
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    audit_record(
        event=AuditEventType.AUDIT_LOG_READ,
        actor=request.user,  # type: ignore[arg-type]
        subject_agency_id=request.user.agency_id,  # type: ignore[union-attr]
        detail={
            "filters": {k: str(v) for k, v in filters.__dict__.items() if v},
            "page": page.number,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@member(Role.AUDITOR, recent_auth=True)
def audit_log_export(request: HttpRequest) -> HttpResponse:
    """The filtered trail as CSV (S7: an export needs a recent sign-in); audited."""
    form = AuditFilterForm(request.GET or None)
    content = audit_log_csv(actor=request.user, filters=_filters(form))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = f"{timezone.now():%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
