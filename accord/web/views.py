"""The dashboard and the layout's own pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from accord.accounts.access import member, public
from accord.accounts.selectors import logon_summary
from accord.sharing import door

from .work import work_for


@member()
def dashboard(request: HttpRequest) -> HttpResponse:
    """The user's work as counts linking to the lists that show it, then who they are."""
    summary = logon_summary(user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "web/dashboard.html",
        {
            "sections": work_for(user=request.user),  # type: ignore[arg-type]
            "roles": sorted(request.user.role_set),  # type: ignore[union-attr]
            "last_logon": summary.previous_logon,
            "failed_since": summary.failed_since_previous,
            "zone": door.local_zone(request.user.agency.task_force)  # type: ignore[union-attr]
            if request.user.agency  # type: ignore[union-attr]
            else None,
        },
    )


@public
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to the SVG icon."""
    return HttpResponsePermanentRedirect(static("accord/favicon.svg"))
