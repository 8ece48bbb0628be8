"""Retention (S18): remove events older than the retention period, only through this audited job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.errors import ValidationError

from .chain import purge_mac
from .events import AuditEventType
from .models import AuditEvent, AuditPurge, AuditReadEvent
from .services import audit_key, audit_record
from .triggers import install_triggers, remove_triggers


@dataclass(frozen=True)
class PurgeResult:
    events_removed: int
    through_seq: int | None  # in chain 0 (the chain of events without a task force)
    chains: int = 0  # how many chains lost events


def audit_purge(*, before: datetime, operator: str, now: datetime | None = None) -> PurgeResult:
    """Remove events that occurred before ``before``; refuse to cut into the retention period.

    Each chain loses a prefix (never a hole in the middle), recorded as an ``AuditPurge`` row
    for that chain (where verification restarts); the whole removal is also an
    ``AUDIT_PURGED`` event appended to chain 0.
    """
    now = now or timezone.now()
    retention = settings.ACCORD_AUDIT_RETENTION
    if before > now - retention:
        raise ValidationError(
            _("Events younger than the retention period (%(days)s days) cannot be purged.")
            % {"days": retention.days},
            data={"field": "before"},
        )
    key = audit_key()
    with transaction.atomic():
        chains = (
            AuditEvent.objects.filter(occurred_at__lt=before)
            .order_by("chain")
            .values_list("chain", flat=True)
            .distinct()
        )
        cuts = []
        for chain in chains:
            last = (
                AuditEvent.objects.filter(chain=chain, occurred_at__lt=before)
                .order_by("-chain_seq")
                .first()
            )
            if last is not None:
                cuts.append(last)
        if not cuts:
            return PurgeResult(events_removed=0, through_seq=None)
        removed = {}
        remove_triggers(connection)
        try:
            for last in cuts:
                prefix = AuditEvent.objects.filter(chain=last.chain, chain_seq__lte=last.chain_seq)
                removed[last.chain] = prefix.count()
                prefix.delete()
                # the reads those events sealed go with them (pending reads stay)
                AuditReadEvent.objects.filter(chain=last.chain, batch__lte=last.chain_seq).delete()
        finally:
            install_triggers(connection)
        for last in cuts:
            AuditPurge.objects.create(
                chain=last.chain,
                through_seq=last.chain_seq,
                through_hash=last.hash,
                cutoff=before,
                events_removed=removed[last.chain],
                performed_by=operator[:150],
                mac=purge_mac(
                    key=key,
                    through_seq=last.chain_seq,
                    through_hash=last.hash,
                    cutoff=before,
                    events_removed=removed[last.chain],
                    chain=last.chain,
                ),
            )
        through_seq = next((last.chain_seq for last in cuts if last.chain == 0), None)
        count = sum(removed.values())
        audit_record(
            event=AuditEventType.AUDIT_PURGED,
            username=operator,
            object_type="audit_event",
            object_id=through_seq or "",
            detail={
                "events_removed": count,
                "cutoff": before.isoformat(),
                "chains": {str(last.chain): last.chain_seq for last in cuts},
            },
        )
    return PurgeResult(events_removed=count, through_seq=through_seq, chains=len(cuts))
