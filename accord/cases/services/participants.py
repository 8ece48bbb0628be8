"""The case team: adding and removing agencies, handing off the lead, moving to prosecution.

Every write here is made by the lead agency's users or a coordinator, names its field when
refused, stores nothing when refused, and leaves a specific audit event (old and new agency,
never the free-text reason, which a person may have filled with names) and a timeline line.
The law's one exception to who may join (a victim service provider's case keeps law
enforcement and prosecutors out until a victim's release names them) is enforced in
``participant_ensure``, so every way in (the plan, a task, a referral, a person) obeys it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.evaluate import json_value
from accord.core.model import Sector
from accord.errors import PermissionDenied, ValidationError
from accord.sharing.door import CaseAccess

from ..models import (
    Case,
    CaseParticipant,
    CaseStage,
    JoinedVia,
    ParticipantPart,
    Task,
    TaskStatus,
)
from ..notifications import notify
from ..tasks import tasks_for_anchor
from ..team import held_back, part_for_sector, part_label, part_refusal
from ._common import (
    agency_recipients,
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    participant_ensure,
    require_case,
    require_member,
)

#: The protocol decision that proposes the prosecuting office, and its output.
PROSECUTING_OFFICE_DECISION = "prosecuting_office"
PROSECUTING_OFFICE_OUTPUT = "office"
OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.TAKEN)
#: Roles of the lead agency that run the case team (coordinators always may).
LEAD_ROLES = frozenset({Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE})


def may_manage_team(access: CaseAccess, *, lead_agency_id: int) -> bool:
    """The lead agency's case workers and the task force's coordinators run the case team."""
    if access.is_coordinator:
        return True
    return bool(
        access.participant and access.agency_id == lead_agency_id and access.roles & LEAD_ROLES
    )


def may_start_prosecution(access: CaseAccess, *, lead_agency_id: int) -> bool:
    """The lead agency's investigators or prosecutors, and coordinators, move a case on."""
    if access.is_coordinator:
        return True
    return bool(
        access.participant
        and access.agency_id == lead_agency_id
        and access.roles & {Role.INVESTIGATOR, Role.PROSECUTOR}
    )


def _require_lead(actor: User, access: CaseAccess, case: Case, action: str) -> None:
    if not may_manage_team(access, lead_agency_id=case.lead_agency_id):
        raise PermissionDenied(
            _("Only the lead agency (%(name)s) and the task force coordinators may %(action)s.")
            % {"name": case.lead_agency.name, "action": action},
            data={"action": action},
        )


def _member_agency(
    case: Case, agency: Agency | int | None, *, field: str, sectors: Sequence[str] = ()
) -> Agency:
    """A member agency of the case's task force; another task force's looks like a missing one."""
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    found = (
        Agency.objects.filter(
            pk=agency_id, task_force_id=case.task_force_id, is_active=True
        ).first()
        if agency_id
        else None
    )
    if found is None:
        raise ValidationError(_("Choose a member agency of the task force."), data={"field": field})
    if sectors and found.sector not in sectors:
        names = " or ".join(s.replace("_", " ") for s in sectors)
        raise ValidationError(
            _("%(name)s is not a %(names)s agency.") % {"name": found.name, "names": names},
            data={"field": field},
        )
    return found


def _reason(reason: str, *, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(_("Say why %(what)s.") % {"what": what}, data={"field": "reason"})
    return text


def _tell(agency: Agency, *, case: Case, kind: str, subject: str, body: str, now: datetime) -> None:
    notify(
        recipients=agency_recipients(agency, role=None)
        + list(
            User.objects.filter(agency=agency, is_active=True, role_grants__role__in=LEAD_ROLES)
        ),
        kind=kind,
        subject=subject,
        body=body,
        case=case,
        now=now,
    )


def participant_add(
    *,
    actor: User,
    case: Case | int,
    agency: Agency | int | None,
    part: str,
    reason: str,
    now: datetime | None = None,
) -> CaseParticipant:
    """The lead adds an agency to the case with a part and a reason; it is told at once."""
    now = now_or(now)
    case, access = require_case(actor, case)
    _require_lead(actor, access, case, "add an agency to the case")
    joining = _member_agency(case, agency, field="agency")
    if part not in ParticipantPart.values or part == ParticipantPart.LEAD:
        raise ValidationError(
            _("Choose the agency's part (the lead changes only by handing it off)."),
            data={"field": "part"},
        )
    already = CaseParticipant.objects.filter(case=case, agency=joining).first()
    if already is not None:
        raise ValidationError(
            _("%(name)s is already on the case (%(part)s, since %(joined_at)s).")
            % {
                "name": joining.name,
                "part": part_label(already.part).lower(),
                "joined_at": format(already.joined_at, "%Y-%m-%d"),
            },
            data={"field": "agency"},
        )
    refusal = part_refusal(part, joining)
    if refusal:
        raise ValidationError(refusal, data={"field": "part"})
    text = _reason(reason, what=f"{joining.name} joins the case")
    refusal = held_back(case=case, agency=joining, now=now)
    if refusal:
        raise ValidationError(refusal, code="held_back", data={"field": "agency"})
    with transaction.atomic():
        participant = participant_ensure(
            case=case,
            agency=joining,
            now=now,
            part=part,
            joined_via=JoinedVia.ADDED,
            serving=part == ParticipantPart.SERVING_PROVIDER,
            reason=text,
            added_by=actor,
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="participant_added",
            summary=f"{joining.name} joined the case ({part_label(part).lower()}), added by {actor}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.CASE_PARTICIPANT_ADDED,
            record=participant,
            fields=["agency", "part", "reason"],
            detail={"case": case.number, "agency": joining.slug, "part": part},
        )
        _tell(
            joining,
            case=case,
            kind="case_joined",
            subject=f"Your agency joined case {case.number}",
            body=f"{require_member(actor).name} added your agency to case {case.number} "
            f"({part_label(part).lower()}).",
            now=now,
        )
    return participant


def participant_remove(
    *,
    actor: User,
    case: Case | int,
    agency: Agency | int | None,
    reason: str,
    reassign_to: Agency | int | None = None,
    now: datetime | None = None,
) -> None:
    """The lead takes an agency off the case; its open tasks go to ``reassign_to`` first.

    Refused when it would leave an open task with no owner, and for the lead itself (hand
    the lead off first). The removed agency no longer opens the case.
    """
    now = now_or(now)
    case, access = require_case(actor, case)
    _require_lead(actor, access, case, "remove an agency from the case")
    leaving = _member_agency(case, agency, field="agency")
    participant = CaseParticipant.objects.filter(case=case, agency=leaving).first()
    if participant is None:
        raise ValidationError(
            _("%(name)s is not on the case.") % {"name": leaving.name}, data={"field": "agency"}
        )
    if leaving.pk == case.lead_agency_id:
        raise ValidationError(
            _("%(name)s leads the case: hand the lead to another agency before removing it.")
            % {"name": leaving.name},
            data={"field": "agency"},
        )
    text = _reason(reason, what=f"{leaving.name} leaves the case")
    open_tasks = list(
        Task.objects.filter(case=case, owner_agency=leaving, status__in=OPEN_STATUSES)
    )
    target: Agency | None = None
    if reassign_to not in (None, "", 0):
        target = _member_agency(case, reassign_to, field="reassign_to")
        if (
            target.pk == leaving.pk
            or not CaseParticipant.objects.filter(case=case, agency=target).exists()
        ):
            raise ValidationError(
                _("Give the open tasks to another agency on the case."),
                data={"field": "reassign_to"},
            )
    if open_tasks and target is None:
        titles = "; ".join(task.title for task in open_tasks[:3])
        raise ValidationError(
            _(
                "%(name)s still owns %(value)s open task(s) (%(titles)s): choose the "
                "agency on the case that takes them over."
            )
            % {"name": leaving.name, "value": len(open_tasks), "titles": titles},
            data={"field": "reassign_to", "tasks": len(open_tasks)},
        )
    with transaction.atomic():
        for task in open_tasks:
            task = locked(Task, task.pk)
            task.owner_agency = target
            task.assignee = None
            if task.status == TaskStatus.TAKEN:
                task.status = TaskStatus.OPEN
            bump(task, ["owner_agency", "assignee", "status"])
        part = participant.part
        participant.delete()
        moved = f"; its {len(open_tasks)} open task(s) went to {target.name}" if target else ""
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="participant_removed",
            summary=f"{leaving.name} left the case ({part_label(part).lower()}){moved}. "
            f"Reason: {text}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.CASE_PARTICIPANT_REMOVED,
            record=case,
            fields=["participants", "reason"],
            detail={
                "agency": leaving.slug,
                "part": part,
                "tasks_reassigned": len(open_tasks),
                "reassigned_to": target.slug if target else None,
            },
        )
        if target is not None and open_tasks:
            _tell(
                target,
                case=case,
                kind="tasks_reassigned",
                subject=f"Tasks on case {case.number} are now yours",
                body=f"{len(open_tasks)} open task(s) of {leaving.name} on case {case.number} "
                "were given to your agency.",
                now=now,
            )
    return None


def lead_hand_off(
    *,
    actor: User,
    case: Case | int,
    agency: Agency | int | None,
    reason: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> Case:
    """The lead passes to another member agency (which joins if needed); S23 version check."""
    now = now_or(now)
    case, access = require_case(actor, case)
    _require_lead(actor, access, case, "hand off the lead")
    new_lead = _member_agency(case, agency, field="agency")
    if new_lead.pk == case.lead_agency_id:
        raise ValidationError(
            _("%(name)s already leads the case.") % {"name": new_lead.name},
            data={"field": "agency"},
        )
    text = _reason(reason, what=f"{new_lead.name} takes the lead")
    refusal = held_back(case=case, agency=new_lead, now=now)
    if refusal:
        raise ValidationError(refusal, code="held_back", data={"field": "agency"})
    with transaction.atomic():
        case = locked(Case, case.pk)
        check_version(case, expected_version)
        old_lead = case.lead_agency
        case.lead_agency = new_lead
        bump(case, ["lead_agency"])
        previous = CaseParticipant.objects.filter(case=case, agency=old_lead).first()
        if previous is not None and previous.part == ParticipantPart.LEAD:
            previous.part = (
                ParticipantPart.SERVING_PROVIDER
                if previous.is_serving_provider
                else part_for_sector(old_lead.sector)
            )
            previous.save(update_fields=["part"])
        participant_ensure(
            case=case,
            agency=new_lead,
            now=now,
            part=ParticipantPart.LEAD,
            joined_via=JoinedVia.HAND_OFF,
            reason=text,
            added_by=actor,
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="lead_handed_off",
            summary=f"Lead handed from {old_lead.name} to {new_lead.name}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.CASE_LEAD_HANDED_OFF,
            record=case,
            fields=["lead_agency", "reason"],
            detail={"old": old_lead.slug, "new": new_lead.slug},
        )
        _tell(
            new_lead,
            case=case,
            kind="case_lead",
            subject=f"Your agency now leads case {case.number}",
            body=f"{old_lead.name} handed the lead of case {case.number} to your agency.",
            now=now,
        )
    return case


# --- prosecution --------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeProposal:
    """The prosecuting office the protocol proposes for a case, with the rule that said so."""

    agency: Agency | None
    organization: str
    rules: tuple[str, ...]
    explanation: str
    how: tuple[str, ...] = ()


def prosecuting_office_proposal(case: Case) -> OfficeProposal:
    """The protocol's answer to "which prosecuting office takes the case" on its facts now."""
    from .cases import current_evaluation

    evaluation = current_evaluation(case)
    result = evaluation.case.get(PROSECUTING_OFFICE_DECISION)
    if result is None or not result.answered:
        explanation = result.explanation if result is not None else ""
        return OfficeProposal(
            None, "", (), explanation or "The protocol does not say which office takes it."
        )
    value = json_value(result.result)
    rows = value if isinstance(value, list) else [value]
    slug = ""
    for row in rows:
        candidate = row.get(PROSECUTING_OFFICE_OUTPUT) if isinstance(row, dict) else row
        if candidate:
            slug = str(candidate)
            break
    agency = (
        Agency.objects.filter(
            task_force_id=case.task_force_id,
            slug=slug,
            sector=Sector.PROSECUTION,
            is_active=True,
        ).first()
        if slug
        else None
    )
    return OfficeProposal(
        agency, slug, tuple(result.rules), result.explanation, tuple(result.how or ())
    )


def case_prosecution_start(
    *,
    actor: User,
    case: Case | int,
    office: Agency | int | None,
    reason: str = "",
    expected_version: int | None,
    now: datetime | None = None,
) -> Case:
    """Move the case to prosecution with a prosecuting office: the protocol's proposal, or
    another member prosecution agency with a reason. The office joins ("prosecuting"), gets
    the tasks anchored on prosecution, and its prosecutors then see the case."""
    from .cases import _plan_store

    now = now_or(now)
    case, access = require_case(actor, case)
    if not may_start_prosecution(access, lead_agency_id=case.lead_agency_id):
        raise PermissionDenied(
            _(
                "Only the lead agency's investigators or prosecutors and the task force "
                "coordinators may move the case to prosecution."
            ),
            data={"action": "move the case to prosecution"},
        )
    if case.stage in (CaseStage.PROSECUTION, CaseStage.CLOSED):
        raise ValidationError(
            _("The case is already %(stage)s.") % {"stage": case.get_stage_display().lower()},
            data={"field": "office"},
        )
    chosen = _member_agency(case, office, field="office", sectors=[Sector.PROSECUTION])
    proposal = prosecuting_office_proposal(case)
    differs = proposal.agency is None or proposal.agency.pk != chosen.pk
    text = (reason or "").strip()
    if differs and not text:
        proposed = proposal.agency.name if proposal.agency else "no office"
        raise ValidationError(
            _("The protocol proposes %(proposed)s; say why %(name)s takes the case instead.")
            % {"proposed": proposed, "name": chosen.name},
            data={"field": "reason"},
        )
    refusal = held_back(case=case, agency=chosen, now=now)
    if refusal:
        raise ValidationError(refusal, code="held_back", data={"field": "office"})
    with transaction.atomic():
        case = locked(Case, case.pk)
        check_version(case, expected_version)
        old = case.stage
        case.stage = CaseStage.PROSECUTION
        bump(case, ["stage"])
        participant_ensure(
            case=case,
            agency=chosen,
            now=now,
            part=ParticipantPart.PROSECUTING,
            joined_via=JoinedVia.PROSECUTION,
            reason=text,
            added_by=actor,
        )
        _plan, evaluation = _plan_store(
            actor=actor, case=case, agency=require_member(actor), now=now
        )
        created = tasks_for_anchor(
            case=case,
            protocol=case.protocol_version.protocol,
            evaluation=evaluation,
            anchor="prosecution",
            anchor_at=now,
            preferred_owner=chosen,
            produced_by=require_member(actor),
            now=now,
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="stage_changed",
            summary=f"Stage {CaseStage(old).label} → {CaseStage.PROSECUTION.label}: "
            f"{chosen.name} takes the case"
            + ("" if not differs else " (not the office the protocol proposes)"),
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.CASE_STAGE_CHANGED,
            record=case,
            fields=["stage"],
            detail={"old": old, "new": CaseStage.PROSECUTION.value},
        )
        audit(
            actor=actor,
            event=AuditEventType.CASE_PROSECUTION_OFFICE_CHOSEN,
            record=case,
            fields=["prosecuting_office", *(["reason"] if text else [])],
            detail={
                "office": chosen.slug,
                "proposed": proposal.organization or None,
                "rules": list(proposal.rules),
                "differs": differs,
            },
        )
        _tell(
            chosen,
            case=case,
            kind="case_prosecution",
            subject=f"Case {case.number} is yours to prosecute",
            body=f"Case {case.number} moved to prosecution with your office; "
            f"{len(created)} task(s) are on your board.",
            now=now,
        )
    return case
