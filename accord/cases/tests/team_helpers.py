"""What the case team's tests share: a case the protocol sends to the DA, the audit events of a
kind, and a case's team by agency."""

from __future__ import annotations

from accord.audit.models import AuditEvent
from accord.cases.models import Case, CaseParticipant

from .conftest import LABOR_MINOR

#: Sex trafficking of a US citizen adult in Riverton: the protocol proposes the DA.
COUNTY_SEX = {
    **LABOR_MINOR,
    "trafficking_type": "sex",
    "victim_age": 24,
    "victim_gender": "female",
    "victim_citizenship": "us_citizen",
    "interpreter_needed": False,
}


def audit_events(event: str, *, object_type: str = "", object_id: int | None = None):
    """The audit events of one type, optionally for one object."""
    query = AuditEvent.objects.filter(event=event)
    if object_type:
        query = query.filter(object_type=object_type)
    if object_id is not None:
        query = query.filter(object_id=str(object_id))
    return list(query)


def team(case: Case) -> dict[str, CaseParticipant]:
    return {
        p.agency.slug: p for p in CaseParticipant.objects.filter(case=case).select_related("agency")
    }
