"""Planned operations: minimal facts to the committee beforehand, a debrief after."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Committee, Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass
from accord.errors import NotFound, PermissionDenied, ValidationError
from accord.schedule import refuse_past
from accord.zones import local_time, zone_of

from ..models import Case, Operation, OperationStatus, Task, TaskStatus
from ..notifications import notify
from ..plan import answer_rows
from ..tasks import tasks_for_anchor
from ._common import (
    agency_recipients,
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

COMMITTEE = "victim_services_committee"


def operation_plan(
    *,
    actor: User,
    case: Case | int,
    name: str,
    window_start: datetime,
    window_end: datetime,
    estimated_victims: int,
    genders: Sequence[str] = (),
    languages: Sequence[str] = (),
    minors_expected: bool = False,
    location: str = "",
    targets: str = "",
    staff_safety_notes: str = "",
    now: datetime | None = None,
) -> Operation:
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR,),
        sectors=LAW_ENFORCEMENT_SECTORS,
        action="plan an operation",
    )
    if window_end <= window_start:
        raise ValidationError(
            gettext("The window must end after it starts."), data={"field": "window_end"}
        )
    refuse_past(window_start, now=now, field="window_start", what="An operation")
    if estimated_victims < 0:
        raise ValidationError(
            gettext("The estimated number of victims cannot be negative."),
            data={"field": "estimated_victims"},
        )
    protocol = case.protocol_version.protocol
    from .cases import _plan_store, case_update_facts, current_evaluation

    with transaction.atomic():
        if (
            "operation_planned" in protocol.factors
            and case.facts.get("operation_planned") is not True
        ):
            case_update_facts(
                actor=actor,
                case=case,
                facts={"operation_planned": True},
                expected_version=None,
                now=now,
            )
            case.refresh_from_db()
        evaluation = current_evaluation(case)
        plan = (
            case.responseplans.first()
            or _plan_store(actor=actor, case=case, agency=require_member(actor), now=now)[0]
        )
        coordinate = any(
            row.get("coordinate") is True
            for row in answer_rows(plan.answers, "operation_coordination")
        )
        operation = Operation.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            name=name.strip() or "Operation",
            coordination_required=coordinate,
            window_start=window_start,
            window_end=window_end,
            estimated_victims=estimated_victims,
            genders=", ".join(genders),
            languages=", ".join(languages),
            minors_expected=minors_expected,
            location=location,
            targets=targets,
            staff_safety_notes=staff_safety_notes,
        )
        ref = f"operation:{operation.pk}"
        for anchor, at in (("operation_planned", now), ("operation_start", window_start)):
            tasks_for_anchor(
                case=case,
                protocol=protocol,
                evaluation=evaluation,
                anchor=anchor,
                anchor_at=at,
                anchor_ref=ref,
                preferred_owner=require_member(actor),
                operation=operation,
                produced_by=require_member(actor),
                now=now,
            )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="operation_planned",
            summary=f"Operation “{operation.name}” planned"
            + (" (committee coordination required)" if coordinate else ""),
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=operation,
            fields=["window_start", "window_end", "location", "targets"],
        )
    return operation


def _operation_for(actor: User, operation_id: int) -> Operation:
    operation = (
        Operation.objects.select_related("case")
        .filter(pk=operation_id, case__task_force_id=actor.task_force_id)
        .first()
    )
    if operation is None:
        raise NotFound(gettext("No such operation."))
    return operation


def minimal_facts_text(operation: Operation) -> str:
    """Exactly the minimal facts the protocol lets out beforehand: never location or targets."""
    zone = zone_of(operation.case.task_force)
    return (
        f"Time window: {local_time(operation.window_start, zone)} to "
        f"{local_time(operation.window_end, zone)}\n"
        f"Estimated number of potential victims: {operation.estimated_victims}\n"
        f"Genders: {operation.genders or 'not known'}\n"
        f"Languages: {operation.languages or 'not known'}\n"
        f"Minors expected: {'yes' if operation.minors_expected else 'no'}"
    )


def committee_notify(*, actor: User, operation: Operation, now: datetime) -> None:
    """Tell the victim services committee the minimal facts (idempotent)."""
    if operation.committee_notified_at is not None:
        return
    committee = Committee.objects.filter(
        task_force_id=operation.case.task_force_id, slug=COMMITTEE
    ).first()
    recipients: list[User] = []
    if committee is not None:
        for agency in committee.agencies.all():
            recipients += agency_recipients(agency, role=Role.ADVOCATE)
    notify(
        recipients=recipients,
        kind="operation_minimal_facts",
        subject=f"Planned operation on case {operation.case.number}: minimal facts",
        body="A task force operation is planned. Minimal facts for the victim services committee:\n"
        + minimal_facts_text(operation),
        case=None,
        now=now,
    )
    Operation.objects.filter(pk=operation.pk).update(committee_notified_at=now)
    operation.committee_notified_at = now
    event_add(
        case=operation.case,
        actor=actor,
        agency=require_member(actor),
        kind="committee_notified",
        summary=f"Victim services committee told the minimal facts of “{operation.name}”",
        now=now,
    )
    audit(
        actor=actor,
        event=AuditEventType.RECORD_UPDATED,
        record=operation,
        fields=[
            "window_start",
            "window_end",
            "estimated_victims",
            "genders",
            "languages",
            "minors_expected",
        ],
        detail={"disclosed_to": COMMITTEE},
    )


def operation_notify_committee(
    *, actor: User, operation_id: int, now: datetime | None = None
) -> Operation:
    """Send the minimal facts and complete the pre-operation coordination task."""
    from .task import task_complete_for

    now = now_or(now)
    operation = _operation_for(actor, operation_id)
    _, access = require_case(actor, operation.case_id)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR,),
        sectors=LAW_ENFORCEMENT_SECTORS,
        action="notify the committee",
    )
    with transaction.atomic():
        committee_notify(actor=actor, operation=operation, now=now)
        for task in Task.objects.filter(operation=operation, anchor="operation_start"):
            task_complete_for(task=task, actor=actor, now=now)
    return operation


def operation_exception_record(
    *,
    actor: User,
    operation_id: int,
    reason: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> Operation:
    """Record why the operation goes ahead without the pre-operation coordination."""
    now = now_or(now)
    operation = _operation_for(actor, operation_id)
    _, access = require_case(actor, operation.case_id)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR,),
        sectors=LAW_ENFORCEMENT_SECTORS,
        action="record a coordination exception",
    )
    if len(reason.strip()) < 10:
        raise ValidationError(
            gettext("Explain the exception (at least a sentence)."), data={"field": "reason"}
        )
    with transaction.atomic():
        operation = locked(Operation, operation.pk)
        check_version(operation, expected_version)
        operation.exception_reason = reason.strip()
        operation.exception_by = actor
        bump(operation, ["exception_reason", "exception_by"])
        event_add(
            case=operation.case,
            actor=actor,
            agency=require_member(actor),
            kind="operation_exception",
            summary=f"Coordination exception recorded for “{operation.name}”",
            field_class=FieldClass.LE_SENSITIVE,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_UPDATED,
            record=operation,
            fields=["exception_reason"],
        )
    return operation


def operation_mark_ready(
    *, actor: User, operation_id: int, expected_version: int | None, now: datetime | None = None
) -> Operation:
    now = now_or(now)
    operation = _operation_for(actor, operation_id)
    _, access = require_case(actor, operation.case_id)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR,),
        sectors=LAW_ENFORCEMENT_SECTORS,
        action="mark an operation ready",
    )
    with transaction.atomic():
        operation = locked(Operation, operation.pk)
        check_version(operation, expected_version)
        if operation.status != OperationStatus.PLANNED:
            raise ValidationError(
                gettext("The operation is already %(status)s.")
                % {"status": operation.get_status_display().lower()}
            )
        pending = Task.objects.filter(operation=operation, anchor="operation_start").exclude(
            status=TaskStatus.DONE
        )
        if operation.coordination_required and pending.exists() and not operation.exception_reason:
            raise ValidationError(
                gettext(
                    "The operation cannot be marked ready: the pre-operation coordination with the victim "
                    "services committee is not done. Complete that task or record an exception."
                ),
                data={"field": "status"},
            )
        operation.status = OperationStatus.READY
        operation.ready_at = now
        bump(operation, ["status", "ready_at"])
        event_add(
            case=operation.case,
            actor=actor,
            agency=require_member(actor),
            kind="operation_ready",
            summary=f"Operation “{operation.name}” marked ready",
            now=now,
        )
        audit(actor=actor, event=AuditEventType.RECORD_UPDATED, record=operation, fields=["status"])
    return operation


def operation_end(
    *, actor: User, operation_id: int, expected_version: int | None, now: datetime | None = None
) -> Operation:
    """The operation is over: the debrief task follows."""
    from .cases import current_evaluation

    now = now_or(now)
    operation = _operation_for(actor, operation_id)
    case, access = require_case(actor, operation.case_id)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR,),
        sectors=LAW_ENFORCEMENT_SECTORS,
        action="end an operation",
    )
    with transaction.atomic():
        operation = locked(Operation, operation.pk)
        check_version(operation, expected_version)
        if operation.status != OperationStatus.READY:
            raise ValidationError(gettext("Only an operation marked ready can be ended."))
        operation.status = OperationStatus.DONE
        operation.ended_at = now
        bump(operation, ["status", "ended_at"])
        tasks_for_anchor(
            case=case,
            protocol=case.protocol_version.protocol,
            evaluation=current_evaluation(case),
            anchor="operation_end",
            anchor_at=now,
            anchor_ref=f"operation:{operation.pk}",
            preferred_owner=operation.produced_by,
            operation=operation,
            produced_by=require_member(actor),
            now=now,
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="operation_ended",
            summary=f"Operation “{operation.name}” ended",
            now=now,
        )
        audit(actor=actor, event=AuditEventType.RECORD_UPDATED, record=operation, fields=["status"])
    return operation


#: Minimal facts the victim services committee was told; a change is told to it again.
MINIMAL_FACTS: frozenset[str] = frozenset(
    {"window_start", "window_end", "estimated_victims", "genders", "languages", "minors_expected"}
)


def _clean_list(value: Any) -> str:
    """Genders or languages as stored: comma-separated, trimmed, no empties."""
    parts = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return ", ".join(p.strip() for p in parts if str(p).strip())


def operation_update(
    *,
    actor: User,
    operation_id: int,
    changes: Mapping[str, Any],
    expected_version: int | None,
    now: datetime | None = None,
) -> Operation:
    """Change an operation's plan (window, estimate, genders, languages, minors, location,
    targets). Only the planning agency's investigators, only fields they are shown; the
    pre-operation tasks follow a moved window; a committee already told the minimal facts is
    told the new ones."""
    from accord.sharing.door import release

    from .permissions import OPERATION_PLAN_FIELDS, operation_fields_editable

    now = now_or(now)
    operation = _operation_for(actor, operation_id)
    case, access = require_case(actor, operation.case_id)
    unknown = sorted(set(changes) - set(OPERATION_PLAN_FIELDS))
    if unknown:
        raise ValidationError(
            gettext("Unknown fields: %(value)s.") % {"value": ", ".join(unknown)},
            data={"field": unknown[0]},
        )
    editable = operation_fields_editable(
        access,
        produced_by_id=operation.produced_by_id,
        status=operation.status,
        visible=release(access, operation).values,
    )
    if not editable:
        raise PermissionDenied(
            gettext(
                "Only the investigators of the law enforcement agency that planned the operation may "
                "change its plan, and only while it is planned or ready."
            ),
            data={"action": "change an operation's plan"},
        )
    refused = sorted(set(changes) - set(editable))
    if refused:
        raise PermissionDenied(
            gettext("You may not change: %(value)s.") % {"value": ", ".join(refused)},
            data={"field": refused[0]},
        )
    clean = dict(changes)
    for name in ("genders", "languages"):
        if name in clean:
            clean[name] = _clean_list(clean[name])
    for name in ("location", "targets"):
        if name in clean:
            clean[name] = str(clean[name] or "").strip()
    if "estimated_victims" in clean:
        if clean["estimated_victims"] is None or int(clean["estimated_victims"]) < 0:
            raise ValidationError(
                gettext("Give the estimated number of victims (0 or more)."),
                data={"field": "estimated_victims"},
            )
        clean["estimated_victims"] = int(clean["estimated_victims"])
    with transaction.atomic():
        operation = locked(Operation, operation.pk)
        check_version(operation, expected_version)
        start = clean.get("window_start", operation.window_start)
        end = clean.get("window_end", operation.window_end)
        if end <= start:
            raise ValidationError(
                gettext("The window must end after it starts."), data={"field": "window_end"}
            )
        if start != operation.window_start:  # moving the window: not into the past
            refuse_past(start, now=now, field="window_start", what="An operation")
        changed = [name for name, value in clean.items() if getattr(operation, name) != value]
        if not changed:
            return operation
        moved_by = start - operation.window_start
        for name in changed:
            setattr(operation, name, clean[name])
        bump(operation, changed)
        if moved_by:
            for task in Task.objects.filter(
                operation=operation,
                anchor="operation_start",
                status__in=[TaskStatus.OPEN, TaskStatus.TAKEN],
            ):
                task.due_at = task.due_at + moved_by
                bump(task, ["due_at"])
        told_again = operation.committee_notified_at is not None and bool(
            MINIMAL_FACTS & set(changed)
        )
        if told_again:
            operation.committee_notified_at = None
            committee_notify(actor=actor, operation=operation, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="operation_updated",
            summary=f"Plan of operation “{operation.name}” changed: "
            + ", ".join(name.replace("_", " ") for name in changed)
            + ("; the committee was told the new minimal facts" if told_again else ""),
            field_class=FieldClass.LE_SENSITIVE,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_UPDATED,
            record=operation,
            fields=changed,
            detail={"committee_told_again": told_again},
        )
    return operation
