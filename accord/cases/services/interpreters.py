"""Interpreter requests and bookings: who provides and pays (the protocol), who attests."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.errors import ConflictError, NotFound, ValidationError

from ..models import (
    Case,
    InterpreterRequest,
    InterpreterStatus,
    PotentialVictim,
    Proceeding,
)
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
from ._per_victim import decision_for as _decision_for

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
