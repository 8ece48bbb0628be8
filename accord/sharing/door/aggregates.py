"""Case data for counting: counts by code, never a value a person typed, never a case. Coordinators
only; immigration-relief counts only for a viewer authorized for them.

The counting runs in the database (GROUP BY and conditional counts, the same SQL on SQLite and
PostgreSQL): a report of three years reads a few hundred grouped rows, not every case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext

from accord.accounts.models import Role
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.sharing import viewers
from accord.zones import zone_of

from . import rollups
from .registry import m

if TYPE_CHECKING:
    from accord.accounts.models import User


#: Age bands and genders an aggregate counts; any other recorded gender counts as "other", so no
#: free text ever leaves the door in a report count.
AGE_BANDS: tuple[str, ...] = ("minor", "adult", "unknown")
GENDERS: tuple[str, ...] = ("female", "male", "nonbinary", "other", "unknown")
TRAFFICKING_TYPES: tuple[str, ...] = ("sex", "labor", "both", "unknown")
#: Task timeliness, in the order of ``CaseCounts.tasks``.
TASK_STATES: tuple[str, ...] = ("done_on_time", "done_late", "open_overdue", "open_not_due")
#: The issue's measure: a potential victim matched with a provider within 48 hours of intake.
MATCH_WITHIN_MINUTES = 48 * 60


@dataclass(frozen=True)
class CaseCounts:
    """The cases opened from ``start`` to ``end`` (local days), as counts of codes; never a name,
    a number, an id or free text. Codes the reports do not know are kept as they are (a stage
    or incident kind outside the choices) so totals stay honest; the reports drop them."""

    start: date
    end: date
    cases: Mapping[tuple[str, str, str], int]  # (stage, incident kind, trafficking type) -> cases
    victims: Mapping[tuple[str, str], int]  # (age band, gender) -> potential victims
    cases_with_victims: int
    accepted: int  # of those, with an accepted referral
    within_48h: int  # of those, the first accepted within 48 hours of intake
    tasks: tuple[int, int, int, int]  # TASK_STATES
    #: Immigration-relief requests by kind (drafts not counted); None when not authorized.
    reliefs: Mapping[str, int] | None

    @property
    def case_count(self) -> int:
        return sum(self.cases.values())


@dataclass(frozen=True)
class CaseAggregateCounts:
    """A period's counts: one ``CaseCounts`` per part (each calendar month the period touches,
    clipped to it, when asked ``by_month``; else one part), and the minutes from intake to the
    first accepted referral over the whole period (minutes -> cases with a potential victim),
    enough for an exact median and nothing that names a case."""

    parts: tuple[CaseCounts, ...]
    minutes_to_accept: Mapping[int, int]
    immigration_authorized: bool

    @property
    def case_count(self) -> int:
        return sum(part.case_count for part in self.parts)


def gender_code(value: str) -> str:
    """A recorded gender as a report counts it: one of ``GENDERS``."""
    value = (value or "").strip().lower()
    if value in ("", "unknown"):
        return "unknown"
    return value if value in GENDERS else "other"


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    """The start of ``day`` in the task force's zone (explicit: jobs run outside a request)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


def _parts(period_start: date, period_end: date, by_month: bool) -> list[tuple[date, date]]:
    if not by_month:
        return [(period_start, period_end)]
    parts = []
    day = period_start
    while day <= period_end:
        following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        parts.append((day, min(period_end, following - timedelta(days=1))))
        day = following
    return parts


def _part_of(field: str, parts: list[tuple[date, date]], zone: tzinfo) -> Any:
    """An SQL expression: the index of the part holding ``field`` (a moment)."""
    if len(parts) == 1:
        return Value(0, output_field=IntegerField())
    return SqlCase(
        *(
            When(**{f"{field}__lt": _local_midnight(end + timedelta(days=1), zone)}, then=Value(i))
            for i, (_, end) in enumerate(parts[:-1])
        ),
        default=Value(len(parts) - 1),
        output_field=IntegerField(),
    )


def _trafficking_type(value: object) -> str:
    return str(value) if value in TRAFFICKING_TYPES else "unknown"


def cases_opened(*, viewer: User, period_start: date, period_end: date) -> int:
    """How many cases of the viewer's task force were opened in the period (coordinators only):
    one number, read off the index, to decide whether a report runs in the background. Not
    audited on its own: the report's read that follows (``case_aggregate_counts``) is."""
    from accord.errors import PermissionDenied

    if viewer.task_force_id is None or not viewer.has_role(Role.COORDINATOR):
        raise PermissionDenied(gettext("Only the task force's coordinators run reports."))
    zone = zone_of(viewer.agency.task_force if viewer.agency else None)
    return m.Case.objects.filter(
        task_force_id=viewer.task_force_id,
        opened_at__gte=_local_midnight(period_start, zone),
        opened_at__lt=_local_midnight(period_end + timedelta(days=1), zone),
    ).count()


def case_aggregate_counts(
    *,
    viewer: User,
    period_start: date,
    period_end: date,
    now: datetime | None = None,
    by_month: bool = False,
) -> CaseAggregateCounts:
    """Counts of the cases of the viewer's task force opened from ``period_start`` to
    ``period_end`` (inclusive, local dates); coordinators only.

    Reads case-basic codes and counts only (stage, incident kind, the trafficking type fact,
    victims' age band and gender, referral acceptance, task timeliness); immigration-relief
    requests are counted only for a viewer authorized for that class. Five grouped queries,
    whatever the number of cases. Writes one audit event (RECORD_READ, purpose "aggregate
    report") naming the fields counted, never values.
    """
    from accord.errors import PermissionDenied, ValidationError

    if viewer.task_force_id is None or not viewer.has_role(Role.COORDINATOR):
        raise PermissionDenied(gettext("Only the task force's coordinators run reports."))
    if period_end < period_start:
        raise ValidationError(
            gettext("The period ends before it starts."), data={"field": "period_end"}
        )
    now = now or timezone.now()
    policy_viewer = viewers.viewer_for(viewer)
    immigration = bool(policy_viewer and policy_viewer.immigration_authorized)
    task_force_id = int(viewer.task_force_id)
    zone = rollups.task_force_zone(task_force_id)  # once: every step counts in its months
    pieces = _parts(period_start, period_end, True)
    whole = [piece for piece in pieces if _is_whole_month(piece)]
    counted: dict[tuple[date, date], CaseCounts] = {}
    minutes: dict[int, int] = {}
    if whole:
        rolled, rolled_minutes = _rolled_up(
            task_force_id, [s for s, _ in whole], now, immigration, zone
        )
        counted.update(zip(whole, rolled, strict=True))
        _add_into(minutes, rolled_minutes)
    for piece in pieces:
        if piece not in counted:
            (live,), live_minutes = _count_live(task_force_id, [piece], now, immigration, zone)
            counted[piece] = live
            _add_into(minutes, live_minutes)
    if by_month:
        parts: tuple[CaseCounts, ...] = tuple(counted[piece] for piece in pieces)
    else:
        parts = (_sum_counts(period_start, period_end, [counted[p] for p in pieces], immigration),)
    counts = CaseAggregateCounts(
        parts=parts, minutes_to_accept=minutes, immigration_authorized=immigration
    )
    _audit_read(viewer, period_start, period_end, counts, immigration)
    return counts


def _is_whole_month(piece: tuple[date, date]) -> bool:
    start, end = piece
    return start.day == 1 and end + timedelta(days=1) == rollups.next_month(start)


def _add_into(total: dict[Any, int], more: Mapping[Any, int]) -> None:
    for key, count in more.items():
        total[key] = total.get(key, 0) + count


def _sum_counts(start: date, end: date, parts: list[CaseCounts], immigration: bool) -> CaseCounts:
    cases: dict[tuple[str, str, str], int] = {}
    victims: dict[tuple[str, str], int] = {}
    reliefs: dict[str, int] = {}
    for part in parts:
        _add_into(cases, part.cases)
        _add_into(victims, part.victims)
        _add_into(reliefs, part.reliefs or {})
    return CaseCounts(
        start=start,
        end=end,
        cases=cases,
        victims=victims,
        cases_with_victims=sum(p.cases_with_victims for p in parts),
        accepted=sum(p.accepted for p in parts),
        within_48h=sum(p.within_48h for p in parts),
        tasks=(
            sum(p.tasks[0] for p in parts),
            sum(p.tasks[1] for p in parts),
            sum(p.tasks[2] for p in parts),
            sum(p.tasks[3] for p in parts),
        ),
        reliefs=reliefs if immigration else None,
    )


def _rolled_up(
    task_force_id: int, months: list[date], now: datetime, immigration: bool, zone: ZoneInfo
) -> tuple[list[CaseCounts], dict[int, int]]:
    """Whole months from the roll-ups (counted again first where a case changed)."""
    stored = rollups.fresh_months(task_force_id, months, zone)
    hidden = rollups.hidden_classes(immigration)
    today = now.astimezone(UTC).date()
    due_today = rollups.open_tasks_due_on(task_force_id, months, today, now, hidden, zone)
    minutes: dict[int, int] = {}
    result = []
    for month in months:
        raw = stored[month]
        cases: dict[tuple[str, str, str], int] = {}
        with_victims = accepted = within = 0
        for stage, kind, kind_of, victim, was_accepted, was_within, count in raw["cases"]:
            key = (stage, kind, _trafficking_type(kind_of))
            cases[key] = cases.get(key, 0) + count
            if victim:
                with_victims += count
                accepted += count if was_accepted else 0
                within += count if was_within else 0
        victims: dict[tuple[str, str], int] = {}
        for band, gender, count in raw["victims"]:
            victim_key = (band, gender_code(gender))
            victims[victim_key] = victims.get(victim_key, 0) + count
        tasks = [0, 0, *due_today.get(month, (0, 0))]
        for visibility, (on_time, late) in raw["tasks_done"].items():
            if visibility not in hidden:
                tasks[0] += on_time
                tasks[1] += late
        for visibility, days in raw["tasks_open"].items():
            if visibility in hidden:
                continue
            for day, count in days.items():
                due = date.fromisoformat(day)
                if due < today:
                    tasks[2] += count
                elif due > today:
                    tasks[3] += count
        _add_into(minutes, {int(k): v for k, v in raw["minutes"].items()})
        result.append(
            CaseCounts(
                start=month,
                end=rollups.next_month(month) - timedelta(days=1),
                cases=cases,
                victims=victims,
                cases_with_victims=with_victims,
                accepted=accepted,
                within_48h=within,
                tasks=(tasks[0], tasks[1], tasks[2], tasks[3]),
                reliefs=dict(raw["reliefs"]) if immigration else None,
            )
        )
    return result, minutes


def _count_live(
    task_force_id: int,
    parts: list[tuple[date, date]],
    now: datetime,
    immigration: bool,
    zone: ZoneInfo,
) -> tuple[list[CaseCounts], dict[int, int]]:
    """The cases opened in ``parts`` (contiguous) counted from the case tables."""
    start = _local_midnight(parts[0][0], zone)
    end = _local_midnight(parts[-1][1] + timedelta(days=1), zone)
    cases = m.Case.objects.filter(
        task_force_id=task_force_id, opened_at__gte=start, opened_at__lt=end
    )
    of_cases: dict[str, object] = {
        "case__task_force_id": task_force_id,
        "case__opened_at__gte": start,
        "case__opened_at__lt": end,
    }

    accepted_referrals = m.Referral.objects.filter(
        case_id=OuterRef("pk"), accepted_at__isnull=False
    )
    has_victim = Exists(m.PotentialVictim.objects.filter(case_id=OuterRef("pk")))
    by_case: dict[int, dict[tuple[str, str, str], int]] = {i: {} for i in range(len(parts))}
    referral_counts = {i: [0, 0, 0] for i in range(len(parts))}
    for part, stage, kind, kind_of, victim, accepted, within, count in (
        cases.annotate(
            part=_part_of("opened_at", parts, zone),
            kind_of=KeyTextTransform("trafficking_type", "facts"),
            has_victim=has_victim,
            accepted=Exists(accepted_referrals),
            within=Exists(accepted_referrals.filter(minutes_to_accept__lte=MATCH_WITHIN_MINUTES)),
        )
        .order_by()
        .values_list(
            "part", "stage", "incident_kind", "kind_of", "has_victim", "accepted", "within"
        )
        .annotate(count=Count("pk"))
    ):
        key = (stage, kind, _trafficking_type(kind_of))
        by_case[part][key] = by_case[part].get(key, 0) + count
        if victim:
            referral_counts[part][0] += count
            referral_counts[part][1] += count if accepted else 0
            referral_counts[part][2] += count if within else 0

    minutes: dict[int, int] = {}
    first_accept = (
        m.Referral.objects.filter(case_id=OuterRef("pk"), accepted_at__isnull=False)
        .order_by()
        .values("case_id")
        .annotate(least=Min("minutes_to_accept"))
        .values("least")
    )
    for least, count in (
        cases.filter(has_victim)
        .annotate(least=Subquery(first_accept))
        .filter(least__isnull=False)
        .order_by()
        .values_list("least")
        .annotate(count=Count("pk"))
    ):
        minutes[int(least)] = minutes.get(int(least), 0) + count

    victims: dict[int, dict[tuple[str, str], int]] = {i: {} for i in range(len(parts))}
    for part, band, gender, count in (
        m.PotentialVictim.objects.filter(**of_cases)
        .annotate(
            part=_part_of("case__opened_at", parts, zone),
            band=SqlCase(
                When(age__isnull=True, then=Value("unknown")),
                When(age__lt=18, then=Value("minor")),
                default=Value("adult"),
            ),
        )
        .order_by()
        .values_list("part", "band", "gender")
        .annotate(count=Count("pk"))
    ):
        victim_key = (band, gender_code(gender))
        victims[part][victim_key] = victims[part].get(victim_key, 0) + count

    hidden_classes = rollups.hidden_classes(immigration)
    tasks = {i: [0, 0, 0, 0] for i in range(len(parts))}
    for part, state, count in (
        m.Task.objects.filter(**of_cases)
        .exclude(status=m.TaskStatus.CANCELLED)
        .exclude(visibility_class__in=hidden_classes)
        .annotate(
            part=_part_of("case__opened_at", parts, zone),
            state=SqlCase(
                When(status=m.TaskStatus.DONE, completed_at__gt=F("due_at"), then=Value(1)),
                When(status=m.TaskStatus.DONE, then=Value(0)),
                When(due_at__lt=now, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            ),
        )
        .order_by()
        .values_list("part", "state")
        .annotate(count=Count("pk"))
    ):
        tasks[part][state] += count

    reliefs: dict[int, dict[str, int]] = {i: {} for i in range(len(parts))}
    if immigration:
        for part, kind, count in (
            m.ImmigrationRelief.objects.filter(**of_cases)
            .exclude(status=m.ReliefStatus.DRAFT)
            .annotate(part=_part_of("case__opened_at", parts, zone))
            .order_by()
            .values_list("part", "kind")
            .annotate(count=Count("pk"))
        ):
            reliefs[part][kind] = reliefs[part].get(kind, 0) + count

    return [
        CaseCounts(
            start=part_start,
            end=part_end,
            cases=by_case[i],
            victims=victims[i],
            cases_with_victims=referral_counts[i][0],
            accepted=referral_counts[i][1],
            within_48h=referral_counts[i][2],
            tasks=(tasks[i][0], tasks[i][1], tasks[i][2], tasks[i][3]),
            reliefs=reliefs[i] if immigration else None,
        )
        for i, (part_start, part_end) in enumerate(parts)
    ], minutes


def _audit_read(
    viewer: User,
    period_start: date,
    period_end: date,
    counts: CaseAggregateCounts,
    immigration: bool,
) -> None:
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
            "cases": counts.case_count,
            "immigration_counted": immigration,
        },
        task_force_id=viewer.task_force_id,
    )
