"""Charging decisions about potential victims: by what the charge is, under the guidance.

A charge is recorded by its category (``ChargeCategory``), never recognized by words in a
description. The protocol's ``charging`` decision is evaluated for this person's own facts (age,
gender, citizenship, whether charged) and applies to the commercial-sex categories. Safe Harbor
is the law, not only the protocol: a minor is never charged with a commercial-sex offense,
whatever a protocol says, and a person of unknown age is treated as possibly a minor.
Remedies (motion to dismiss, vacatur or expungement) become tasks of participating agencies,
once per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass, Sector
from accord.errors import ValidationError

from ..models import (
    COMMERCIAL_SEX_CHARGES,
    Case,
    ChargeCategory,
    ChargingDecision,
    ChargingRecord,
    JoinedVia,
    PotentialVictim,
    Task,
)
from ._common import audit, event_add, now_or, participant_ensure, require_member, require_role
from ._per_victim import decision_for as _decision_for
from ._per_victim import victim_for as _victim_for

LE_OR_PROSECUTION = frozenset(LAW_ENFORCEMENT_SECTORS | {Sector.PROSECUTION})

#: Below this age a person is a minor: Safe Harbor forbids charging her with a commercial-sex
#: offense.
ADULT_AGE = 18


def charge_refusal(
    *,
    category: str,
    decision: str,
    age: int | None,
    guidance_rows: Iterable[Mapping[str, Any]],
) -> tuple[str, str] | None:
    """Why a decision to charge is refused, as (field, reason in words), or None if accepted.

    Only a decision to charge with a commercial-sex offense is ever refused: for a minor or a
    person of unknown age always (Safe Harbor), for anyone else when the guidance for her facts
    says "never" or "not while screened as a victim".
    """
    if decision != ChargingDecision.CHARGED or category not in COMMERCIAL_SEX_CHARGES:
        return None
    label = ChargeCategory(category).label.lower()
    if age is None:
        return (
            "age",
            f"Record this person's age before a decision to charge {label}: a minor is never "
            "charged with a commercial-sex offense (Safe Harbor).",
        )
    if age < ADULT_AGE:
        return (
            "decision",
            f"Safe Harbor: a minor ({age}) is never charged with {label} or any other "
            "commercial-sex offense; the person is referred to child protection as a victim.",
        )
    answers = {str(row.get("prostitution_charge") or "") for row in guidance_rows}
    if "never" in answers:
        return (
            "decision",
            f"The protocol's charging guidance says this person is never charged with {label}.",
        )
    if "not_while_screened" in answers:
        return (
            "decision",
            f"The protocol's charging guidance says a potential victim is not charged with "
            f"{label} while screened as a trafficking victim.",
        )
    return None


def _person_age(case: Case, victim: PotentialVictim) -> int | None:
    age: Any = victim.age if victim.age is not None else case.facts.get("victim_age")
    return age if isinstance(age, int) and not isinstance(age, bool) else None


def charging_guidance(*, case: Case, victim: PotentialVictim, charged: bool) -> dict[str, Any]:
    """The protocol's charging answer for this person's own facts."""
    return _decision_for(
        case,
        "charging",
        victim_age=victim.age,
        victim_gender=victim.gender,
        victim_citizenship=victim.citizenship,
        victim_charged=charged,
    )


def charging_record(
    *,
    actor: User,
    victim_id: int,
    arrested: bool,
    charged: bool,
    decision: str,
    charge_category: str = "",
    charge_description: str = "",
    identified_after_charges: bool = False,
    now: datetime | None = None,
) -> ChargingRecord:
    """Record an arrest/charge of a potential victim with the protocol's guidance; a decision
    to charge that the guidance or Safe Harbor forbids is refused and nothing is stored;
    remedies (motion to dismiss, vacatur with legal services) become tasks, once."""
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
        raise ValidationError(
            _("Unknown decision %(decision)s.") % {"decision": repr(decision)},
            data={"field": "decision"},
        )
    if charge_category and charge_category not in ChargeCategory.values:
        raise ValidationError(
            _("Unknown charge category %(charge_category)s.")
            % {"charge_category": repr(charge_category)},
            data={"field": "charge_category"},
        )
    if not charge_category and (charged or decision == ChargingDecision.CHARGED):
        raise ValidationError(
            _("Choose what the charge is (its category)."), data={"field": "charge_category"}
        )
    guidance = charging_guidance(case=case, victim=victim, charged=charged)
    refusal = charge_refusal(
        category=charge_category,
        decision=decision,
        age=_person_age(case, victim),
        guidance_rows=guidance["rows"],
    )
    if refusal is not None:
        field, reason = refusal
        raise ValidationError(reason, data={"field": field})
    remedies: list[str] = []
    if charged and (
        identified_after_charges
        or any(r.get("action") == "dismiss_and_vacate" for r in guidance["rows"])
    ):
        remedies = ["motion_to_dismiss", "vacatur"]
    with transaction.atomic():
        record = ChargingRecord.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            victim=victim,
            arrested=arrested,
            charged=charged,
            charge_category=charge_category,
            charge_description=charge_description,
            guidance=guidance,
            decision=decision,
            identified_after_charges=identified_after_charges,
            remedies=remedies,
        )
        created = _remedy_tasks(case=case, victim=victim, remedies=remedies, actor=actor, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="charging_recorded",
            summary=f"Charging decision recorded for {victim.pseudonym}: {record.get_decision_display()}",
            field_class=FieldClass.LE_SENSITIVE,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.CHARGING_DECISION_RECORDED,
            record=record,
            fields=["decision", "charged", "charge_category"],
            detail={"remedy_tasks_created": [t.deadline_id for t in created]},
        )
        for task in created:
            audit(
                actor=actor,
                event=AuditEventType.REMEDY_TASK_CREATED,
                record=task,
                fields=["title", "owner_agency"],
            )
    return record


#: remedy -> (title, owning sector, owning role, days to do it)
REMEDIES: Mapping[str, tuple[str, str, str, int]] = {
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


def _remedy_owner(case: Case, sector: str, now: datetime) -> Agency | None:
    """A participating agency of the sector, else the task force's first one, which joins the
    case (a task's owner always works the case); None when the task force has none."""
    participating = (
        Agency.objects.filter(
            task_force_id=case.task_force_id,
            is_active=True,
            sector=sector,
            pk__in=case.participants.values("agency_id"),
        )
        .order_by("pk")
        .first()
    )
    if participating is not None:
        return participating
    candidate = (
        Agency.objects.filter(task_force_id=case.task_force_id, is_active=True, sector=sector)
        .order_by("pk")
        .first()
    )
    if candidate is not None:
        participant_ensure(case=case, agency=candidate, now=now, joined_via=JoinedVia.TASK)
    return candidate


def _remedy_tasks(
    *,
    case: Case,
    victim: PotentialVictim,
    remedies: Iterable[str],
    actor: User,
    now: datetime,
) -> list[Task]:
    """One task per remedy per person (``anchor_ref`` "victim:<id>"): recording the same
    charge again creates nothing new. Returns the tasks created now."""
    created_tasks: list[Task] = []
    for remedy in remedies:
        title, sector, role, days = REMEDIES[remedy]
        deadline_id = f"remedy-{remedy}"
        anchor_ref = f"victim:{victim.pk}"
        if Task.objects.filter(case=case, deadline_id=deadline_id, anchor_ref=anchor_ref).exists():
            continue
        owner = _remedy_owner(case, sector, now)
        if owner is None:
            continue  # no agency of that sector in the task force: never an ownerless task
        task, created = Task.objects.get_or_create(
            case=case,
            deadline_id=deadline_id,
            anchor_ref=anchor_ref,
            defaults={
                "produced_by": require_member(actor),
                "created_at": now,
                "anchor": "charges_filed",
                "title": title.format(p=victim.pseudonym),
                "owner_agency": owner,
                "owner_sector": sector,
                "owner_role": role,
                "due_at": now + timedelta(days=days),
            },
        )
        if created:
            created_tasks.append(task)
    return created_tasks
