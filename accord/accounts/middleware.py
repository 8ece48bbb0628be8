"""Session limits (S5): idle timeout and absolute lifetime, enforced server-side."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

Handler = Callable[[HttpRequest], HttpResponse]


class SessionLimitsMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.setdefault("accord_started_at", now)
            last_seen = request.session.get("accord_last_seen_at", now)
            idle = settings.ACCORD_SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.ACCORD_SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if now - last_seen > idle or now - started > absolute:
                logout(request)
            else:
                request.session["accord_last_seen_at"] = now
        return self.get_response(request)
