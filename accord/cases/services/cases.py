"""Opening a case, changing its facts and stage, and the people on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext

from accord.accounts.counters import case_series, counter_next
from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.errors import FactError
from accord.core.evaluate import json_value, validate_facts
from accord.core.model import UNKNOWN, FieldClass, Sector
from accord.core.victims import CaseEvaluation
from accord.errors import ConflictError, PermissionDenied, ValidationError
from accord.protocols.selectors import protocol_in_force
from accord.zones import local_time, zone_of

from ..evaluation import case_evaluation
from ..models import (
    PLACE_FACTOR,
    Case,
    CaseStage,
    IncidentKind,
    InvestigativeNote,
    ResponsePlan,
    SensitiveMaterial,
    SensitiveMaterialKind,
    Suspect,
    Task,
    TaskStatus,
)
from ..notifications import notifications_resolve
from ..plan import plan_changes, plan_compute
from ..tasks import tasks_for_anchor, tasks_no_longer_applying
from ._common import (
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    participant_ensure,
    require_case,
    require_member,
    require_role,
)
from .victims import (
    VictimInput,
    interpreter_requests_for,
    victim_build,
    victims_check,
    victims_from_case_facts,
)

INTAKE_ROLES = (Role.INVESTIGATOR, Role.ADVOCATE, Role.COORDINATOR, Role.PROSECUTOR)
CASE_EDIT_ROLES = (Role.INVESTIGATOR, Role.ADVOCATE, Role.COORDINATOR, Role.PROSECUTOR)
LE_OR_PROSECUTION = frozenset(LAW_ENFORCEMENT_SECTORS | {Sector.PROSECUTION})


@dataclass(frozen=True)
class SuspectInput:
    name: str
    aliases: str = ""
    citizenship: str = ""
    description: str = ""


def _clean_facts(protocol: Any, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts as stored: the factor's value, or "unknown"; outside the domain -> ValidationError."""
    try:
        clean = validate_facts(protocol.factors, facts)
    except FactError as error:
        bad = list(error.data.get("factors", []))
        raise ValidationError(
            gettext("Facts outside the protocol's domains: ") + "; ".join(error.problems),
            data={"field": bad[0] if bad else "facts", "fields": bad},
        ) from error
    return {
        name: UNKNOWN if clean.get(name) is None else json_value(clean[name])
        for name in protocol.factors
    }


def _case_prefix(task_force_slug: str) -> str:
    parts = [p for p in task_force_slug.replace("_", "-").split("-") if p]
    return "".join(p[0] for p in parts).upper()[:4] or "C"


def _place_words(protocol: Any, facts: Mapping[str, Any]) -> str:
    """Where the crime took place, as the protocol's place factor says it (intake asks the
    place once, as that fact); "" when the protocol has no such factor or it is unknown."""
    factor = protocol.factors.get(PLACE_FACTOR)
    value = facts.get(PLACE_FACTOR)
    if factor is None or value in (None, "", UNKNOWN):
        return ""
    return str(value).replace("_", " ").capitalize()[:60]


def case_open(
    *,
    actor: User,
    title: str,
    incident_kind: str,
    facts: Mapping[str, Any],
    intake_token: str,
    victims: Sequence[VictimInput] = (),
    suspects: Sequence[SuspectInput] = (),
    jurisdiction: str = "",
    incident_summary: str = "",
    lead_agency: Agency | None = None,
    now: datetime | None = None,
) -> Case:
    """Intake: store the case, its people, the plan from the protocol in force and its tasks.

    All or nothing: a refused fact, a repeated submission or a failed audit stores nothing.
    """
    now = now_or(now)
    agency = require_member(actor)
    require_role(actor, None, roles=INTAKE_ROLES, action="open a case")
    if suspects and agency.sector not in LE_OR_PROSECUTION:
        raise PermissionDenied(
            gettext("Only law enforcement records suspects."), data={"field": "suspects"}
        )
    if not title.strip():
        raise ValidationError(gettext("Give the case a title."), data={"field": "title"})
    if incident_kind not in IncidentKind.values:
        raise ValidationError(
            gettext("Unknown incident kind %(incident_kind)s.")
            % {"incident_kind": repr(incident_kind)},
            data={"field": "incident_kind"},
        )
    if not intake_token:
        raise ValidationError(
            gettext("The intake form is missing its token; reload it."),
            data={"field": "intake_token"},
        )
    version = protocol_in_force(task_force=agency.task_force)
    if version is None:
        raise ValidationError(
            gettext(
                "No protocol is in force for your task force yet, so no response plan can be made."
            )
        )
    protocol = version.protocol
    stored_facts = _clean_facts(protocol, facts)
    jurisdiction = jurisdiction.strip() or _place_words(protocol, stored_facts)
    victims = victims_from_case_facts(protocol, stored_facts, victims)
    victims_check(protocol, victims)
    lead = lead_agency or agency
    if lead.task_force_id != agency.task_force_id:
        raise ValidationError(
            gettext("The lead agency must be a member of your task force."),
            data={"field": "lead_agency"},
        )
    existing = (
        Case.objects.filter(intake_token=intake_token).values_list("number", flat=True).first()
    )
    if existing:
        raise ConflictError(
            gettext("This intake form was already submitted: it opened case %(existing)s.")
            % {"existing": existing},
            data={"case_number": existing},
        )
    try:
        with transaction.atomic():
            year = now.year
            sequence = _case_sequence_next(task_force_id=agency.task_force_id, year=year)
            case = Case.objects.create(
                task_force_id=agency.task_force_id,
                year=year,
                sequence=sequence,
                number=f"{_case_prefix(agency.task_force.slug)}-{year}-{sequence:04d}",
                title=title.strip()[:200],
                incident_kind=incident_kind,
                stage=CaseStage.REFERRAL,
                lead_agency=lead,
                protocol_version=version,
                facts=stored_facts,
                jurisdiction=jurisdiction,
                incident_summary=incident_summary,
                produced_by=agency,
                opened_by=actor,
                opened_at=now,
                intake_token=intake_token,
            )
            participant_ensure(
                case=case, agency=agency, now=now, serving=agency.sector == Sector.VICTIM_SERVICES
            )
            if lead.pk != agency.pk:
                participant_ensure(case=case, agency=lead, now=now)
            recorded = [
                victim_build(case=case, data=v, index=i, agency=agency, now=now)
                for i, v in enumerate(victims, start=1)
            ]
            for victim in recorded:
                victim.save()
            Suspect.objects.bulk_create(
                [
                    Suspect(
                        case=case,
                        produced_by=agency,
                        created_at=now,
                        name=s.name,
                        aliases=s.aliases,
                        citizenship=s.citizenship,
                        description=s.description,
                    )
                    for s in suspects
                    if s.name.strip()
                ]
            )
            _plan, evaluation = _plan_store(actor=actor, case=case, agency=agency, now=now)
            created = tasks_for_anchor(
                case=case,
                protocol=protocol,
                evaluation=evaluation,
                anchor="intake",
                anchor_at=now,
                produced_by=agency,
                now=now,
            )
            if recorded:
                created += tasks_for_anchor(
                    case=case,
                    protocol=protocol,
                    evaluation=evaluation,
                    anchor="victim_identified",
                    anchor_at=now,
                    produced_by=agency,
                    now=now,
                )
            interpreter_requests_for(actor=actor, case=case, victims=recorded, now=now)
            event_add(
                case=case,
                actor=actor,
                agency=agency,
                kind="case_opened",
                summary=f"Case {case.number} opened ({case.get_incident_kind_display()}) under protocol version {version.number}",
                now=now,
            )
            audit(
                actor=actor,
                event=AuditEventType.CASE_OPENED,
                record=case,
                fields=["facts", "title", "incident_kind", "victims", "suspects"],
                detail={
                    "number": case.number,
                    "protocol_version": version.number,
                    "victims": len(victims),
                    "tasks": len(created),
                },
            )
            _notify_task_owners(case=case, tasks=created, now=now)
    except IntegrityError as error:
        # Only the intake token can collide now (the form sent twice at once); the
        # case number comes from a locked counter and never does.
        opened = (
            Case.objects.filter(intake_token=intake_token).values_list("number", flat=True).first()
        )
        if opened:
            raise ConflictError(
                gettext("This intake form was already submitted: it opened case %(opened)s.")
                % {"opened": opened},
                data={"case_number": opened},
            ) from error
        raise
    return case


def _case_sequence_next(*, task_force_id: int, year: int) -> int:
    """The next case sequence of the year; concurrent intakes wait for it, never collide."""

    def highest_stored() -> int:
        top = Case.objects.filter(task_force_id=task_force_id, year=year).aggregate(
            top=Max("sequence")
        )["top"]
        return int(top or 0)

    return counter_next(task_force_id=task_force_id, name=case_series(year), start=highest_stored)


def _plan_store(
    *, actor: User | None, case: Case, agency: Agency, now: datetime
) -> tuple[ResponsePlan, CaseEvaluation]:
    """A new plan from the case facts and every potential victim's own facts."""
    protocol = case.protocol_version.protocol
    evaluation = case_evaluation(case)
    facts = dict(evaluation.case.facts)
    result = plan_compute(
        protocol=protocol,
        facts=facts,
        task_force_id=case.task_force_id,
        evaluation=evaluation,
    )
    previous = ResponsePlan.objects.filter(case=case).order_by("-generated_at", "-pk").first()
    changes = plan_changes(previous.answers, result.answers) if previous else []
    plan = ResponsePlan.objects.create(
        case=case,
        produced_by=agency,
        created_at=now,
        protocol_version=case.protocol_version,
        facts={k: (UNKNOWN if v is None else json_value(v)) for k, v in facts.items()},
        answers=result.answers,
        unanswered=ResponsePlan.count_unanswered(result.answers),
        changes=changes,
        previous=previous,
        generated_at=now,
        generated_by=actor,
    )
    return plan, result.evaluation


def plan_generate(*, actor: User, case: Case, now: datetime | None = None) -> ResponsePlan:
    """Regenerate the plan from the case's protocol version (e.g. after a directory change)."""
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor,
        access,
        roles=CASE_EDIT_ROLES,
        participant=not actor.has_role(Role.COORDINATOR),
        action="regenerate the plan",
    )
    with transaction.atomic():
        plan, _ = _plan_store(actor=actor, case=case, agency=require_member(actor), now=now)
        audit(actor=actor, event=AuditEventType.PLAN_GENERATED, record=plan, fields=["answers"])
    return plan


def current_evaluation(case: Case) -> CaseEvaluation:
    """The protocol evaluated now for the case and each of its potential victims."""
    return case_evaluation(case)


def case_update_facts(
    *,
    actor: User,
    case: Case | int,
    facts: Mapping[str, Any],
    expected_version: int | None,
    now: datetime | None = None,
) -> ResponsePlan | None:
    """Change facts; a new plan shows what changed; tasks follow. None when nothing changed."""
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor,
        access,
        roles=CASE_EDIT_ROLES,
        participant=not actor.has_role(Role.COORDINATOR),
        action="change the case facts",
    )
    protocol = case.protocol_version.protocol
    bound = protocol.victim_factors()
    if case.potentialvictims.exists():
        personal = sorted(
            k for k in facts if k in bound and facts[k] not in (None, UNKNOWN, case.facts.get(k))
        )
        if personal:
            label = protocol.factors[personal[0]].label or personal[0]
            raise ValidationError(
                gettext(
                    "%(label)s is a fact about each potential victim: change it on her "
                    "record, so that each one is answered from her own facts."
                )
                % {"label": label},
                data={"field": personal[0]},
            )
    merged = {**case.facts, **dict(facts)}
    stored = _clean_facts(protocol, merged)
    with transaction.atomic():
        case = locked(Case, case.pk)
        check_version(case, expected_version)
        changed = sorted(k for k in stored if stored[k] != case.facts.get(k))
        if not changed:
            return None
        case.facts = stored
        bump(case, ["facts"])
        plan, evaluation = _plan_store(
            actor=actor, case=case, agency=require_member(actor), now=now
        )
        _tasks_follow(actor=actor, case=case, evaluation=evaluation, now=now)
        labels = [protocol.factors[k].label or k for k in changed]
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="facts_changed",
            summary="Facts changed: "
            + ", ".join(labels)
            + f"; plan regenerated ({len(plan.changes)} answers changed)",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.CASE_FACTS_CHANGED,
            record=case,
            fields=[f"facts.{k}" for k in changed],
        )
    return plan


def _tasks_follow(*, actor: User, case: Case, evaluation: CaseEvaluation, now: datetime) -> None:
    protocol = case.protocol_version.protocol
    created = tasks_for_anchor(
        case=case,
        protocol=protocol,
        evaluation=evaluation,
        anchor="intake",
        anchor_at=case.opened_at,
        produced_by=require_member(actor),
        now=now,
    )
    for victim_id, identified_at in case.potentialvictims.values_list("pk", "created_at"):
        created += tasks_for_anchor(
            case=case,
            protocol=protocol,
            evaluation=evaluation,
            anchor="victim_identified",
            anchor_at=identified_at,
            victim_keys=[str(victim_id)],
            produced_by=require_member(actor),
            now=now,
        )
    stale = tasks_no_longer_applying(case=case, protocol=protocol, evaluation=evaluation)
    for task in stale:
        task.status = TaskStatus.CANCELLED
        bump(task, ["status"])
        notifications_resolve(item=task, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="task_cancelled",
            summary=f"Task no longer applies after the facts changed: {task.title}",
            field_class=FieldClass(task.visibility_class),  # the title says what the task is
            now=now,
        )
    _notify_task_owners(case=case, tasks=created, now=now)


def _notify_task_owners(*, case: Case, tasks: Sequence[Task], now: datetime) -> None:
    """Tell each owning agency of its new tasks: composed per recipient (a relief task is named
    only to those authorized), stored in one insert, e-mailed by one background job. Every
    recipient's standing on the case is decided once for all the tasks, the case read once for
    all the recipients (``case_standings``)."""
    from accord.sharing.door import case_standings

    from ..notifications import notify_notices, task_notices
    from ._common import owners_recipients

    owned: list[tuple[Task, tuple[int, str]]] = []
    owners: list[tuple[Agency, str]] = []
    for task in tasks:
        if task.owner_agency is None:
            continue
        owned.append((task, (task.owner_agency.pk, task.owner_role)))
        owners.append((task.owner_agency, task.owner_role))
    if not owned:
        return
    recipients = owners_recipients(owners)
    accesses: dict[tuple[int, int], Any] = case_standings(
        users=[user for users in recipients.values() for user in users], case_id=case.pk, now=now
    )
    notices: list[tuple[User, str, str]] = []
    items: list[Task] = []
    for task, who in owned:
        before = len(notices)
        notices += task_notices(
            task=task,
            recipients=recipients[who],
            accesses=accesses,
            compose=lambda title, task=task: (
                f"New task on case {case.number}",
                f"Case {case.number}: {title}. Due {local_time(task.due_at, zone_of(case.task_force))}.",
            ),
        )
        items += [task] * (len(notices) - before)
    if notices:
        notify_notices(notices=notices, kind="task_assigned", case=case, now=now, items=items)


def case_stage_set(
    *,
    actor: User,
    case: Case | int,
    stage: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> Case:
    """Move the case on (referral → investigation → prosecution → closed); the plan follows.

    Prosecution always has a prosecuting office: here the one the protocol proposes (the
    "Move to prosecution" page lets the user choose another, with a reason).
    """
    from .permissions import may_set_stage

    now = now_or(now)
    case, access = require_case(actor, case)
    if not may_set_stage(access, lead_agency_id=case.lead_agency_id):
        raise PermissionDenied(
            gettext(
                "Only the lead agency's investigators and the task force coordinators may change "
                "the case stage."
            ),
            data={"action": "change the case stage"},
        )
    if stage not in CaseStage.values:
        raise ValidationError(
            gettext("Unknown stage %(stage)s.") % {"stage": repr(stage)}, data={"field": "stage"}
        )
    if stage == CaseStage.PROSECUTION and case.stage != CaseStage.PROSECUTION:
        from .participants import case_prosecution_start, prosecuting_office_proposal

        proposal = prosecuting_office_proposal(case)
        if proposal.agency is None:
            raise ValidationError(
                gettext(
                    "The protocol proposes no prosecuting office for these facts: move the case "
                    "with “Move to prosecution” and choose the office."
                ),
                data={"field": "stage"},
            )
        return case_prosecution_start(
            actor=actor,
            case=case,
            office=proposal.agency,
            expected_version=expected_version,
            now=now,
        )
    with transaction.atomic():
        case = locked(Case, case.pk)
        check_version(case, expected_version)
        if case.stage == stage:
            return case
        old = case.stage
        case.stage = stage
        bump(case, ["stage"])
        _plan, evaluation = _plan_store(
            actor=actor, case=case, agency=require_member(actor), now=now
        )
        if stage == CaseStage.CLOSED:
            tasks_for_anchor(
                case=case,
                protocol=case.protocol_version.protocol,
                evaluation=evaluation,
                anchor="case_closed",
                anchor_at=now,
                produced_by=require_member(actor),
                now=now,
            )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="stage_changed",
            summary=f"Stage {CaseStage(old).label} → {CaseStage(stage).label}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.CASE_STAGE_CHANGED,
            record=case,
            fields=["stage"],
            detail={"old": old, "new": stage},
        )
    return case


def suspect_add(
    *, actor: User, case: Case | int, data: SuspectInput, now: datetime | None = None
) -> Suspect:
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR, Role.PROSECUTOR),
        sectors=LE_OR_PROSECUTION,
        action="record a suspect",
    )
    if not data.name.strip():
        raise ValidationError(gettext("Name the suspect (or an alias)."), data={"field": "name"})
    with transaction.atomic():
        suspect = Suspect.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            name=data.name.strip(),
            aliases=data.aliases,
            citizenship=data.citizenship,
            description=data.description,
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="suspect_added",
            summary="Suspect recorded",
            field_class=FieldClass.LE_SENSITIVE,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=suspect,
            fields=["name", "description"],
        )
    return suspect


def note_add(
    *, actor: User, case: Case | int, text: str, now: datetime | None = None
) -> InvestigativeNote:
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR, Role.PROSECUTOR),
        sectors=LE_OR_PROSECUTION,
        action="add an investigative note",
    )
    if not text.strip():
        raise ValidationError(gettext("The note is empty."), data={"field": "text"})
    with transaction.atomic():
        note = InvestigativeNote.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            author=actor,
            text=text.strip(),
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="note_added",
            summary="Investigative note added",
            field_class=FieldClass.LE_SENSITIVE,
            now=now,
        )
        audit(actor=actor, event=AuditEventType.RECORD_CREATED, record=note, fields=["text"])
    return note


def sensitive_material_add(
    *, actor: User, case: Case | int, kind: str, description: str, now: datetime | None = None
) -> SensitiveMaterial:
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR, Role.PROSECUTOR),
        sectors=LE_OR_PROSECUTION,
        action="record grand jury, tax or wiretap material",
    )
    if kind not in SensitiveMaterialKind.values:
        raise ValidationError(
            gettext("Unknown kind %(kind)s.") % {"kind": repr(kind)}, data={"field": "kind"}
        )
    if not description.strip():
        raise ValidationError(gettext("Describe the material."), data={"field": "description"})
    with transaction.atomic():
        row = SensitiveMaterial.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            author=actor,
            kind=kind,
            description=description.strip(),
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="sensitive_material_added",
            summary=f"{row.get_kind_display()} recorded",
            field_class=FieldClass.NEVER_SHARED,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=row,
            fields=["kind", "description"],
        )
    return row
