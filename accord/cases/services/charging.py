"""Charging decisions about potential victims, the protocol's guidance, and records relief."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass, Sector
from accord.errors import ValidationError

from ..models import Case, ChargingDecision, ChargingRecord, PotentialVictim, Task
from ._common import audit, event_add, now_or, require_role
from ._per_victim import decision_for as _decision_for
from ._per_victim import victim_for as _victim_for

LE_OR_PROSECUTION = frozenset(LAW_ENFORCEMENT_SECTORS | {Sector.PROSECUTION})


def charging_guidance(*, case: Case, victim: PotentialVictim, charged: bool) -> dict[str, Any]:
    return _decision_for(case, "charging", victim_age=victim.age, victim_charged=charged)


def charging_record(
    *,
    actor: User,
    victim_id: int,
    arrested: bool,
    charged: bool,
    decision: str,
    charge_description: str = "",
    identified_after_charges: bool = False,
    now: datetime | None = None,
) -> ChargingRecord:
    """Record an arrest/charge of a potential victim with the protocol's guidance; remedies
    (motion to dismiss, vacatur with legal services) become tasks when identified after charges."""
    now = now_or(now)
    victim, case, access = _victim_for(actor, victim_id)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR, Role.PROSECUTOR),
        sectors=LE_OR_PROSECUTION,
        action="record a charging decision",
    )
    if decision not in ChargingDecision.values:
        raise ValidationError(f"Unknown decision {decision!r}.", data={"field": "decision"})
    guidance = charging_guidance(case=case, victim=victim, charged=charged)
    never = any(r.get("prostitution_charge") == "never" for r in guidance["rows"])
    if (
        never
        and decision == ChargingDecision.CHARGED
        and "prostitution" in charge_description.lower()
    ):
        raise ValidationError(
            "The protocol says this person is never charged with prostitution (Safe Harbor for minors).",
            data={"field": "decision"},
        )
    remedies: list[str] = []
    if charged and (
        identified_after_charges
        or any(r.get("action") == "dismiss_and_vacate" for r in guidance["rows"])
    ):
        remedies = ["motion_to_dismiss", "vacatur"]
    with transaction.atomic():
        record = ChargingRecord.objects.create(
            case=case,
            produced_by=actor.agency,
            created_at=now,
            victim=victim,
            arrested=arrested,
            charged=charged,
            charge_description=charge_description,
            guidance=guidance,
            decision=decision,
            identified_after_charges=identified_after_charges,
            remedies=remedies,
        )
        _remedy_tasks(case=case, record=record, victim=victim, actor=actor, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="charging_recorded",
            summary=f"Charging decision recorded for {victim.pseudonym}: {record.get_decision_display()}",
            field_class=FieldClass.LE_SENSITIVE,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=record,
            fields=["decision", "charged"],
        )
    return record


def _remedy_tasks(
    *, case: Case, record: ChargingRecord, victim: PotentialVictim, actor: User, now: datetime
) -> None:
    agencies = Agency.objects.filter(task_force_id=case.task_force_id, is_active=True)
    participants = set(case.participants.values_list("agency_id", flat=True))

    def pick(sector: str) -> Agency | None:
        candidates = [a for a in agencies if a.sector == sector]
        return next(
            (a for a in candidates if a.pk in participants), candidates[0] if candidates else None
        )

    plan = {
        "motion_to_dismiss": (
            "Move to dismiss the charges against {p}",
            Sector.PROSECUTION,
            Role.PROSECUTOR,
            5,
        ),
        "vacatur": (
            "Pursue vacatur or expungement of {p}'s record with legal services",
            Sector.LEGAL_SERVICES,
            Role.ADVOCATE,
            30,
        ),
    }
    for remedy in record.remedies:
        title, sector, role, days = plan[remedy]
        owner = pick(sector)
        Task.objects.get_or_create(
            case=case,
            deadline_id=f"remedy-{remedy}",
            anchor_ref=f"charging:{record.pk}",
            defaults={
                "produced_by": actor.agency,
                "created_at": now,
                "anchor": "charges_filed",
                "title": title.format(p=victim.pseudonym),
                "owner_agency": owner,
                "owner_sector": sector,
                "owner_role": role,
                "due_at": now + timedelta(days=days),
            },
        )
