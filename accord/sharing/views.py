"""Sharing pages: "why can I see this?" (htmx fragment or page). Thin: parse, one selector, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.models import User
from accord.cases import selectors as door
from accord.errors import NotFound
from accord.web.access import member


@member()
def why(
    request: HttpRequest, case_id: int, kind: str, record_id: int, field_name: str
) -> HttpResponse:
    """Name the basis of one field (rule and its note, release, own agency) or the reason it is
    withheld. Auditors may add ``?user=<id>`` for a user of their own agency."""
    subject = None
    if request.GET.get("user"):
        try:
            subject_id = int(request.GET["user"])
        except ValueError:
            raise NotFound("No such user.") from None
        subject = User.objects.filter(pk=subject_id).select_related("agency").first()
        if subject is None:
            raise NotFound("No such user.")
    explanation = door.field_explanation(
        viewer=request.user,  # type: ignore[arg-type]
        case_id=case_id,
        kind=kind,
        record_id=record_id,
        field_name=field_name,
        subject=subject,
    )
    template = "sharing/_why.html" if getattr(request, "htmx", False) else "sharing/why.html"
    return render(request, template, {"why": explanation})
