"""From the protocol's deadlines to tasks: which apply, who owns them, when they are due.

A deadline fires at its anchor event (intake, a referral sent, an operation's
start ...). Anchors that have not happened yet create their tasks when they
happen; the services call ``tasks_for_anchor`` at those moments. Creation is
idempotent: one task per (case, deadline, anchor instance).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from accord.accounts.models import Agency, Role
from accord.core.evaluate import ProtocolEvaluation, json_value
from accord.core.model import Deadline, Protocol

from .models import Case, CaseEvent, JoinedVia, Task, TaskStatus

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
    named_by_plan: Iterable[Agency] = (),
) -> Agency | None:
    """The owning agency, always one that is (or may become) a participant:

    the member agency the protocol names; else the event's agency (``preferred``) when its
    sector fits; else a participant of the owner's sector, the lead agency first (a local
    police lead never owns a federal agency's duty such as Continued Presence); else an agency
    of that sector the plan's answers name (the provider it refers to, ...). None when no agency of the owner's sector can own it: the caller then creates no
    task and tells the case (a verification finding warns of this before any case).
    """
    if deadline.owner_organization:
        named = agencies.get(deadline.owner_organization)
        if named is not None:
            return named
    sector = deadline.owner_sector.value if deadline.owner_sector else ""
    if preferred is not None and (not sector or preferred.sector == sector):
        return preferred
    lead = case.lead_agency
    if not sector:
        return lead
    members = [lead, *(a for a in participants if a.pk != lead.pk), *named_by_plan]
    for agency in members:
        if agency.sector == sector:
            return agency
    return None


def plan_named_agencies(
    *, case: Case, protocol: Protocol, evaluation: ProtocolEvaluation
) -> list[Agency]:
    """Member agencies the plan's answers name (organizations, and the organizations of the
    services it refers to), in the protocol's decision order."""
    from accord.core.model import OutputKind
    from accord.directory.models import Service

    organizations: list[str] = []
    services: list[str] = []
    for decision in protocol.decisions.values():
        result = evaluation.get(decision.id)
        if result is None or not result.answered:
            continue
        value = json_value(result.result)
        rows = value if isinstance(value, list) else [value]
        for output in decision.outputs:
            if output.kind not in (OutputKind.ORGANIZATION, OutputKind.SERVICE):
                continue
            for row in rows:
                named = row.get(output.name) if isinstance(row, Mapping) else row
                for item in named if isinstance(named, list) else [named]:
                    if not item:
                        continue
                    if output.kind == OutputKind.ORGANIZATION:
                        organizations.append(str(item))
                    else:
                        services.append(str(item))
    if services:
        by_service = dict(
            Service.objects.filter(task_force_id=case.task_force_id, slug__in=services).values_list(
                "slug", "organization__slug"
            )
        )
        organizations += [by_service[s] for s in services if s in by_service]
    if not organizations:
        return []
    agencies = {
        a.slug: a
        for a in Agency.objects.filter(
            task_force_id=case.task_force_id, slug__in=organizations, is_active=True
        )
    }
    ordered: dict[str, Agency] = {}
    for slug in organizations:
        if slug in agencies:
            ordered.setdefault(slug, agencies[slug])
    return list(ordered.values())


def _owner_words(deadline: Deadline) -> str:
    if deadline.owner_organization and deadline.owner_sector:
        return (
            f"{deadline.owner_organization} is not a member agency and no agency of sector "
            f"{deadline.owner_sector.value.replace('_', ' ')} is on the case"
        )
    if deadline.owner_sector:
        return f"No agency of sector {deadline.owner_sector.value.replace('_', ' ')} to own"
    return f"{deadline.owner_organization} is not a member agency"


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
    deadline_ids: Collection[str] | None = None,
) -> list[Task]:
    """Create the tasks ``anchor`` triggers (skipping ones that exist); return the new ones.
    ``deadline_ids`` limits it to those deadlines.

    Every task has an owning agency that is on the case: an owner not yet on it joins (joined
    "by a task"). A deadline no agency can own, or whose owner the law keeps off a provider's
    case, makes no task; the case timeline says why, once.
    """
    from .services._common import event_add, participant_ensure
    from .team import held_back

    applicable = [
        d
        for d in protocol.deadlines
        if d.anchor == anchor
        and (deadline_ids is None or d.id in deadline_ids)
        and deadline_applies(d, evaluation)
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
            for a in Agency.objects.filter(
                task_force_id=case.task_force_id, slug__in=wanted_orgs, is_active=True
            )
        }
        if wanted_orgs
        else {}
    )
    participants = [p.agency for p in case.participants.select_related("agency")]
    joined = {a.pk for a in participants}
    created = []
    untasked: list[str] = []
    named: list[Agency] | None = None  # read only when a deadline needs them
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
        if owner is None and deadline.owner_sector is not None:
            if named is None:
                named = plan_named_agencies(case=case, protocol=protocol, evaluation=evaluation)
            owner = resolve_owner(
                deadline,
                case=case,
                agencies=agencies,
                participants=participants,
                preferred=preferred_owner,
                named_by_plan=named,
            )
        if owner is None:
            untasked.append(f"{_owner_words(deadline)}: {deadline.task}")
            continue
        if owner.pk not in joined:
            refusal = held_back(case=case, agency=owner, now=now)
            if refusal:
                untasked.append(
                    f"Held back until a victim's release names {owner.name}: {deadline.task}"
                )
                continue
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
            )
        )
    if created:
        Task.objects.bulk_create(created)
        for owner in {t.owner_agency for t in created if t.owner_agency is not None}:
            if owner.pk not in joined:  # the plan gave this agency work: it joins the case
                participant_ensure(case=case, agency=owner, now=now, joined_via=JoinedVia.TASK)
                joined.add(owner.pk)
    if untasked:
        told = set(
            CaseEvent.objects.filter(case=case, kind="task_unowned").values_list(
                "summary", flat=True
            )
        )
        for summary in untasked:
            if summary[:400] not in told:
                event_add(
                    case=case,
                    actor=None,
                    agency=produced_by,
                    kind="task_unowned",
                    summary=summary,
                    now=now,
                )
    return created


#: Anchors that have happened for every case by the time an agency can join it.
CATCH_UP_ANCHORS: tuple[str, ...] = ("intake", "victim_identified")


def tasks_catch_up(*, case: Case, produced_by: Agency, now: datetime) -> list[Task]:
    """When an agency joins a case on which a deadline found no owner, the deadline's task is
    created now if the newcomer can own it (a provider joining by referral gets the danger
    assessment that waited for it). Only deadlines with no task at all on the case, and only
    when the case was told of an unowned deadline, so this costs one query otherwise."""
    if not CaseEvent.objects.filter(case=case, kind="task_unowned").exists():
        return []
    from .services.cases import current_evaluation

    protocol = case.protocol_version.protocol
    have = set(Task.objects.filter(case=case).values_list("deadline_id", flat=True))
    missing = {
        d.id for d in protocol.deadlines if d.anchor in CATCH_UP_ANCHORS and d.id not in have
    }
    if not missing:
        return []
    evaluation = current_evaluation(case)
    first_victim = (
        case.potentialvictims.order_by("created_at").values_list("created_at", flat=True).first()
    )
    created = tasks_for_anchor(
        case=case,
        protocol=protocol,
        evaluation=evaluation,
        anchor="intake",
        anchor_at=case.opened_at,
        produced_by=produced_by,
        now=now,
        deadline_ids=missing,
    )
    if first_victim is not None:
        created += tasks_for_anchor(
            case=case,
            protocol=protocol,
            evaluation=evaluation,
            anchor="victim_identified",
            anchor_at=first_victim,
            produced_by=produced_by,
            now=now,
            deadline_ids=missing,
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
