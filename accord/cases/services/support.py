"""Placement, interpreters, charging relief and safety assessments (immigration relief lives in
``immigration_relief``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.evaluate import evaluate_protocol, json_value
from accord.core.model import FieldClass, Sector
from accord.directory.services import bed_reserve
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError

from ..models import (
    Case,
    ChargingDecision,
    ChargingRecord,
    InterpreterRequest,
    InterpreterStatus,
    Placement,
    PlacementKind,
    PotentialVictim,
    Proceeding,
    SafetyAssessment,
    SafetyInstrument,
    Task,
)
from ..plan import plan_facts
from ._common import (
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    require_case,
    require_role,
)

LE_OR_PROSECUTION = frozenset(LAW_ENFORCEMENT_SECTORS | {Sector.PROSECUTION})


def _victim_for(actor: User, victim_id: int) -> tuple[PotentialVictim, Case, Any]:
    victim = PotentialVictim.objects.filter(
        pk=victim_id, case__task_force_id=actor.task_force_id
    ).first()
    if victim is None:
        raise NotFound("No such potential victim.")
    case, access = require_case(actor, victim.case_id)
    return victim, case, access


def _decision_for(case: Case, decision_id: str, **overrides: Any) -> dict[str, Any]:
    """One decision's answer for the case facts with some facts replaced (a victim's own)."""
    protocol = case.protocol_version.protocol
    facts = plan_facts(protocol=protocol, facts=case.facts, stage=case.stage)
    facts.update(
        {k: v for k, v in overrides.items() if k in protocol.factors and v not in (None, "")}
    )
    result = evaluate_protocol(protocol, facts).get(decision_id)
    if result is None or not result.answered:
        return {
            "answered": False,
            "needs": list(result.needs) if result else [],
            "rows": [],
            "how": [],
        }
    value = json_value(result.result)
    rows = value if isinstance(value, list) else [value]
    decision = protocol.decisions[decision_id]
    rows = [
        r if isinstance(r, Mapping) else {decision.outputs[0].name: r}
        for r in rows
        if r is not None
    ]
    return {"answered": True, "rows": rows, "rules": list(result.rules), "how": list(result.how)}


# --- placement --------------------------------------------------------------------------------


def placement_recommendation(*, case: Case, victim: PotentialVictim) -> dict[str, Any]:
    return _decision_for(case, "placement", victim_age=victim.age, victim_gender=victim.gender)


def placement_record(
    *,
    actor: User,
    victim_id: int,
    kind: str,
    service: str = "",
    details: str = "",
    reserve_bed: bool = True,
    now: datetime | None = None,
) -> Placement:
    """Where the victim stays; a bed at a directory service with capacity is reserved at once."""
    from accord.directory.models import Service

    now = now_or(now)
    victim, case, access = _victim_for(actor, victim_id)
    require_role(
        actor, access, roles=(Role.INVESTIGATOR, Role.ADVOCATE), action="record a placement"
    )
    if kind not in PlacementKind.values:
        raise ValidationError(f"Unknown placement kind {kind!r}.", data={"field": "kind"})
    recommendation = placement_recommendation(case=case, victim=victim)
    recommended = next((r.get("service") for r in recommendation["rows"] if r.get("service")), "")
    service = service or (recommended if kind in (PlacementKind.SHELTER, PlacementKind.CPS) else "")
    directory_service = None
    if service:
        directory_service = Service.objects.filter(
            task_force_id=case.task_force_id, slug=service
        ).first()
        if directory_service is None:
            raise ValidationError(
                f"{service!r} is not a service in the directory.", data={"field": "service"}
            )
    with transaction.atomic():
        reserved = False
        if (
            reserve_bed
            and directory_service is not None
            and directory_service.beds_available is not None
        ):
            bed_reserve(
                actor=actor,
                service=directory_service,
                purpose=f"placement on case {case.number}",
                now=now,
            )
            reserved = True
        placement = Placement.objects.create(
            case=case,
            produced_by=actor.agency,
            created_at=now,
            victim=victim,
            kind=kind,
            service=service,
            recommended_service=recommended or "",
            details=details,
            bed_reserved=reserved,
            placed_at=now,
        )
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="placement_recorded",
            summary=f"Placement of {victim.pseudonym} recorded ({placement.get_kind_display()})",
            field_class=FieldClass.VSP_CONFIDENTIAL,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=placement,
            fields=["kind", "service", "details"],
        )
    return placement


# --- interpreters -----------------------------------------------------------------------------

COURT_PROCEEDINGS = {Proceeding.ARRAIGNMENT, Proceeding.HEARING}


def interpreter_request_create(
    *,
    actor: User,
    case: Case | int,
    proceeding: str,
    language: str,
    scheduled_for: datetime,
    court_certified_required: bool | None = None,
    victim_id: int | None = None,
    now: datetime | None = None,
) -> InterpreterRequest:
    """Request an interpreter; the protocol says which service and who pays."""
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE, Role.INTERPRETER_COORDINATOR),
        action="request an interpreter",
    )
    if proceeding not in Proceeding.values:
        raise ValidationError(f"Unknown proceeding {proceeding!r}.", data={"field": "proceeding"})
    if not language.strip():
        raise ValidationError("Name the language.", data={"field": "language"})
    victim = None
    if victim_id:
        victim = PotentialVictim.objects.filter(pk=victim_id, case=case).first()
        if victim is None:
            raise ValidationError(
                "Choose a potential victim of this case.", data={"field": "victim"}
            )
    answer = _decision_for(case, "interpreter", interpreter_needed=True, proceeding=proceeding)
    row = answer["rows"][0] if answer["rows"] else {}
    certified = (
        proceeding in COURT_PROCEEDINGS
        if court_certified_required is None
        else court_certified_required
    )
    with transaction.atomic():
        request = InterpreterRequest.objects.create(
            case=case,
            produced_by=actor.agency,
            created_at=now,
            victim=victim,
            proceeding=proceeding,
            language=language.strip(),
            scheduled_for=scheduled_for,
            court_certified_required=certified,
            service=row.get("service") or "",
            payer=row.get("payer") or "",
            requested_by=actor,
        )
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="interpreter_requested",
            summary=f"{request.get_proceeding_display()} interpreter ({request.language}) requested"
            + (f"; paid by {request.payer}" if request.payer else ""),
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=request,
            fields=["proceeding", "language"],
        )
    return request


def interpreter_assign(
    *,
    actor: User,
    request_id: int,
    interpreter_name: str,
    attestation_text: str,
    knows_no_suspect: bool,
    expected_version: int | None,
    now: datetime | None = None,
) -> InterpreterRequest:
    """Book the interpreter found in the directory, with their conflict attestation recorded."""
    now = now_or(now)
    request = InterpreterRequest.objects.filter(
        pk=request_id, case__task_force_id=actor.task_force_id
    ).first()
    if request is None:
        raise NotFound("No such interpreter request.")
    case = request.case
    if not actor.has_role(
        Role.INTERPRETER_COORDINATOR
    ):  # any agency's interpreter coordinator books
        case, access = require_case(actor, request.case_id)
        require_role(
            actor,
            access,
            roles=(Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE),
            action="book an interpreter",
        )
    if not interpreter_name.strip():
        raise ValidationError("Name the interpreter.", data={"field": "interpreter_name"})
    if not knows_no_suspect or not attestation_text.strip():
        raise ValidationError(
            "The interpreter must attest that they do not know the suspects before being booked.",
            data={"field": "knows_no_suspect"},
        )
    with transaction.atomic():
        request = locked(InterpreterRequest, request.pk)
        check_version(request, expected_version)
        if request.status != InterpreterStatus.REQUESTED:  # never overwrite a booking silently
            raise ConflictError(
                f"This interpreter request is already {request.get_status_display().lower()}.",
                data={"status": request.status},
            )
        request.interpreter_name = interpreter_name.strip()
        request.conflict_attested = True
        request.attestation_text = attestation_text.strip()
        request.attested_by = actor
        request.attested_at = now
        request.status = InterpreterStatus.BOOKED
        bump(
            request,
            [
                "interpreter_name",
                "conflict_attested",
                "attestation_text",
                "attested_by",
                "attested_at",
                "status",
            ],
        )
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="interpreter_booked",
            summary=f"Interpreter booked for the {request.get_proceeding_display().lower()}; conflict attestation recorded",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_UPDATED,
            record=request,
            fields=["interpreter_name", "conflict_attested"],
        )
    return request


# --- charging and records relief --------------------------------------------------------------


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


# --- safety -----------------------------------------------------------------------------------

#: An original example instrument (not any published, copyrighted screen). Task forces replace it.
EXAMPLE_INSTRUMENT = {
    "name": "Example County safety screen (example only)",
    "threshold": 8,
    "questions": [
        {
            "id": "threats",
            "text": "Has the person who exploited you threatened to hurt or kill you or your family?",
            "weight": 3,
        },
        {"id": "weapon", "text": "Does that person have access to a weapon?", "weight": 3},
        {
            "id": "knows_where",
            "text": "Does that person know where you are staying now?",
            "weight": 2,
        },
        {
            "id": "documents",
            "text": "Does that person hold your identity or travel documents?",
            "weight": 1,
        },
        {"id": "debt", "text": "Does that person claim you owe them money?", "weight": 1},
        {
            "id": "escalation",
            "text": "Has the violence or control become worse recently?",
            "weight": 2,
        },
        {
            "id": "children",
            "text": "Has that person threatened to take or harm children?",
            "weight": 2,
        },
    ],
}


def safety_instrument_save(
    *,
    actor: User,
    name: str,
    questions: Sequence[Mapping[str, Any]],
    threshold: int,
    now: datetime | None = None,
) -> SafetyInstrument:
    now = now_or(now)
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied("Only a coordinator configures the safety instrument.")
    ids = [q.get("id") for q in questions]
    if not questions or any(
        not q.get("id") or not q.get("text") or int(q.get("weight", -1)) < 0 for q in questions
    ):
        raise ValidationError(
            "Each question needs an id, a text and a weight of 0 or more.",
            data={"field": "questions"},
        )
    if len(set(ids)) != len(ids):
        raise ValidationError("Question ids must be unique.", data={"field": "questions"})
    with transaction.atomic():
        instrument = SafetyInstrument.objects.create(
            task_force_id=actor.task_force_id,
            name=name,
            questions=[dict(q) for q in questions],
            threshold=threshold,
            created_at=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=instrument,
            fields=["questions", "threshold"],
        )
    return instrument


def safety_assessment_record(
    *,
    actor: User,
    victim_id: int,
    instrument_id: int,
    answers: Mapping[str, bool],
    now: datetime | None = None,
) -> SafetyAssessment:
    """An advocate of the serving provider records the screen; the danger-assessment task is done."""
    from .task import task_complete_for

    now = now_or(now)
    victim, case, access = _victim_for(actor, victim_id)
    require_role(
        actor,
        access,
        roles=(Role.ADVOCATE,),
        sectors={Sector.VICTIM_SERVICES},
        action="record a safety assessment",
    )
    if victim.serving_provider_id not in (None, actor.agency_id):
        raise PermissionDenied("Only the serving provider's advocates assess this person's safety.")
    instrument = SafetyInstrument.objects.filter(
        pk=instrument_id, task_force_id=case.task_force_id, is_active=True
    ).first()
    if instrument is None:
        raise ValidationError(
            "Choose the task force's safety instrument.", data={"field": "instrument"}
        )
    known = {q["id"]: int(q["weight"]) for q in instrument.questions}
    unknown = set(answers) - set(known)
    if unknown:
        raise ValidationError(
            f"Unknown questions: {', '.join(sorted(unknown))}.", data={"field": sorted(unknown)[0]}
        )
    score = sum(weight for qid, weight in known.items() if answers.get(qid))
    with transaction.atomic():
        assessment = SafetyAssessment.objects.create(
            case=case,
            produced_by=actor.agency,
            created_at=now,
            victim=victim,
            instrument=instrument,
            answers={k: bool(v) for k, v in answers.items()},
            score=score,
            above_threshold=score >= instrument.threshold,
            assessed_by=actor,
            assessed_at=now,
        )
        for task in Task.objects.filter(case=case, deadline_id="danger-assessment"):
            task_complete_for(task=task, actor=actor, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="safety_assessed",
            summary=f"Safety assessment of {victim.pseudonym} recorded",
            field_class=FieldClass.VSP_CONFIDENTIAL,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=assessment,
            fields=["answers", "score"],
        )
    return assessment
