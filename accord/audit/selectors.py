"""Reads of the audit trail, always scoped to the auditor's own agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    event: str = ""
    outcome: str = ""
    username: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None


def audit_events_for_agency(*, agency_id: int, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """Events by the agency's users or about the agency's data, newest first."""
    events = AuditEvent.objects.filter(
        Q(actor_agency_id=agency_id) | Q(subject_agency_id=agency_id)
    )
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
    return events.order_by("-seq")
