"""Navigation per role: each user sees the things their roles can do, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise  # gettext_lazy: read in the language of each request
    url_name: str
    roles: frozenset[str] = frozenset()  # empty: every member


#: Apps append their entries here (in their AppConfig.ready) so the layout never hard-codes them.
NAVIGATION: list[NavItem] = [NavItem(_("Dashboard"), "web:dashboard")]


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in NAVIGATION):
        NAVIGATION.append(item)


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

    from accord.accounts.zones import zone_label

    return {"time_zone_label": zone_label(timezone.get_current_timezone())}
