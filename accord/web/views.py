"""The dashboard and the layout's own pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.selectors import logon_summary

from .access import member


@member()
def dashboard(request: HttpRequest) -> HttpResponse:
    summary = logon_summary(user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "web/dashboard.html",
        {
            "roles": sorted(request.user.role_set),  # type: ignore[union-attr]
            "last_logon": summary.previous_logon,
            "failed_since": summary.failed_since_previous,
        },
    )
