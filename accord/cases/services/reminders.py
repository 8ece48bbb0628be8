"""Renewal reminders for Continued Presence, T and U records before they expire.

Run daily (``manage.py immigration_relief_remind``). A record reaching a threshold (30 days
before ``expires_on`` by default) is reminded once: the in-app notification's ``kind`` names
the record and the threshold, and is the ledger that keeps the next run quiet. Only users of
the requesting agency who are explicitly authorized for immigration-relief records (S11) are
told, and the text (which is also e-mailed) never says what kind of record it is: that a
victim sought immigration relief is itself protected (8 U.S.C. 1367).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import FieldClass

from ..models import ImmigrationRelief, Notification, ReliefKind, ReliefStatus
from ..notifications import notify
from ._common import event_add, now_or

#: The records that expire and must be renewed: Continued Presence, T and U.
RENEWABLE_KINDS: frozenset[str] = frozenset(
    {
        ReliefKind.CONTINUED_PRESENCE,
        ReliefKind.T_VISA_DECLARATION,
        ReliefKind.U_VISA_CERTIFICATION,
    }
)
#: Records still in effect (a withdrawn, denied or expired record needs no renewal).
LIVE_STATUSES: frozenset[str] = frozenset(
    {ReliefStatus.REQUESTED, ReliefStatus.SIGNED, ReliefStatus.GRANTED}
)
DEFAULT_THRESHOLDS: tuple[int, ...] = (30,)
WORKING_ROLES = (Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE, Role.COORDINATOR)


@dataclass(frozen=True)
class RenewalReminder:
    """One reminder sent: which record, which threshold, how many people were told."""

    relief_id: int
    case_number: str
    expires_on: date
    days_before: int
    recipients: int


def reminder_kind(relief_id: int, days_before: int) -> str:
    """The notification kind that records the reminder (and keeps it from repeating)."""
    return f"relief_renewal:{relief_id}:{days_before}d"


def authorized_recipients(relief: ImmigrationRelief) -> list[User]:
    """Working users of the requesting agency explicitly authorized for these records."""
    return list(
        User.objects.filter(
            agency_id=relief.produced_by_id,
            is_active=True,
            disabled_at__isnull=True,
            immigration_relief_authorized=True,
            role_grants__role__in=WORKING_ROLES,
        )
        .distinct()
        .order_by("pk")
    )


def immigration_relief_remind(
    *, now: datetime | None = None, thresholds: Sequence[int] = DEFAULT_THRESHOLDS
) -> list[RenewalReminder]:
    """Remind each live CP/T/U record that has reached a threshold, once per threshold.

    When several thresholds are reached at once (a record entered late), only the nearest
    one is reminded; a record with no authorized user to tell is tried again on the next run.
    """
    now = now_or(now)
    today = timezone.localdate(now)
    if not thresholds:
        return []
    horizon = max(thresholds)
    sent: list[RenewalReminder] = []
    due = (
        ImmigrationRelief.objects.select_related("case", "victim", "produced_by")
        .filter(
            kind__in=RENEWABLE_KINDS,
            status__in=LIVE_STATUSES,
            expires_on__isnull=False,
            expires_on__gte=today,
        )
        .order_by("expires_on", "pk")
    )
    for relief in due:
        days_left = (relief.expires_on - today).days  # type: ignore[operator]
        if days_left > horizon:
            continue
        threshold = min(t for t in thresholds if days_left <= t)
        kind = reminder_kind(relief.pk, threshold)
        if Notification.objects.filter(kind=kind).exists():
            continue
        recipients = authorized_recipients(relief)
        if not recipients:
            continue
        sent.append(_remind(relief, recipients=recipients, kind=kind, threshold=threshold, now=now))
    return sent


def _remind(
    relief: ImmigrationRelief,
    *,
    recipients: list[User],
    kind: str,
    threshold: int,
    now: datetime,
) -> RenewalReminder:
    case = relief.case
    expires: date = relief.expires_on  # type: ignore[assignment]  # filtered non-null
    days_left = (expires - timezone.localdate(now)).days
    with transaction.atomic():
        notify(
            recipients=recipients,
            kind=kind,
            subject=f"Renewal due on case {case.number} by {expires:%Y-%m-%d}",
            body=(
                f"A record your agency keeps on case {case.number} expires on {expires:%Y-%m-%d} "
                f"({days_left} days from today). Sign in to Accord to see it and start the "
                "renewal in time."
            ),
            case=case,
            now=now,
        )
        event_add(
            case=case,
            actor=None,
            agency=relief.produced_by,
            kind="relief_renewal_reminder",
            summary=f"{relief.get_kind_display()} for {relief.victim.pseudonym} expires "
            f"{expires:%Y-%m-%d}: renewal reminder sent to {len(recipients)} authorized user(s)",
            field_class=FieldClass.IMMIGRATION_1367,
            victim=relief.victim,
            now=now,
        )
        audit_record(
            event=AuditEventType.IMMIGRATION_RECORD_DISCLOSED,
            actor=None,
            object_type="cases.immigrationrelief",
            object_id=relief.pk,
            fields=["immigrationrelief.expires_on"],
            purpose=f"renewal reminder {threshold} days before expiry",
            detail={"recipients": [user.pk for user in recipients], "days_before": threshold},
            task_force_id=case.task_force_id,
        )
    return RenewalReminder(
        relief_id=relief.pk,
        case_number=case.number,
        expires_on=expires,
        days_before=threshold,
        recipients=len(recipients),
    )
