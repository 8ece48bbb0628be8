"""Reads about accounts (not case data)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accord.audit.events import AuditEventType, Outcome
from accord.audit.models import AuditEvent

from .models import User

#: Events that count as a failed sign-in attempt (password or second factor).
FAILED_ATTEMPT_EVENTS = (AuditEventType.LOGIN_FAILED, AuditEventType.MFA_FAILED)


@dataclass(frozen=True)
class LogonSummary:
    """What S6 shows after login: the previous successful logon and failures since.

    A successful logon is a completed second factor (``MFA_SUCCEEDED``); the
    latest one is the current sign-in, so "previous" is the one before it.
    Failures counted are those after the previous logon, including any made
    against the account since the current sign-in.
    """

    previous_logon: AuditEvent | None
    failed_since_previous: int


def logon_summary(*, user: User) -> LogonSummary:
    successes = list(
        AuditEvent.objects.filter(
            actor_id=user.pk, event=AuditEventType.MFA_SUCCEEDED, outcome=Outcome.SUCCESS
        ).order_by("-seq")[:2]
    )
    previous = successes[1] if len(successes) > 1 else None
    failures = AuditEvent.objects.filter(
        actor_username=user.get_username(), event__in=FAILED_ATTEMPT_EVENTS
    )
    if previous is not None:
        failures = failures.filter(seq__gt=previous.seq)
    return LogonSummary(previous_logon=previous, failed_since_previous=failures.count())


def users_of_task_force(
    *, task_force_id: int, search: str = "", agency_id: int | None = None, role: str = ""
) -> QuerySet[User]:
    """The task force's users matching a name or user name (any part, any case), an agency
    and a role; by agency, then user name. Never another task force's users (S8)."""
    users = User.objects.filter(agency__task_force_id=task_force_id)
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(display_name__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    if agency_id is not None:
        users = users.filter(agency_id=agency_id)
    if role:
        users = users.filter(role_grants__role=role)
    return (
        users.select_related("agency")
        .prefetch_related("role_grants")
        .order_by("agency__name", "username")
        .distinct()
    )
