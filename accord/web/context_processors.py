"""Navigation per role: each user sees the things their roles can do, nothing else."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from accord.ui.nav import NAVIGATION


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"navigation": []}
    items = []
    for item in NAVIGATION:
        if item.roles and not user.has_role(*item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": str(item.label), "url": url, "active": request.path == url})
    return {"navigation": items}


def inbox(request: HttpRequest) -> dict[str, object]:
    """The header's bell: the user's unread notifications, one indexed count query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {}
    from accord.sharing import door

    return {"unread_notifications": door.unread_count(viewer=user)}


def time_zone(request: HttpRequest) -> dict[str, object]:
    """The zone every time on the page is written in, named in words for the footer."""
    from django.utils import timezone

    from accord.zones import zone_label

    return {"time_zone_label": zone_label(timezone.get_current_timezone())}
