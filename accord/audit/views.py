"""The auditor's page: their own agency's events, filtered; reading it is itself audited."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.models import Role
from accord.web.access import member

from .events import AuditEventType
from .forms import AuditFilterForm
from .selectors import AuditFilter, audit_events_for_agency
from .services import audit_record


@member(Role.AUDITOR)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = (
        AuditFilter(**form.cleaned_data) if form.is_bound and form.is_valid() else AuditFilter()
    )
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
