"""Reads about accounts (not case data)."""

from __future__ import annotations

from dataclasses import dataclass

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent

from .models import User


@dataclass(frozen=True)
class LogonSummary:
    """What S6 shows after login: the previous successful logon and failures since."""

    previous_logon: AuditEvent | None
    failed_since_previous: int


def logon_summary(*, user: User) -> LogonSummary:
    successes = AuditEvent.objects.filter(
        actor_id=user.pk, event=AuditEventType.MFA_SUCCEEDED
    ).order_by("-seq")[:2]
    successes = list(successes)
    previous = successes[1] if len(successes) > 1 else None
    failures = AuditEvent.objects.filter(
        actor_username=user.get_username(),
        event__in=[AuditEventType.LOGIN_FAILED, AuditEventType.MFA_FAILED],
    )
    if previous is not None:
        failures = failures.filter(seq__gt=previous.seq)
    if successes:
        failures = failures.filter(seq__lt=successes[0].seq)
    return LogonSummary(previous_logon=previous, failed_since_previous=failures.count())
