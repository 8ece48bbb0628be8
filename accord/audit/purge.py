"""Retention (S18): remove events older than the retention period, only through this audited job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accord.errors import ValidationError

from .chain import purge_mac
from .events import AuditEventType
from .models import AuditEvent, AuditPurge
from .services import audit_key, audit_record
from .triggers import install_triggers, remove_triggers


@dataclass(frozen=True)
class PurgeResult:
    events_removed: int
    through_seq: int | None


def audit_purge(*, before: datetime, operator: str, now: datetime | None = None) -> PurgeResult:
    """Remove events that occurred before ``before``; refuse to cut into the retention period.

    The removal is recorded twice: as an ``AuditPurge`` row (where verification
    restarts) and as an ``AUDIT_PURGED`` event appended to the chain.
    """
    now = now or timezone.now()
    retention = settings.ACCORD_AUDIT_RETENTION
    if before > now - retention:
        raise ValidationError(
            f"Events younger than the retention period ({retention.days} days) cannot be purged.",
            data={"field": "before"},
        )
    with transaction.atomic():
        doomed = AuditEvent.objects.filter(occurred_at__lt=before).order_by("-seq")
        last = doomed.first()
        if last is None:
            return PurgeResult(events_removed=0, through_seq=None)
        # Only a prefix of the chain may go: never a hole in the middle.
        through_seq = last.seq
        count = AuditEvent.objects.filter(seq__lte=through_seq).count()
        remove_triggers(connection)
        try:
            AuditEvent.objects.filter(seq__lte=through_seq).delete()
        finally:
            install_triggers(connection)
        AuditPurge.objects.create(
            through_seq=through_seq,
            through_hash=last.hash,
            cutoff=before,
            events_removed=count,
            performed_by=operator[:150],
            mac=purge_mac(
                key=audit_key(),
                through_seq=through_seq,
                through_hash=last.hash,
                cutoff=before,
                events_removed=count,
            ),
        )
        audit_record(
            event=AuditEventType.AUDIT_PURGED,
            username=operator,
            object_type="audit_event",
            object_id=through_seq,
            detail={"events_removed": count, "cutoff": before.isoformat()},
        )
    return PurgeResult(events_removed=count, through_seq=through_seq)
