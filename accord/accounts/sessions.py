"""Signed-in sessions (S5): registered, listed, limited per user and ended server-side.

Each Django session of a signed-in user has a ``UserSession`` row. Ending one
deletes the server-side session, so the browser holding its cookie is signed out
on its next request, whatever it does.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest

from accord.audit.events import AuditEventType
from accord.audit.services import audit_record

from .models import User, UserSession

#: Session keys Accord keeps in the server-side session.
STARTED_AT = "accord_started_at"
LAST_SEEN_AT = "accord_last_seen_at"
REAUTH_AT = "accord_reauth_at"
BANNER_ACKNOWLEDGED_AT = "accord_banner_acknowledged_at"
EXPIRED_FLAG = "accord_session_expired"
NEXT_URL = "accord_next"


def session_store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key)


def session_exists(session_key: str) -> bool:
    return session_store().exists(session_key)


def _client(request: HttpRequest) -> tuple[str, str]:
    return request.META.get("REMOTE_ADDR", "")[:64], request.headers.get("User-Agent", "")[:300]


def session_register(*, request: HttpRequest, user: User, now: datetime) -> UserSession:
    """Record the (freshly rotated) session of a user who has just passed the password."""
    ip_address, user_agent = _client(request)
    session_key = request.session.session_key
    if session_key is None:
        request.session.save()
        session_key = request.session.session_key
    user_session, _ = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "ip_address": ip_address,
            "user_agent": user_agent,
            "verified_at": None,
        },
    )
    return user_session


def session_rekey(*, old_key: str | None, request: HttpRequest, user: User, now: datetime) -> None:
    """Follow a session id rotation (second factor, password change) to the new key."""
    if request.session.session_key is None:
        request.session.save()
    new_key = request.session.session_key
    updated = UserSession.objects.filter(session_key=old_key, user=user).update(
        session_key=new_key, last_seen_at=now
    )
    if not updated:
        session_register(request=request, user=user, now=now)


def session_mark_verified(*, request: HttpRequest, user: User, now: datetime) -> UserSession:
    user_session = UserSession.objects.filter(
        session_key=request.session.session_key, user=user
    ).first()
    if user_session is None:
        user_session = session_register(request=request, user=user, now=now)
    user_session.verified_at = now
    user_session.last_seen_at = now
    user_session.save(update_fields=["verified_at", "last_seen_at"])
    return user_session


def session_end(*, user_session: UserSession, actor: User | None, reason: str) -> None:
    """Delete the server-side session and its row; audited as SESSION_REVOKED."""
    with transaction.atomic():
        audit_record(
            event=AuditEventType.SESSION_REVOKED,
            actor=actor,
            username=user_session.user.get_username(),
            object_type="user_session",
            object_id=user_session.pk,
            subject_agency_id=user_session.user.agency_id,
            task_force_id=user_session.user.task_force_id,
            detail={"reason": reason, "user_id": user_session.user_id},
        )
        session_store(user_session.session_key).delete()
        user_session.delete()


def session_forget(*, session_key: str | None) -> None:
    """Drop the record of a session that is ending by sign-out (the session itself goes with logout)."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end_for_user(
    *, user: User, actor: User | None, reason: str, keep_session_key: str | None = None
) -> int:
    """End every session of ``user`` (except ``keep_session_key``); the count ended."""
    ended = 0
    for user_session in UserSession.objects.filter(user=user).exclude(
        session_key=keep_session_key or ""
    ):
        session_end(user_session=user_session, actor=actor, reason=reason)
        ended += 1
    return ended


def sessions_enforce_limit(*, user: User, current_session_key: str) -> int:
    """Keep at most ACCORD_MAX_CONCURRENT_SESSIONS signed-in sessions: the newest win.

    Called when a sign-in completes (second factor passed), never at the password
    step, so someone holding only the password cannot push the real user out.
    """
    limit = max(int(settings.ACCORD_MAX_CONCURRENT_SESSIONS), 1)
    others = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=current_session_key)
        .order_by("-verified_at", "-created_at")
    )
    verified = [s for s in others if s.verified_at is not None]
    keep = {s.pk for s in verified[: limit - 1]}
    ended = 0
    for user_session in others:
        if user_session.pk in keep:
            continue
        session_end(user_session=user_session, actor=None, reason="concurrent session limit")
        ended += 1
    return ended


def sessions_of(*, user: User) -> list[UserSession]:
    """The user's sessions still alive server-side (rows of expired sessions are dropped)."""
    alive = []
    for user_session in UserSession.objects.filter(user=user).order_by("-created_at"):
        if session_exists(user_session.session_key):
            alive.append(user_session)
        else:
            user_session.delete()
    return alive
