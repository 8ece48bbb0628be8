"""From the protocol's deadlines to tasks: which apply, who owns them, when they are due.

A deadline fires at its anchor event (intake, a referral sent, an operation's
start ...). Anchors that have not happened yet create their tasks when they
happen; the services call ``tasks_for_anchor`` at those moments. Creation is
idempotent: one task per (case, deadline, anchor instance).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role
from accord.core.evaluate import ProtocolEvaluation, json_value
from accord.core.model import Deadline, Protocol

from .models import Case, Task, TaskStatus

#: Protocol owner roles -> the account role that acts on them.
OWNER_ROLES: Mapping[str, str] = {
    "case_agent": Role.INVESTIGATOR,
    "investigator": Role.INVESTIGATOR,
    "federal_case_agent": Role.INVESTIGATOR,
    "investigating_officer": Role.INVESTIGATOR,
    "advocate": Role.ADVOCATE,
    "case_manager": Role.ADVOCATE,
    "prosecutor": Role.PROSECUTOR,
    "coordinator": Role.COORDINATOR,
    "interpreter_coordinator": Role.INTERPRETER_COORDINATOR,
}


def account_role(owner_role: str) -> str:
    return OWNER_ROLES.get(owner_role, owner_role)


def _outputs_match(when_output: Mapping[str, Any], evaluation: ProtocolEvaluation) -> bool:
    for key, expected in when_output.items():
        decision_id, _, output = key.partition(".")
        result = evaluation.get(decision_id)
        if result is None or not result.answered:
            return False
        value = json_value(result.result)
        rows = value if isinstance(value, list) else [value]
        if not any(
            (row.get(output) if isinstance(row, Mapping) else row) == json_value(expected)
            for row in rows
        ):
            return False
    return True


def deadline_applies(deadline: Deadline, evaluation: ProtocolEvaluation) -> bool:
    """Its fact conditions hold on known facts and its decision outputs were answered as required.

    An unknown fact never satisfies a condition: the task appears once the fact is known.
    """
    for factor_id, condition in deadline.when.items():
        value = evaluation.facts.get(factor_id)
        if value is None or not condition.matches(value):
            return False
    return _outputs_match(deadline.when_output, evaluation)


def resolve_owner(
    deadline: Deadline,
    *,
    case: Case,
    agencies: Mapping[str, Agency],
    participants: Iterable[Agency],
    preferred: Agency | None = None,
) -> Agency | None:
    """The owning agency: named by the protocol, else the event's agency, else a participant
    of the owner's sector (the lead agency first for law enforcement)."""
    if deadline.owner_organization:
        return agencies.get(deadline.owner_organization)
    sector = deadline.owner_sector.value if deadline.owner_sector else ""
    if preferred is not None and (not sector or preferred.sector == sector):
        return preferred
    if sector in LAW_ENFORCEMENT_SECTORS and case.lead_agency.is_law_enforcement:
        return case.lead_agency
    for agency in participants:
        if agency.sector == sector:
            return agency
    return None


def tasks_for_anchor(
    *,
    case: Case,
    protocol: Protocol,
    evaluation: ProtocolEvaluation,
    anchor: str,
    anchor_at: datetime,
    anchor_ref: str = "",
    preferred_owner: Agency | None = None,
    operation: Any = None,
    produced_by: Agency,
    now: datetime,
) -> list[Task]:
    """Create the tasks ``anchor`` triggers (skipping ones that exist); return the new ones."""
    applicable = [
        d for d in protocol.deadlines if d.anchor == anchor and deadline_applies(d, evaluation)
    ]
    if not applicable:
        return []
    existing = set(
        Task.objects.filter(
            case=case, anchor_ref=anchor_ref, deadline_id__in=[d.id for d in applicable]
        ).values_list("deadline_id", flat=True)
    )
    wanted_orgs = {d.owner_organization for d in applicable if d.owner_organization}
    agencies = (
        {
            a.slug: a
            for a in Agency.objects.filter(task_force_id=case.task_force_id, slug__in=wanted_orgs)
        }
        if wanted_orgs
        else {}
    )
    participants = [p.agency for p in case.participants.select_related("agency")]
    created = []
    for deadline in applicable:
        if deadline.id in existing:
            continue
        owner = resolve_owner(
            deadline,
            case=case,
            agencies=agencies,
            participants=participants,
            preferred=preferred_owner,
        )
        created.append(
            Task(
                case=case,
                produced_by=produced_by,
                created_at=now,
                deadline_id=deadline.id,
                anchor=anchor,
                anchor_ref=anchor_ref,
                title=deadline.task,
                owner_agency=owner,
                owner_sector=deadline.owner_sector.value if deadline.owner_sector else "",
                owner_role=account_role(deadline.owner_role),
                due_at=anchor_at + timedelta(minutes=deadline.offset_minutes),
                operation=operation,
                visibility_class=deadline.field_class,  # who may learn of it (issue 12, item 5)
            )
        )
    if created:
        Task.objects.bulk_create(created)
        from .models import CaseParticipant

        joined = {p.pk for p in participants}
        for owner in {t.owner_agency for t in created if t.owner_agency is not None}:
            if owner.pk not in joined:  # the plan assigned work to this agency: it joins the case
                CaseParticipant.objects.get_or_create(
                    case=case, agency=owner, defaults={"joined_at": now}
                )
    return created


def tasks_no_longer_applying(
    *, case: Case, protocol: Protocol, evaluation: ProtocolEvaluation
) -> list[Task]:
    """Open protocol tasks whose conditions stopped holding after a facts change."""
    by_id = {d.id: d for d in protocol.deadlines}
    stale = []
    for task in Task.objects.filter(
        case=case, status__in=[TaskStatus.OPEN, TaskStatus.TAKEN], deadline_id__in=list(by_id)
    ):
        if not deadline_applies(by_id[task.deadline_id], evaluation):
            stale.append(task)
    return stale


def is_overdue(task: Task, *, now: datetime) -> bool:
    return task.status in (TaskStatus.OPEN, TaskStatus.TAKEN) and task.due_at < now
