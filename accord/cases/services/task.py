"""Taking, completing and escalating tasks."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass
from accord.errors import NotFound, PermissionDenied, ValidationError
from accord.sharing.door import case_access, task_visible
from accord.zones import local_time, zone_of

from ..models import CaseParticipant, Task, TaskStatus
from ..notifications import notifications_resolve, notify, notify_task
from ._common import (
    agency_recipients,
    audit,
    bump,
    check_version,
    coordinators,
    event_add,
    locked,
    now_or,
    require_case,
    require_member,
)

OPEN = (TaskStatus.OPEN, TaskStatus.TAKEN)


NO_SUCH_TASK = "No such task."


def _due(task: Task) -> str:
    """When ``task`` is due, in its task force's zone with the zone named."""
    return local_time(task.due_at, zone_of(task.case.task_force))


def _task_for(actor: User, task_id: int) -> Task:
    """The task, when the actor may know of it: a task of a case they cannot open, or of a class
    they may not see (an immigration-relief task without the authorization), is answered
    exactly like a missing one (S8, issue 12 item 5), never "it belongs to <agency>"."""
    task = (
        Task.objects.select_related("case", "owner_agency")
        .filter(pk=task_id, case__task_force_id=actor.task_force_id)
        .first()
    )
    if task is None:
        raise NotFound(NO_SUCH_TASK)
    try:
        _case, access = case_access(viewer=actor, case_id=task.case_id)
    except NotFound:
        raise NotFound(NO_SUCH_TASK) from None
    if not task_visible(access, task):
        raise NotFound(NO_SUCH_TASK)
    return task


def _may_act(actor: User, task: Task) -> None:
    if actor.has_role(Role.COORDINATOR):
        return
    if task.owner_agency_id != actor.agency_id:
        owner = task.owner_agency.name if task.owner_agency is not None else "no agency yet"
        raise PermissionDenied(
            _("This task belongs to %(owner)s; only its users may act on it.") % {"owner": owner}
        )
    if task.owner_role and not actor.has_role(task.owner_role):
        raise PermissionDenied(
            _("This task is for a %(owner_role)s of %(owner_agency)s.")
            % {"owner_role": task.owner_role, "owner_agency": task.owner_agency}
        )


def _require_training(actor: User, task: Task, now: datetime) -> None:
    """Work the protocol gates on a certification goes only to people who hold it (issue 8)."""
    from accord.training.selectors import training_gate

    protocol = task.case.protocol_version.protocol
    deadline = next((d for d in protocol.deadlines if d.id == task.deadline_id), None)
    if deadline is None or not deadline.requires_training:
        return
    gate = training_gate(
        user=actor, requirement_ids=deadline.requires_training, on=now.date(), protocol=protocol
    )
    if not gate.allowed:
        raise ValidationError(
            gate.message, data={"field": "assignee", "missing": list(gate.missing)}
        )


def task_take(
    *, actor: User, task_id: int, expected_version: int | None, now: datetime | None = None
) -> Task:
    """A person of the owning agency takes the task: it shows on their own board.

    A task whose deadline requires training can only be taken by someone whose
    certificate is current; the refusal names the missing course.
    """
    now = now_or(now)
    task = _task_for(actor, task_id)
    _may_act(actor, task)
    _require_training(actor, task, now)
    with transaction.atomic():
        task = locked(Task, task.pk)
        check_version(task, expected_version)
        if task.status not in OPEN:
            raise ValidationError(
                _("The task is already %(status)s.") % {"status": task.get_status_display().lower()}
            )
        if task.assignee_id == actor.pk:
            return task
        task.assignee = actor
        task.status = TaskStatus.TAKEN
        bump(task, ["assignee", "status"])
        event_add(
            case=task.case,
            actor=actor,
            agency=require_member(actor),
            kind="task_taken",
            summary=f"{actor} took the task: {task.title}",
            field_class=FieldClass(task.visibility_class),  # the title says what the task is
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_UPDATED,
            record=task,
            fields=["assignee", "status"],
        )
    return task


def task_complete(
    *, actor: User, task_id: int, expected_version: int | None, now: datetime | None = None
) -> Task:
    now = now_or(now)
    task = _task_for(actor, task_id)
    _may_act(actor, task)
    if task.assignee_id and task.assignee_id != actor.pk and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(
            _("%(assignee)s has taken this task; only they may complete it.")
            % {"assignee": task.assignee}
        )
    if not task.assignee_id:  # completing an untaken task assigns it to the actor
        _require_training(actor, task, now)
    with transaction.atomic():
        task = locked(Task, task.pk)
        check_version(task, expected_version)
        if task.status not in OPEN:
            raise ValidationError(
                _("The task is already %(status)s.") % {"status": task.get_status_display().lower()}
            )
        task.status = TaskStatus.DONE
        task.completed_at = now
        task.completed_by = actor
        if not task.assignee_id:
            task.assignee = actor
        bump(task, ["status", "completed_at", "completed_by", "assignee"])
        if task.anchor == "operation_start" and task.operation is not None:
            from .operations import committee_notify

            committee_notify(actor=actor, operation=task.operation, now=now)
        event_add(
            case=task.case,
            actor=actor,
            agency=require_member(actor),
            kind="task_done",
            summary=f"Task done: {task.title}",
            field_class=FieldClass(task.visibility_class),
            now=now,
        )
        audit(actor=actor, event=AuditEventType.RECORD_UPDATED, record=task, fields=["status"])
        notifications_resolve(item=task, now=now)
    return task


def task_complete_for(*, task: Task, actor: User, now: datetime) -> None:
    """Complete a task as the side effect of the work it asks for (no version check)."""
    if task.status in OPEN:
        task.status = TaskStatus.DONE
        task.completed_at = now
        task.completed_by = actor
        if not task.assignee_id:
            task.assignee = actor
        bump(task, ["status", "completed_at", "completed_by", "assignee"])
        notifications_resolve(item=task, now=now)


def tasks_escalate_overdue(*, now: datetime) -> list[Task]:
    """Mark each overdue open task escalated once; tell the owner's agency lead and the coordinators."""
    escalated = []
    candidates = list(
        Task.objects.filter(status__in=OPEN, due_at__lt=now, escalated_at__isnull=True)
        .select_related("case", "owner_agency", "owner_agency__lead")
        .order_by("due_at")[:1000]
    )
    for task in candidates:
        with transaction.atomic():
            updated = Task.objects.filter(
                pk=task.pk, escalated_at__isnull=True, status__in=OPEN
            ).update(escalated_at=now)
            if not updated:
                continue
            task.escalated_at = now
            agency = task.owner_agency or task.case.lead_agency
            event_add(
                case=task.case,
                actor=None,
                agency=agency,
                kind="task_escalated",
                summary=f"Overdue task escalated: {task.title} (due {_due(task)})",
                field_class=FieldClass(task.visibility_class),
                now=now,
            )
            audit(
                actor=None,
                event=AuditEventType.RECORD_UPDATED,
                record=task,
                fields=["escalated_at"],
                detail={"escalated": True},
                task_force_id=task.case.task_force_id,
            )
            recipients = list(coordinators(task.case.task_force_id))
            if task.owner_agency is not None:
                recipients += agency_recipients(task.owner_agency, role=None)
            notify_task(
                task=task,
                recipients=recipients,
                kind="task_escalated",
                compose=lambda title, task=task: (
                    f"Overdue task on case {task.case.number}",
                    f'Case {task.case.number}: "{title}" owned by '
                    f"{task.owner_agency or 'no agency'} was due "
                    f"{_due(task)} and is not done.",
                ),
                now=now,
            )
            escalated.append(task)
    return escalated


def task_reassign(
    *,
    actor: User,
    task: Task | int,
    agency: Agency | int | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> Task:
    """The lead (or a coordinator) gives an open task to another agency on the case.

    The new owner must be on the case (so it can see the task); whoever had taken the task
    lets it go, and the new owner's people are told.
    """
    from .participants import may_manage_team

    now = now_or(now)
    task = _task_for(actor, task.pk if isinstance(task, Task) else task)
    case, access = require_case(actor, task.case_id)
    if not may_manage_team(access, lead_agency_id=case.lead_agency_id):
        raise PermissionDenied(
            _(
                "Only the lead agency (%(name)s) and the task force coordinators may "
                "give a task to another agency."
            )
            % {"name": case.lead_agency.name},
            data={"action": "reassign a task"},
        )
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    participant = (
        CaseParticipant.objects.select_related("agency")
        .filter(case=case, agency_id=agency_id)
        .first()
        if agency_id
        else None
    )
    if participant is None:
        raise ValidationError(
            _("Choose an agency on the case: only agencies on it can see its tasks."),
            data={"field": "agency"},
        )
    new_owner = participant.agency
    with transaction.atomic():
        task = locked(Task, task.pk)
        check_version(task, expected_version)
        if task.status not in OPEN:
            raise ValidationError(
                _("The task is already %(status)s.") % {"status": task.get_status_display().lower()}
            )
        if task.owner_agency_id == new_owner.pk:
            return task
        old_owner = task.owner_agency
        task.owner_agency = new_owner
        task.assignee = None
        task.status = TaskStatus.OPEN
        bump(task, ["owner_agency", "assignee", "status"])
        visible = task.visibility_class == FieldClass.CASE_BASIC
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="task_reassigned",
            summary=(
                f"Task given to {new_owner.name}: {task.title}"
                if visible
                else f"A restricted task was given to {new_owner.name}"
            ),
            field_class=FieldClass.CASE_BASIC,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.TASK_REASSIGNED,
            record=task,
            fields=["owner_agency", "assignee"],
            detail={"old": old_owner.slug if old_owner else None, "new": new_owner.slug},
        )
        if visible:
            notify(
                recipients=agency_recipients(new_owner, role=task.owner_role),
                kind="task_assigned",
                subject=f"New task on case {case.number}",
                body=f"Case {case.number}: {task.title}. Due {_due(task)}.",
                case=case,
                now=now,
                item=task,
            )
    return task
