"""Monthly roll-ups of the case counts (issue 15): a report of years reads one row per month.

A ``CaseCountMonth`` holds the counts of one task force's cases opened in one local month, in raw
codes that do not depend on the viewer or the moment (task visibility class, open tasks by the UTC
day they fall due, relief requests of every kind). Database triggers (migration ``sharing 0005``)
write a ``CaseCountChange`` in the same transaction as any write that changes a counted value;
before a month is read, its changes are looked up and, if there are any (or the month was never
counted, or was cut in another time zone), the month is counted again from the cases under a lock
on its row and the changes it saw are deleted. So a roll-up read is never stale, whatever code
wrote the case. ``rebuild`` counts every month again (repair; the command
``manage.py rebuild_case_counts``); a month without a row is counted on first read, so existing
databases need no data migration.

Only the door reads this module; it returns counts, never a case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
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
from django.db.models.functions import TruncDate
from django.utils import timezone

from accord.core.model import FieldClass
from accord.sharing.models import CaseCountChange, CaseCountMonth

from .registry import m


def task_force_zone(task_force_id: int) -> ZoneInfo:
    """The task force's own zone: months are its local months, whoever reads (a request, the
    periodic job or a background report run outside any request). One query: callers look it
    up once and pass it down."""
    from accord.accounts.models import TaskForce
    from accord.zones import zone_of

    return zone_of(TaskForce.objects.filter(pk=task_force_id).only("time_zone").first())


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _zone_name(zone: ZoneInfo) -> str:
    return str(zone.key)


def count_month(task_force_id: int, month: date, zone: ZoneInfo) -> dict[str, Any]:
    """The raw counts of the cases of a task force opened in a local month (five grouped
    queries, the door's queries restricted to one month). JSON: codes and numbers only."""
    from .aggregates import MATCH_WITHIN_MINUTES, _trafficking_type, gender_code

    start, end = _local_midnight(month, zone), _local_midnight(next_month(month), zone)
    cases = m.Case.objects.filter(
        task_force_id=task_force_id, opened_at__gte=start, opened_at__lt=end
    )
    of_cases = {
        "case__task_force_id": task_force_id,
        "case__opened_at__gte": start,
        "case__opened_at__lt": end,
    }
    accepted_referrals = m.Referral.objects.filter(
        case_id=OuterRef("pk"), accepted_at__isnull=False
    )
    has_victim = Exists(m.PotentialVictim.objects.filter(case_id=OuterRef("pk")))
    case_rows = [
        [stage, kind, _trafficking_type(kind_of), *rest]
        for stage, kind, kind_of, *rest in cases.annotate(
            kind_of=KeyTextTransform("trafficking_type", "facts"),
            has_victim=has_victim,
            accepted=Exists(accepted_referrals),
            within=Exists(accepted_referrals.filter(minutes_to_accept__lte=MATCH_WITHIN_MINUTES)),
        )
        .order_by()
        .values_list("stage", "incident_kind", "kind_of", "has_victim", "accepted", "within")
        .annotate(count=Count("pk"))
    ]
    first_accept = (
        m.Referral.objects.filter(case_id=OuterRef("pk"), accepted_at__isnull=False)
        .order_by()
        .values("case_id")
        .annotate(least=Min("minutes_to_accept"))
        .values("least")
    )
    minutes: dict[str, int] = {}
    for least, count in (
        cases.filter(has_victim)
        .annotate(least=Subquery(first_accept))
        .filter(least__isnull=False)
        .order_by()
        .values_list("least")
        .annotate(count=Count("pk"))
    ):
        minutes[str(int(least))] = minutes.get(str(int(least)), 0) + count
    victim_rows = [
        [band, gender_code(gender), count]  # a code: no typed text is kept
        for band, gender, count in m.PotentialVictim.objects.filter(**of_cases)
        .annotate(
            band=SqlCase(
                When(age__isnull=True, then=Value("unknown")),
                When(age__lt=18, then=Value("minor")),
                default=Value("adult"),
            )
        )
        .order_by()
        .values_list("band", "gender")
        .annotate(count=Count("pk"))
    ]
    done: dict[str, list[int]] = {}
    open_by_day: dict[str, dict[str, int]] = {}
    for visibility, state, day, count in (
        m.Task.objects.filter(**of_cases)
        .exclude(status=m.TaskStatus.CANCELLED)
        .annotate(
            state=SqlCase(
                When(status=m.TaskStatus.DONE, completed_at__gt=F("due_at"), then=Value(1)),
                When(status=m.TaskStatus.DONE, then=Value(0)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            day=TruncDate("due_at", tzinfo=UTC),
        )
        .order_by()
        .values_list("visibility_class", "state", "day")
        .annotate(count=Count("pk"))
    ):
        if state == 2:
            days = open_by_day.setdefault(str(visibility), {})
            days[day.isoformat()] = days.get(day.isoformat(), 0) + count
        else:
            done.setdefault(str(visibility), [0, 0])[state] += count
    reliefs: dict[str, int] = {}
    for kind, count in (
        m.ImmigrationRelief.objects.filter(**of_cases)
        .exclude(status=m.ReliefStatus.DRAFT)
        .order_by()
        .values_list("kind")
        .annotate(count=Count("pk"))
    ):
        reliefs[str(kind)] = reliefs.get(str(kind), 0) + count
    return {
        "cases": case_rows,
        "minutes": minutes,
        "victims": victim_rows,
        "tasks_done": done,
        "tasks_open": open_by_day,
        "reliefs": reliefs,
    }


def _month_of(moment: datetime, zone: tzinfo) -> date:
    local = moment.astimezone(zone)
    return date(local.year, local.month, 1)


def _recount(task_force_id: int, month: date, tz: ZoneInfo) -> dict[str, Any]:
    """Count one month again under a lock on its row; delete the changes it saw."""
    zone = _zone_name(tz)
    CaseCountMonth.objects.get_or_create(
        task_force_id=task_force_id,
        month=month,
        defaults={"zone": "", "counts": {}, "counted_at": timezone.now()},
    )
    with transaction.atomic():
        row = CaseCountMonth.objects.select_for_update().get(
            task_force_id=task_force_id, month=month
        )
        changes = list(
            CaseCountChange.objects.filter(
                task_force_id=task_force_id,
                opened_at__gte=_local_midnight(month, tz),
                opened_at__lt=_local_midnight(next_month(month), tz),
            ).values_list("pk", flat=True)
        )
        if row.zone == zone and row.counts and not changes:
            return dict(row.counts)  # another request counted it meanwhile
        row.counts = count_month(task_force_id, month, tz)
        row.zone = zone
        row.as_of = max(changes, default=row.as_of)
        row.counted_at = timezone.now()
        row.save(update_fields=["counts", "zone", "as_of", "counted_at"])
        for first in range(0, len(changes), 500):
            CaseCountChange.objects.filter(pk__in=changes[first : first + 500]).delete()
        return dict(row.counts)


def fresh_months(
    task_force_id: int, months: list[date], tz: ZoneInfo
) -> dict[date, dict[str, Any]]:
    """The counts of each (contiguous, ascending) month of the task force (whose zone is
    ``tz``), counted again where a case changed."""
    if not months:
        return {}
    zone = _zone_name(tz)
    other_zones = CaseCountMonth.objects.filter(task_force_id=task_force_id).exclude(
        zone__in=(zone, "")
    )
    if other_zones.exists():  # only when the zone changed (tests): no write on a plain read
        other_zones.delete()
    rows = {
        row.month: dict(row.counts)
        for row in CaseCountMonth.objects.filter(
            task_force_id=task_force_id, month__in=months, zone=zone
        )
        if row.counts
    }
    changed = {
        _month_of(moment, tz)
        for moment in CaseCountChange.objects.filter(
            task_force_id=task_force_id,
            opened_at__gte=_local_midnight(months[0], tz),
            opened_at__lt=_local_midnight(next_month(months[-1]), tz),
        )
        .values_list("opened_at", flat=True)
        .distinct()
    }
    for month in months:
        if month not in rows or month in changed:
            rows[month] = _recount(task_force_id, month, tz)
    return rows


def open_tasks_due_on(
    task_force_id: int,
    months: list[date],
    day: date,
    now: datetime,
    hidden: Iterable[str],
    tz: ZoneInfo,
) -> dict[date, tuple[int, int]]:
    """Open tasks falling due on ``day`` (UTC) of the cases opened in ``months``: month ->
    (overdue, not yet due) at ``now``. The roll-up keeps open tasks by day; today's are split
    here, off the (status, due_at) index."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    result: dict[date, tuple[int, int]] = {}
    rows = (
        m.Task.objects.filter(
            case__task_force_id=task_force_id,
            case__opened_at__gte=_local_midnight(months[0], tz),
            case__opened_at__lt=_local_midnight(next_month(months[-1]), tz),
            due_at__gte=start,
            due_at__lt=start + timedelta(days=1),
        )
        # the states still open, named (not "neither done nor cancelled"): so the day's tasks
        # are found on the (status, due_at) index, not by walking every case of the period
        .filter(status__in=(m.TaskStatus.OPEN, m.TaskStatus.TAKEN))
        .exclude(visibility_class__in=list(hidden))
        .values_list("case__opened_at", "due_at")
    )
    for opened_at, due_at in rows:
        month = _month_of(opened_at, tz)
        overdue, not_due = result.get(month, (0, 0))
        result[month] = (overdue + 1, not_due) if due_at < now else (overdue, not_due + 1)
    return result


def hidden_classes(immigration: bool) -> set[str]:
    hidden = {str(FieldClass.NEVER_SHARED)}
    if not immigration:
        hidden.add(str(FieldClass.IMMIGRATION_1367))
    return hidden


def rebuild(task_force_id: int | None = None) -> int:
    """Count again every month that holds a case (of one task force, or all); returns the number
    of months counted. For migration and repair: reads never need it to be right."""
    from django.db.models.functions import TruncMonth

    cases = m.Case.objects.all()
    if task_force_id is not None:
        cases = cases.filter(task_force_id=task_force_id)
    task_forces = cases.order_by().values_list("task_force_id", flat=True).distinct()
    zones = {each: task_force_zone(each) for each in task_forces}
    months = [
        (each, month)
        for each in task_forces
        for month in cases.filter(task_force_id=each)
        .annotate(month=TruncMonth("opened_at", tzinfo=zones[each]))  # the task force's months
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    ]
    stale = CaseCountMonth.objects.all()
    if task_force_id is not None:
        stale = stale.filter(task_force_id=task_force_id)
    stale.delete()
    counted = 0
    for task_force, month in sorted(set(months)):
        _recount(task_force, date(month.year, month.month, 1), zones[task_force])
        counted += 1
    return counted


def recount_changed() -> int:
    """Count again every month a write marked (the periodic job, so reports rarely pay for a
    recount); returns the number of months counted. Reads do not depend on it."""
    from accord.accounts.models import TaskForce

    # A task force deleted with its cases leaves the marks its delete triggers wrote: nothing is
    # left to count, and a month row for it would point at no task force.
    gone = CaseCountChange.objects.exclude(task_force_id__in=TaskForce.objects.values("pk"))
    if gone.exists():
        gone.delete()
    marked = CaseCountChange.objects.order_by().values_list("task_force_id", "opened_at").distinct()
    zones: dict[int, ZoneInfo] = {}
    for task_force_id, _moment in marked:
        if task_force_id not in zones:
            zones[task_force_id] = task_force_zone(task_force_id)
    months = sorted(
        {
            (task_force_id, _month_of(moment, zones[task_force_id]))
            for task_force_id, moment in marked
        }
    )
    for task_force_id, month in months:
        _recount(task_force_id, month, zones[task_force_id])
    return len(months)
