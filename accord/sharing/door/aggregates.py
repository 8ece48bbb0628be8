"""Case data for counting: codes, dates and counts for the reports app, never a value a person
typed. Coordinators only; immigration-relief counts only for a viewer authorized for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.zones import zone_of
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import FieldClass
from accord.sharing import viewers

from .registry import m

if TYPE_CHECKING:
    from accord.accounts.models import User


#: Age bands and genders an aggregate counts; any other recorded gender counts as "other", so no
#: free text ever leaves the door in a report row.
AGE_BANDS: tuple[str, ...] = ("minor", "adult", "unknown")
GENDERS: tuple[str, ...] = ("female", "male", "nonbinary", "other", "unknown")
TRAFFICKING_TYPES: tuple[str, ...] = ("sex", "labor", "both", "unknown")


@dataclass(frozen=True)
class CaseAggregateRow:
    """One case as a report counts it: codes, a date and counts; never a name, a number, an id or
    free text. Immigration counts are None for a viewer not authorized for them (8 U.S.C. 1367)."""

    stage: str
    incident_kind: str
    trafficking_type: str
    opened_on: date
    referral_accepted: bool
    minutes_to_accept: int | None  # intake to the first accepted referral
    victims: Mapping[tuple[str, str], int]  # (age band, gender) -> potential victims
    tasks_done_on_time: int
    tasks_done_late: int
    tasks_open_overdue: int
    tasks_open_not_due: int
    continued_presence_requests: int | None
    t_visa_requests: int | None
    u_visa_requests: int | None


def _age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return "minor" if age < 18 else "adult"


def _gender(value: str) -> str:
    value = (value or "").strip().lower()
    if value in ("", "unknown"):
        return "unknown"
    return value if value in GENDERS else "other"


def case_aggregate_rows(
    *,
    viewer: User,
    period_start: date,
    period_end: date,
    now: datetime | None = None,
) -> tuple[CaseAggregateRow, ...]:
    """The cases of the viewer's task force opened from ``period_start`` to ``period_end``
    (inclusive, local dates), reduced to what counting needs; coordinators only.

    Reads case-basic codes and counts only (stage, incident kind, the trafficking type fact,
    victims' age band and gender, referral acceptance, task timeliness); immigration-relief
    requests are counted only for a viewer authorized for that class. Writes one audit event
    (RECORD_READ, purpose "aggregate report") naming the fields counted, never values.
    """
    from accord.errors import PermissionDenied, ValidationError

    if viewer.task_force_id is None or not viewer.has_role(Role.COORDINATOR):
        raise PermissionDenied("Only the task force's coordinators run reports.")
    if period_end < period_start:
        raise ValidationError("The period ends before it starts.", data={"field": "period_end"})
    now = now or timezone.now()
    policy_viewer = viewers.viewer_for(viewer)
    immigration = bool(policy_viewer and policy_viewer.immigration_authorized)
    zone = zone_of(viewer.agency.task_force if viewer.agency else None)
    start = datetime.combine(period_start, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(period_end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    cases = list(
        m.Case.objects.filter(
            task_force_id=viewer.task_force_id, opened_at__gte=start, opened_at__lt=end
        )
        .order_by("opened_at", "pk")
        .values_list("pk", "stage", "incident_kind", "facts", "opened_at")
    )
    ids = [row[0] for row in cases]
    victims: dict[int, dict[tuple[str, str], int]] = {pk: {} for pk in ids}
    for case_id, age, gender in m.PotentialVictim.objects.filter(case_id__in=ids).values_list(
        "case_id", "age", "gender"
    ):
        key = (_age_band(age), _gender(gender))
        victims[case_id][key] = victims[case_id].get(key, 0) + 1
    accepted: dict[int, int | None] = {}
    for case_id, minutes in m.Referral.objects.filter(
        case_id__in=ids, accepted_at__isnull=False
    ).values_list("case_id", "minutes_to_accept"):
        best = accepted.get(case_id)
        if case_id not in accepted or (minutes is not None and (best is None or minutes < best)):
            accepted[case_id] = minutes
    hidden_classes = {str(FieldClass.NEVER_SHARED)}
    if not immigration:
        hidden_classes.add(str(FieldClass.IMMIGRATION_1367))
    tasks: dict[int, list[int]] = {pk: [0, 0, 0, 0] for pk in ids}
    for case_id, status, due_at, completed_at in (
        m.Task.objects.filter(case_id__in=ids)
        .exclude(status=m.TaskStatus.CANCELLED)
        .exclude(visibility_class__in=hidden_classes)
        .values_list("case_id", "status", "due_at", "completed_at")
    ):
        if status == m.TaskStatus.DONE:
            late = completed_at is not None and completed_at > due_at
            tasks[case_id][1 if late else 0] += 1
        else:
            tasks[case_id][2 if due_at < now else 3] += 1
    reliefs: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    if immigration:
        for case_id, kind in (
            m.ImmigrationRelief.objects.filter(case_id__in=ids)
            .exclude(status=m.ReliefStatus.DRAFT)
            .values_list("case_id", "kind")
        ):
            reliefs[case_id][kind] = reliefs[case_id].get(kind, 0) + 1

    def relief_count(case_id: int, kind: str) -> int | None:
        return reliefs[case_id].get(kind, 0) if immigration else None

    rows = tuple(
        CaseAggregateRow(
            stage=stage,
            incident_kind=incident_kind,
            trafficking_type=(
                str((facts or {}).get("trafficking_type"))
                if (facts or {}).get("trafficking_type") in TRAFFICKING_TYPES
                else "unknown"
            ),
            opened_on=timezone.localtime(opened_at, zone).date(),
            referral_accepted=pk in accepted,
            minutes_to_accept=accepted.get(pk),
            victims=dict(victims[pk]),
            tasks_done_on_time=tasks[pk][0],
            tasks_done_late=tasks[pk][1],
            tasks_open_overdue=tasks[pk][2],
            tasks_open_not_due=tasks[pk][3],
            continued_presence_requests=relief_count(pk, m.ReliefKind.CONTINUED_PRESENCE),
            t_visa_requests=relief_count(pk, m.ReliefKind.T_VISA_DECLARATION),
            u_visa_requests=relief_count(pk, m.ReliefKind.U_VISA_CERTIFICATION),
        )
        for pk, stage, incident_kind, facts, opened_at in cases
    )
    fields = [
        "case.stage",
        "case.incident_kind",
        "case.facts.trafficking_type",
        "case.opened_at",
        "potentialvictim.age",
        "potentialvictim.gender",
        "referral.accepted_at",
        "referral.minutes_to_accept",
        "task.status",
        "task.due_at",
        "task.completed_at",
    ]
    if immigration:
        fields += ["immigrationrelief.kind", "immigrationrelief.status"]
    audit_record(
        event=AuditEventType.RECORD_READ,
        actor=viewer,
        object_type="cases.aggregate",
        fields=fields,
        purpose="aggregate report",
        detail={
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "cases": len(rows),
            "immigration_counted": immigration,
        },
        task_force_id=viewer.task_force_id,
    )
    return rows
