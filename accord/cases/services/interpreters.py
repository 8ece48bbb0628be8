"""Interpreter requests and bookings: who provides and pays, who is certified, who attests.

The protocol's ``interpreter`` decision, answered for the proceeding, names the service and the
payer. A booking records whether the interpreter holds the certification the proceeding requires
(court-certified for court proceedings). The conflict attestation ("I know none of the
suspects") means something only where the suspects' names can be seen: a booking user whom the
sharing rules let see every suspect takes it at booking; anyone else books without it, and an
investigator of a law enforcement agency working the case confirms it afterwards.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Role, User
from accord.audit.events import AuditEventType
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.schedule import refuse_past
from accord.sharing.door import suspects_for_attestation

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
    require_member,
    require_role,
)
from ._per_victim import decision_for as _decision_for

#: The protocol's payer codes, in words.
PAYERS = {
    "court": "the court",
    "investigating_agency": "the investigating agency",
    "serving_provider": "the serving provider",
}


def payer_words(code: str) -> str:
    return PAYERS.get(code, code.replace("_", " "))


COURT_PROCEEDINGS = {Proceeding.ARRAIGNMENT, Proceeding.HEARING}


#: How each proceeding starts a sentence: "A hearing can't be scheduled in the past."
APPOINTMENT_WORDS: dict[str, str] = {
    Proceeding.ARRAIGNMENT: "An arraignment",
    Proceeding.INTERVIEW: "An interview",
    Proceeding.FORENSIC_INTERVIEW: "A forensic interview",
    Proceeding.HEARING: "A hearing",
    Proceeding.SERVICE_SESSION: "A service session",
}


def appointment_words(proceeding: str) -> str:
    """The proceeding an interpreter is booked for, as a sentence starts with it."""
    return APPOINTMENT_WORDS.get(proceeding, "An interpreter appointment")


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
        raise ValidationError(
            _("Unknown proceeding %(proceeding)s.") % {"proceeding": repr(proceeding)},
            data={"field": "proceeding"},
        )
    if not language.strip():
        raise ValidationError(_("Name the language."), data={"field": "language"})
    refuse_past(scheduled_for, now=now, field="scheduled_for", what=appointment_words(proceeding))
    victim = None
    if victim_id:
        victim = PotentialVictim.objects.filter(pk=victim_id, case=case).first()
        if victim is None:
            raise ValidationError(
                _("Choose a potential victim of this case."), data={"field": "victim"}
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
            produced_by=require_member(actor),
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
            agency=require_member(actor),
            kind="interpreter_requested",
            summary=f"{request.get_proceeding_display()} interpreter ({request.language}) requested"
            + (f"; paid by {payer_words(request.payer)}" if request.payer else ""),
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.INTERPRETER_REQUESTED,
            record=request,
            fields=["proceeding", "language", "payer"],
        )
    return request


def _request_in_task_force(actor: User, request_id: int) -> InterpreterRequest:
    request = InterpreterRequest.objects.filter(
        pk=request_id, case__task_force_id=actor.task_force_id
    ).first()
    if request is None:
        raise NotFound(_("No such interpreter request."))
    return request


def _attestation(knows_no_suspect: bool, attestation_text: str) -> str:
    text = attestation_text.strip()
    if not knows_no_suspect or not text:
        raise ValidationError(
            _("The interpreter must attest, in words, that they know none of the suspects named."),
            data={"field": "knows_no_suspect"},
        )
    return text


def interpreter_assign(
    *,
    actor: User,
    request_id: int,
    interpreter_name: str,
    expected_version: int | None,
    interpreter_certified: bool | None = None,
    attestation_text: str = "",
    knows_no_suspect: bool = False,
    now: datetime | None = None,
) -> InterpreterRequest:
    """Book the interpreter: their name, whether they hold the certification the proceeding
    requires, and the conflict attestation when this user may see the suspects' names (else the
    booking waits for the investigating agency to confirm the attestation)."""
    now = now_or(now)
    request = _request_in_task_force(actor, request_id)
    case = request.case
    if not actor.has_role(Role.INTERPRETER_COORDINATOR):  # any agency's coordinator books
        case, access = require_case(actor, request.case_id)
        require_role(
            actor,
            access,
            roles=(Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE),
            action="book an interpreter",
        )
    if not interpreter_name.strip():
        raise ValidationError(_("Name the interpreter."), data={"field": "interpreter_name"})
    if interpreter_certified is None:
        raise ValidationError(
            _("Say whether the interpreter holds the certification required")
            + (_(" (court-certified).") if request.court_certified_required else "."),
            data={"field": "interpreter_certified"},
        )
    sees_suspects = (
        suspects_for_attestation(viewer=actor, case_id=case.pk, disclose=False) is not None
    )
    text = ""
    if sees_suspects:
        text = _attestation(knows_no_suspect, attestation_text)
    elif knows_no_suspect:
        raise ValidationError(
            _(
                "The suspects' names are not shown to you, so the conflict attestation cannot be "
                "taken here: book without it, and the investigating agency confirms it."
            ),
            data={"field": "knows_no_suspect"},
        )
    with transaction.atomic():
        request = locked(InterpreterRequest, request.pk)
        check_version(request, expected_version)
        if request.status != InterpreterStatus.REQUESTED:  # never overwrite a booking silently
            raise ConflictError(
                _("This interpreter request is already %(status)s.")
                % {"status": request.get_status_display().lower()},
                data={"status": request.status},
            )
        request.interpreter_name = interpreter_name.strip()
        request.interpreter_certified = bool(interpreter_certified)
        request.booked_by = actor
        request.booked_at = now
        request.status = InterpreterStatus.BOOKED
        fields = ["interpreter_name", "interpreter_certified", "booked_by", "booked_at", "status"]
        if sees_suspects:
            request.conflict_attested = True
            request.attestation_text = text
            request.attested_by = actor
            request.attested_at = now
            fields += ["conflict_attested", "attestation_text", "attested_by", "attested_at"]
        bump(request, fields)
        certification = (
            ""
            if not request.court_certified_required
            else "; court-certified"
            if request.interpreter_certified
            else "; NOT court-certified as required"
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="interpreter_booked",
            summary=f"Interpreter booked for the {request.get_proceeding_display().lower()}"
            + certification
            + (
                "; conflict attestation recorded"
                if sees_suspects
                else "; conflict attestation pending (the investigating agency confirms it)"
            ),
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.INTERPRETER_BOOKED,
            record=request,
            fields=["interpreter_name", "interpreter_certified", "conflict_attested"],
            detail={"attestation_taken": sees_suspects},
        )
    return request


def interpreter_attestation_confirm(
    *,
    actor: User,
    request: InterpreterRequest | int,
    knows_no_suspect: bool,
    attestation_text: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> InterpreterRequest:
    """The investigating agency confirms the conflict attestation of a booked interpreter: an
    investigator of a law enforcement agency working the case, who sees the suspects' names."""
    now = now_or(now)
    found = _request_in_task_force(
        actor, request.pk if isinstance(request, InterpreterRequest) else request
    )
    case, access = require_case(actor, found.case_id)
    if (
        not actor.has_role(Role.INVESTIGATOR)
        or require_member(actor).sector not in LAW_ENFORCEMENT_SECTORS
        or not access.participant
    ):
        raise PermissionDenied(
            _(
                "Only an investigator of a law enforcement agency working this case confirms an "
                "interpreter's conflict attestation."
            ),
            data={"field": "attested_by"},
        )
    if suspects_for_attestation(viewer=actor, case_id=case.pk, disclose=False) is None:
        raise PermissionDenied(
            _(
                "The suspects' names are not released to you, so you cannot confirm the attestation."
            ),
            data={"field": "attested_by"},
        )
    text = _attestation(knows_no_suspect, attestation_text)
    with transaction.atomic():
        current = locked(InterpreterRequest, found.pk)
        check_version(current, expected_version)
        if current.status != InterpreterStatus.BOOKED or current.conflict_attested:
            raise ConflictError(
                _("This booking has no attestation waiting for confirmation."),
                data={"field": "conflict_attested", "status": current.status},
            )
        current.conflict_attested = True
        current.attestation_text = text
        current.attested_by = actor
        current.attested_at = now
        bump(current, ["conflict_attested", "attestation_text", "attested_by", "attested_at"])
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="interpreter_attested",
            summary=f"Interpreter's conflict attestation for the "
            f"{current.get_proceeding_display().lower()} confirmed by {require_member(actor).name}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.INTERPRETER_ATTESTATION_CONFIRMED,
            record=current,
            fields=["conflict_attested", "attestation_text"],
        )
    return current
