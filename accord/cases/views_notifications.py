"""A user's notifications: read them, mark them read, follow each to its case or task."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member, member_user
from accord.accounts.models import Role
from accord.sharing import door

from .notifications import notification_mark_read, notifications_mark_all_read
from .views_base import _int


@member()
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The inbox: newest first, each entry linking to its item; mark one or all read (POST)."""
    if request.method == "POST":
        if request.POST.get("all"):
            notifications_mark_all_read(user=request.user)  # type: ignore[arg-type]
        else:
            notification_mark_read(
                user=member_user(request), notification_id=_int(request.POST.get("id")) or 0
            )
        return redirect("cases:notifications")
    rows = door.notifications_for(viewer=request.user, limit=100)  # type: ignore[arg-type]
    return render(
        request,
        "cases/notifications.html",
        {
            "notifications": [{**row, "link": _notification_link(request, row)} for row in rows],
            "unread": sum(1 for row in rows if not row["read_at"]),
            "zone": door.local_zone(request.user.agency.task_force),  # type: ignore[union-attr]
        },
    )


def _notification_link(request: HttpRequest, row: dict[str, Any]) -> tuple[str, str] | None:
    """(words, url) of the item a notification is about: an undecided referral to the viewer's
    agency opens the referral inbox; anything else on a case opens the case at the item."""
    case_id = row.get("case_id")
    undecided_referral = row.get("item_kind") == "referral" and not row.get("resolved_at")
    if undecided_referral and request.user.has_role(Role.ADVOCATE):  # type: ignore[union-attr]
        return "Accept or decline", f"{reverse('cases:referral_inbox')}#referral-{row['item_id']}"
    if not case_id:
        return None
    url = reverse("cases:detail", args=[case_id])
    if row.get("item_kind") == "task":
        return "Open the task", f"{url}#task-{row['item_id']}"
    return "Open the case", url
