"""Reads of the audit trail, always scoped to the auditor's own agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from .models import AuditEvent, AuditReadEvent

#: What the trail page and its CSV show of an event (chain event or record read alike).
DISPLAY_FIELDS = (
    "seq",
    "occurred_at",
    "event",
    "outcome",
    "actor_username",
    "object_type",
    "object_id",
    "fields",
    "purpose",
    "request_id",
)

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class AuditFilter:
    event: str = ""
    outcome: str = ""
    username: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None


def audit_events_for_agency(
    *, agency_id: int, filters: AuditFilter
) -> QuerySet[Any, dict[str, Any]]:
    """Events by the agency's users or about the agency's data, newest first, as dicts of
    ``DISPLAY_FIELDS``: the chain's events and the record reads, pending or sealed alike."""
    chain_events = _filtered(AuditEvent.objects.all(), agency_id=agency_id, filters=filters)
    reads = _filtered(AuditReadEvent.objects.all(), agency_id=agency_id, filters=filters)
    return (
        chain_events.order_by()
        .values(*DISPLAY_FIELDS)
        .union(reads.order_by().values(*DISPLAY_FIELDS), all=True)
        .order_by("-seq")
    )


def _filtered(events: QuerySet[_M], *, agency_id: int, filters: AuditFilter) -> QuerySet[_M]:
    events = events.filter(Q(actor_agency_id=agency_id) | Q(subject_agency_id=agency_id))
    if filters.event:
        events = events.filter(event=filters.event)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.username:
        events = events.filter(actor_username__iexact=filters.username)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    # The days are the reader's: the task force's zone, activated for the request.
    zone = timezone.get_current_timezone()
    if filters.since:
        events = events.filter(occurred_at__gte=datetime.combine(filters.since, time.min, zone))
    if filters.until:
        events = events.filter(occurred_at__lte=datetime.combine(filters.until, time.max, zone))
    return events
