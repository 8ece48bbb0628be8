"""Account lockout (S2): too many failures in a sliding window lock the *account*.

Why not django-axes: axes counts failures in a fixed cool-off scheme (its
``AXES_FAILURE_LIMIT`` with ``AXES_COOLOFF_TIME`` counts every failure since the
last reset, not the failures of the last 15 minutes), so "5 failures *within* 15
minutes" cannot be expressed exactly. Here each failure is a row and the lock
counts the rows inside ``[now - ACCORD_LOCKOUT_WINDOW, now]``.

The lock is on the account, whatever address the attempts come from, and it
does not enumerate accounts: the login page answers a locked account exactly
like a wrong password (see ``accord.accounts.authentication``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction

from accord.audit import context
from accord.audit.events import AuditEventType, Outcome
from accord.audit.services import audit_record

from .models import AuthenticationFailure, AuthenticationStep, User


@dataclass(frozen=True)
class FailureOutcome:
    """What one failure did: how many failures are now in the window, and whether it locked."""

    failures_in_window: int
    locked_now: bool
    locked_until: datetime | None


def lockout_is_active(*, user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def failures_in_window(*, user: User, now: datetime) -> int:
    since = now - settings.ACCORD_LOCKOUT_WINDOW
    return AuthenticationFailure.objects.filter(
        user=user, occurred_at__gt=since, occurred_at__lte=now
    ).count()


def failure_record(*, user: User, step: AuthenticationStep, now: datetime) -> FailureOutcome:
    """Count one failed attempt; lock the account when the window holds the limit.

    Attempts made while the account is locked are not counted (the caller audits
    them), so a lock ends at the time it says, not later.
    """
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if lockout_is_active(user=locked_user, now=now):
            return FailureOutcome(
                failures_in_window=0, locked_now=False, locked_until=locked_user.locked_until
            )
        AuthenticationFailure.objects.create(
            user=locked_user, step=step, occurred_at=now, ip_address=context.current().ip_address
        )
        count = failures_in_window(user=locked_user, now=now)
        if count < settings.ACCORD_LOCKOUT_FAILURES:
            return FailureOutcome(failures_in_window=count, locked_now=False, locked_until=None)
        locked_user.locked_until = now + settings.ACCORD_LOCKOUT_DURATION
        locked_user.save(update_fields=["locked_until"])
        AuthenticationFailure.objects.filter(user=locked_user).delete()
        audit_record(
            event=AuditEventType.ACCOUNT_LOCKED,
            outcome=Outcome.DENIED,
            username=locked_user.get_username(),
            object_type="user",
            object_id=locked_user.pk,
            subject_agency_id=locked_user.agency_id,
            task_force_id=locked_user.task_force_id,
            detail={
                "failures": count,
                "window_minutes": settings.ACCORD_LOCKOUT_WINDOW.total_seconds() / 60,
                "locked_until": locked_user.locked_until.isoformat(),
                "last_step": str(step),
            },
        )
    user.locked_until = locked_user.locked_until
    return FailureOutcome(
        failures_in_window=count, locked_now=True, locked_until=locked_user.locked_until
    )


def failures_clear(*, user: User) -> None:
    """A full sign-in (password and second factor) starts the count afresh."""
    AuthenticationFailure.objects.filter(user=user).delete()
