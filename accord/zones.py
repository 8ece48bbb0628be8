"""The task force's time zone: which one it is, its name in words, and times written in it.

A task force works in one place; every time a person reads (pages, notifications, e-mails,
report periods) is written in the task force's zone with the zone named, and every date or
time a person types is read in it. The stored value is always UTC. ``zone_of`` never fails:
a task force without a valid setting (or no task force at all) gets the deployment's
``TIME_ZONE``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

__all__ = [
    "ZONE_WORDS",
    "TaskForceTimeZoneMiddleware",
    "local_time",
    "valid_zone_names",
    "zone_choices",
    "zone_label",
    "zone_of",
]

#: Everyday names of the zones most task forces use (the IANA name stays beside them).
ZONE_WORDS: dict[str, str] = {
    "America/New_York": "Eastern Time",
    "America/Detroit": "Eastern Time",
    "America/Indiana/Indianapolis": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Boise": "Mountain Time",
    "America/Phoenix": "Mountain Time, no daylight saving",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
    "America/Puerto_Rico": "Atlantic Time",
    "Pacific/Guam": "Chamorro Time",
    "UTC": "Coordinated Universal Time",
}


@functools.cache
def valid_zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows (``zoneinfo.available_timezones``)."""
    return frozenset(available_timezones())


def zone_of(task_force: Any) -> ZoneInfo:
    """The task force's zone (its own setting where valid, else the deployment's)."""
    name = str(getattr(task_force, "time_zone", "") or settings.TIME_ZONE)
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _name_of(zone: tzinfo) -> str:
    return str(getattr(zone, "key", "") or zone)


def zone_label(zone: tzinfo) -> str:
    """The zone as a person reads it: "Central Time (America/Chicago)"; an IANA name
    without an everyday name reads with spaces ("America/Argentina/Buenos Aires")."""
    name = _name_of(zone)
    readable = name.replace("_", " ")
    words = ZONE_WORDS.get(name)
    return f"{words} ({readable})" if words else readable


def zone_choices() -> list[tuple[str, str]]:
    """Every zone for a ``<select>``: the everyday-named ones first, then the rest by name."""
    known = [(name, zone_label(ZoneInfo(name))) for name in ZONE_WORDS]
    rest = sorted(valid_zone_names() - set(ZONE_WORDS))
    return [*known, *((name, name.replace("_", " ")) for name in rest)]


def local_time(value: datetime, zone: tzinfo, *, seconds: bool = False) -> str:
    """``value`` written in ``zone`` with its abbreviation: "2026-03-14 21:30 CDT".

    Where the zone has no letter abbreviation (tzdata writes "-03" for some), the offset
    reads "UTC-03"."""
    local = timezone.localtime(value, zone) if timezone.is_aware(value) else value
    abbreviation = local.tzname() or ""
    if abbreviation[:1] in "+-" and abbreviation:
        abbreviation = f"UTC{abbreviation}"
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{local:{pattern}} {abbreviation}".strip()


class TaskForceTimeZoneMiddleware:
    """Activate the signed-in user's task force zone for the request, so every page shows
    local time and every date a form reads is local; anyone else gets the deployment's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        agency = getattr(user, "agency", None) if user and user.is_authenticated else None
        if agency is not None:
            timezone.activate(zone_of(agency.task_force))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
