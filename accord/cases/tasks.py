"""From the protocol's deadlines to tasks: which apply, who owns them, when they are due.

A deadline fires at its anchor event (intake, a referral sent, an operation's
start ...). Anchors that have not happened yet create their tasks when they
happen; the services call ``tasks_for_anchor`` at those moments. Creation is
idempotent: one task per (case, deadline, anchor instance).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from accord.accounts.models import Agency
from accord.core.evaluate import ProtocolEvaluation, json_value
from accord.core.model import Deadline, OutputKind, Protocol, title_placeholders
from accord.core.victims import CaseEvaluation
from accord.protocols.roles import account_role

from .evaluation import as_case_evaluation
from .models import Case, CaseEvent, JoinedVia, Task, TaskStatus


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


@dataclass(frozen=True)
class TaskInstance:
    """One task a deadline makes: which occurrence (``anchor_ref``), the evaluation it was
    decided on, the victim it concerns and, for ``for_each`` deadlines, the answer row."""

    anchor_ref: str
    evaluation: ProtocolEvaluation
    victim_label: str = ""
    row: Mapping[str, Any] | None = None


def _rows(
    evaluation: ProtocolEvaluation, decision_id: str, protocol: Protocol
) -> list[Mapping[str, Any]]:
    """An answered decision's rows, each keyed by output name (a one-output table answers
    plain values: they are keyed by that output)."""
    result = evaluation.get(decision_id)
    decision = protocol.decisions.get(decision_id)
    if result is None or not result.answered or decision is None:
        return []
    value = json_value(result.result)
    items = value if isinstance(value, list) else [value] if value is not None else []
    first = decision.outputs[0].name if decision.outputs else "value"
    return [item if isinstance(item, Mapping) else {first: item} for item in items]


def _row_matches(deadline: Deadline, row: Mapping[str, Any]) -> bool:
    """``when_output`` conditions on the ``for_each`` decision select the rows that make tasks."""
    for key, expected in deadline.when_output.items():
        decision_id, _, output = key.partition(".")
        if decision_id == deadline.for_each and row.get(output) != json_value(expected):
            return False
    return True


def _row_key(row: Mapping[str, Any]) -> str:
    return ",".join(str(v) for v in row.values() if v is not None)[:100]


def task_instances(
    deadline: Deadline,
    *,
    protocol: Protocol,
    evaluation: CaseEvaluation,
    anchor_ref: str = "",
    victim_keys: Iterable[str] | None = None,
) -> list[TaskInstance]:
    """The tasks one applicable deadline makes: one for the case, or one for each potential
    victim it concerns, and for a ``for_each`` deadline one for each answer row."""
    if anchor_ref:
        key = next(iter(victim_keys), None) if victim_keys is not None else None
        bases = [
            TaskInstance(
                anchor_ref,
                evaluation.victims.get(key, evaluation.case) if key else evaluation.case,
                evaluation.labels.get(key, "") if key else "",
            )
        ]
    elif protocol.deadline_per_victim(deadline) and evaluation.victims:
        keys = list(victim_keys) if victim_keys is not None else list(evaluation.victims)
        bases = [
            TaskInstance(f"victim:{key}", evaluation.victims[key], evaluation.labels[key])
            for key in keys
            if key in evaluation.victims
        ]
    else:
        bases = [TaskInstance("", evaluation.case)]
    found = [base for base in bases if deadline_applies(deadline, base.evaluation)]
    if not deadline.for_each:
        return found
    expanded = []
    for base in found:
        for row in _rows(base.evaluation, deadline.for_each, protocol):
            if _row_matches(deadline, row):
                ref = f"{base.anchor_ref}|{_row_key(row)}"
                expanded.append(TaskInstance(ref, base.evaluation, base.victim_label, row))
    return expanded


def _display(protocol: Protocol, decision_id: str, output: str, value: Any) -> str:
    if value is None:
        return "(to be decided)"
    decision = protocol.decisions.get(decision_id)
    kind = next((o.kind for o in decision.outputs if o.name == output), None) if decision else None
    if kind in (OutputKind.ORGANIZATION, OutputKind.SERVICE) and str(value) in protocol.directory:
        return protocol.directory[str(value)].name
    return str(value).replace("_", " ")


def task_title(deadline: Deadline, instance: TaskInstance, *, protocol: Protocol) -> str:
    """The deadline's task with ``{victim}`` and ``{decision.output}`` filled in, in words."""
    title = deadline.task
    for name in title_placeholders(deadline.task):
        if name == "victim":
            value = instance.victim_label or "the potential victim"
        else:
            decision_id, _, output = name.partition(".")
            row = (
                instance.row
                if instance.row is not None and decision_id == deadline.for_each
                else next(iter(_rows(instance.evaluation, decision_id, protocol)), None)
            )
            value = _display(protocol, decision_id, output, row.get(output) if row else None)
        title = title.replace("{" + name + "}", value)
    if instance.victim_label and "{victim}" not in deadline.task:
        title = f"{title} ({instance.victim_label})"
    return title[:300]


def _named_organization(deadline: Deadline, instance: TaskInstance, protocol: Protocol) -> str:
    """The organization a ``for_each`` row names (an agency to call), if any."""
    if instance.row is None or not deadline.for_each:
        return ""
    decision = protocol.decisions[deadline.for_each]
    for output in decision.outputs:
        if output.kind is OutputKind.ORGANIZATION and instance.row.get(output.name):
            return str(instance.row[output.name])
    return ""


def tasks_for_anchor(
    *,
    case: Case,
    protocol: Protocol,
    evaluation: CaseEvaluation | ProtocolEvaluation,
    anchor: str,
    anchor_at: datetime,
    anchor_ref: str = "",
    victim_keys: Iterable[str] | None = None,
    preferred_owner: Agency | None = None,
    operation: Any = None,
    produced_by: Agency,
    now: datetime,
    deadline_ids: Collection[str] | None = None,
) -> list[Task]:
    """Create the tasks ``anchor`` triggers (skipping ones that exist); return the new ones.

    ``victim_keys`` limits per-victim deadlines to those victims (a victim added later); with
    ``anchor_ref`` it names the one victim the event concerns (a referral). ``deadline_ids``
    limits it to those deadlines.

    Every task has an owning agency that is on the case: an owner not yet on it joins (joined
    "by a task"). A deadline no agency can own, or whose owner the law keeps off a provider's
    case, makes no task; the case timeline says why, once.
    """
    from .services._common import event_add, participant_ensure
    from .team import held_back

    evaluation = as_case_evaluation(evaluation)
    keys = list(victim_keys) if victim_keys is not None else None
    wanted: list[tuple[Deadline, TaskInstance]] = [
        (deadline, instance)
        for deadline in protocol.deadlines
        if deadline.anchor == anchor and (deadline_ids is None or deadline.id in deadline_ids)
        for instance in task_instances(
            deadline,
            protocol=protocol,
            evaluation=evaluation,
            anchor_ref=anchor_ref,
            victim_keys=keys,
        )
    ]
    if not wanted:
        return []
    existing = set(
        Task.objects.filter(case=case, deadline_id__in={d.id for d, _ in wanted}).values_list(
            "deadline_id", "anchor_ref"
        )
    )
    wanted_orgs = {d.owner_organization for d, _ in wanted if d.owner_organization}
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
    named: dict[int, list[Agency]] = {}  # plan-named agencies, read only when a deadline needs them
    for deadline, instance in wanted:
        if (deadline.id, instance.anchor_ref) in existing:
            continue
        owner = resolve_owner(
            deadline,
            case=case,
            agencies=agencies,
            participants=participants,
            preferred=preferred_owner,
        )
        if owner is None and deadline.owner_sector is not None:
            key = id(instance.evaluation)
            if key not in named:
                named[key] = plan_named_agencies(
                    case=case, protocol=protocol, evaluation=instance.evaluation
                )
            owner = resolve_owner(
                deadline,
                case=case,
                agencies=agencies,
                participants=participants,
                preferred=preferred_owner,
                named_by_plan=named[key],
            )
        title = task_title(deadline, instance, protocol=protocol)
        if owner is None:
            untasked.append(f"{_owner_words(deadline)}: {title}")
            continue
        called = _named_organization(deadline, instance, protocol)
        if called and called == owner.slug:
            continue  # "call X" owned by X itself: nothing to do
        if owner.pk not in joined:
            refusal = held_back(case=case, agency=owner, now=now)
            if refusal:
                untasked.append(f"Held back until a victim's release names {owner.name}: {title}")
                continue
        existing.add((deadline.id, instance.anchor_ref))
        created.append(
            Task(
                case=case,
                produced_by=produced_by,
                created_at=now,
                deadline_id=deadline.id,
                anchor=anchor,
                anchor_ref=instance.anchor_ref,
                title=title,
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
                told.add(summary[:400])
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
    """When an agency joins a case on which a deadline found no owner, the deadline's tasks
    are created now if the newcomer can own them (a provider joining by referral gets the
    danger assessment that waited for it). Only when the case was told of an unowned
    deadline, so this costs one query otherwise; existing tasks are never made twice."""
    if not CaseEvent.objects.filter(case=case, kind="task_unowned").exists():
        return []
    from .services.cases import current_evaluation

    protocol = case.protocol_version.protocol
    waiting = {d.id for d in protocol.deadlines if d.anchor in CATCH_UP_ANCHORS}
    if not waiting:
        return []
    evaluation = current_evaluation(case)
    created = tasks_for_anchor(
        case=case,
        protocol=protocol,
        evaluation=evaluation,
        anchor="intake",
        anchor_at=case.opened_at,
        produced_by=produced_by,
        now=now,
        deadline_ids=waiting,
    )
    for victim_id, identified_at in case.potentialvictims.values_list("pk", "created_at"):
        created += tasks_for_anchor(
            case=case,
            protocol=protocol,
            evaluation=evaluation,
            anchor="victim_identified",
            anchor_at=identified_at,
            victim_keys=[str(victim_id)],
            produced_by=produced_by,
            now=now,
            deadline_ids=waiting,
        )
    return created


def tasks_no_longer_applying(
    *, case: Case, protocol: Protocol, evaluation: CaseEvaluation | ProtocolEvaluation
) -> list[Task]:
    """Open protocol tasks whose conditions stopped holding after a facts change (for a
    per-victim task: her facts; for an answer-row task: the row is no longer in the answer)."""
    evaluation = as_case_evaluation(evaluation)
    by_id = {d.id: d for d in protocol.deadlines}
    stale = []
    for task in Task.objects.filter(
        case=case, status__in=[TaskStatus.OPEN, TaskStatus.TAKEN], deadline_id__in=list(by_id)
    ):
        deadline = by_id[task.deadline_id]
        base_ref, _, row_key = task.anchor_ref.partition("|")
        victim_key = base_ref.partition(":")[2] if base_ref.startswith("victim:") else None
        if victim_key is not None and victim_key not in evaluation.victims:
            stale.append(task)  # her record was removed
            continue
        instance_evaluation = (
            evaluation.victims[victim_key] if victim_key is not None else evaluation.case
        )
        if not deadline_applies(deadline, instance_evaluation) or (
            deadline.for_each
            and row_key
            and not any(
                _row_key(row) == row_key and _row_matches(deadline, row)
                for row in _rows(instance_evaluation, deadline.for_each, protocol)
            )
        ):
            stale.append(task)
    return stale


def referral_tasks_done(
    *, case: Case, protocol: Protocol, victim_id: int, agency_slug: str, now: datetime
) -> list[Task]:
    """The plan's "refer her to X" tasks a referral of that victim to X's agency carries out
    (the service-referral question's rows naming a service or organization of that agency)."""
    referral_decisions = {
        d.id
        for d in protocol.decisions.values()
        if (d.common_question or d.id) == "service_referral"
    }
    by_id = {d.id: d for d in protocol.deadlines if d.for_each in referral_decisions}
    done = []
    for task in Task.objects.filter(
        case=case,
        status__in=[TaskStatus.OPEN, TaskStatus.TAKEN],
        deadline_id__in=list(by_id),
        anchor_ref__startswith=f"victim:{victim_id}|",
    ):
        for value in task.anchor_ref.partition("|")[2].split(","):
            reference = protocol.directory.get(value)
            if reference is None:
                continue
            owner = reference.organization if reference.kind == "service" else reference.id
            if owner == agency_slug:
                task.status = TaskStatus.DONE
                task.completed_at = now
                task.lock_version += 1
                task.save(update_fields=["status", "completed_at", "lock_version"])
                done.append(task)
                break
    return done


def is_overdue(task: Task, *, now: datetime) -> bool:
    return task.status in (TaskStatus.OPEN, TaskStatus.TAKEN) and task.due_at < now
