"""Session limits (S5): idle timeout and absolute lifetime, enforced server-side.

The timestamps live in the server-side session, so a client cannot extend them.
An expired session is ended (server-side session deleted, audited) and the next
page is the system-use notice saying "Your session has expired; please sign in
again." A cookie naming a session the server no longer holds (revoked, limit of
concurrent sessions, disabled account) gets the same message, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accord.audit.events import AuditEventType
from accord.audit.services import audit_record

from .models import User, UserSession
from .sessions import EXPIRED_FLAG, LAST_SEEN_AT, STARTED_AT

Handler = Callable[[HttpRequest], HttpResponse]

#: Bookkeeping writes (the idle clock in the session, last seen on the session row, the
#: user's activity) at most this often, so reading pages does not write (issue 15).
TOUCH_EVERY = timedelta(minutes=1)
TOUCHED_AT = "accord_touched_at"


class SessionLimitsMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        user = request.user
        if user.is_authenticated:
            self._check_limits(request, user)
        elif cookie_key and request.session.session_key is None:
            # The browser names a session the server no longer has.
            request.session[EXPIRED_FLAG] = True
        return self.get_response(request)

    def _check_limits(self, request: HttpRequest, user: User) -> None:
        now = timezone.now()
        stamp = now.timestamp()
        started = float(request.session.setdefault(STARTED_AT, stamp))
        last_seen = float(request.session.get(LAST_SEEN_AT, stamp))
        idle = settings.ACCORD_SESSION_IDLE_TIMEOUT.total_seconds()
        absolute = settings.ACCORD_SESSION_ABSOLUTE_LIFETIME.total_seconds()
        reason = None
        if stamp - last_seen > idle:
            reason = "idle timeout"
        elif stamp - started > absolute:
            reason = "absolute lifetime"
        if reason is not None:
            audit_record(
                event=AuditEventType.SESSION_EXPIRED,
                actor=user,
                detail={"reason": reason},
            )
            UserSession.objects.filter(session_key=request.session.session_key).delete()
            logout(request)  # flushes: the server-side session is deleted
            request.session[EXPIRED_FLAG] = True
            return
        touched = request.session.get(TOUCHED_AT)
        if touched is None or stamp - float(touched) >= TOUCH_EVERY.total_seconds():
            # Only here is the session changed (and so saved): a page read within the
            # minute writes nothing. The idle clock therefore lags activity by under a
            # minute, so a session may end up to a minute early, never late.
            request.session[LAST_SEEN_AT] = stamp
            request.session[TOUCHED_AT] = stamp
            self._touch(request, user, now)

    @staticmethod
    def _touch(request: HttpRequest, user: User, now: datetime) -> None:
        UserSession.objects.filter(session_key=request.session.session_key).update(last_seen_at=now)
        if user.is_verified():  # type: ignore[attr-defined]
            User.objects.filter(pk=user.pk).update(last_activity_at=now)
