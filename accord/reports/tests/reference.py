"""The reports as they were counted before issue 15: every case of the period loaded as a row
and counted in Python (the door's ``case_aggregate_rows`` and the row-based tables, kept here
verbatim apart from the permission check and the audit). The equivalence test runs both on the
same cases; ``counts_of_rows`` reduces such rows to the door's counts for the pure tests."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from accord.cases import models as m
from accord.cases.models import CaseStage, IncidentKind
from accord.core.model import FieldClass
from accord.reports.aggregates import (
    AGE_LABELS,
    GENDER_LABELS,
    INTERNAL_ONLY,
    SNAPSHOTS,
    TRAFFICKING_LABELS,
    DisagreementRow,
    Report,
    ReportView,
    TrainingRow,
    ReferralMeasures,
    _protect_month,
    disagreements,
    disagreements_by_outcome,
    headlines,
    training,
)
from accord.reports.periods import Period
from accord.reports.suppression import THRESHOLD, CountTable, carry, protect
from accord.sharing import viewers
from accord.sharing.door import (
    AGE_BANDS,
    GENDERS,
    TRAFFICKING_TYPES,
    CaseAggregateCounts,
    CaseCounts,
)

MATCH_WITHIN_MINUTES = 48 * 60


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


def old_case_aggregate_rows(
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
    now = now or timezone.now()
    policy_viewer = viewers.viewer_for(viewer)
    immigration = bool(policy_viewer and policy_viewer.immigration_authorized)
    zone = timezone.get_current_timezone()
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
    return rows


def _count(rows: Iterable[CaseAggregateRow], **wanted: str) -> int:
    return sum(1 for row in rows if all(getattr(row, k) == v for k, v in wanted.items()))


def cases_by_kind(rows: Sequence[CaseAggregateRow]) -> CountTable:
    return CountTable(
        key="cases_by_kind",
        row_heading="Incident kind",
        title="Cases opened, by incident kind and trafficking type",
        row_labels=tuple(label for _, label in IncidentKind.choices),
        column_labels=tuple(TRAFFICKING_LABELS[t] for t in TRAFFICKING_TYPES),
        cells=tuple(
            tuple(
                _count(rows, incident_kind=kind, trafficking_type=kind_of_trafficking)
                for kind_of_trafficking in TRAFFICKING_TYPES
            )
            for kind in IncidentKind.values
        ),
    )


def cases_by_stage(rows: Sequence[CaseAggregateRow]) -> CountTable:
    return CountTable(
        key="cases_by_stage",
        row_heading="Stage",
        title="Cases opened in the period, by stage today",
        row_labels=tuple(label for _, label in CaseStage.choices),
        column_labels=("Cases",),
        cells=tuple((_count(rows, stage=stage),) for stage in CaseStage.values),
    )


def victims_by_age_and_gender(rows: Sequence[CaseAggregateRow]) -> CountTable:
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        for key, count in row.victims.items():
            totals[key] = totals.get(key, 0) + count
    return CountTable(
        key="victims",
        row_heading="Age band",
        title="Potential victims in those cases, by age band and gender",
        row_labels=tuple(AGE_LABELS[a] for a in AGE_BANDS),
        column_labels=tuple(GENDER_LABELS[g] for g in GENDERS),
        cells=tuple(tuple(totals.get((a, g), 0) for g in GENDERS) for a in AGE_BANDS),
    )


def _with_victims(rows: Sequence[CaseAggregateRow]) -> list[CaseAggregateRow]:
    return [row for row in rows if sum(row.victims.values()) > 0]


def _within(row: CaseAggregateRow) -> bool:
    return (
        row.referral_accepted
        and row.minutes_to_accept is not None
        and row.minutes_to_accept <= MATCH_WITHIN_MINUTES
    )


def referrals(rows: Sequence[CaseAggregateRow]) -> tuple[CountTable, ReferralMeasures]:
    cases = _with_victims(rows)
    within = sum(1 for row in cases if _within(row))
    accepted = sum(1 for row in cases if row.referral_accepted)
    minutes = [
        row.minutes_to_accept
        for row in cases
        if row.referral_accepted and row.minutes_to_accept is not None
    ]
    table = CountTable(
        key="referrals",
        row_heading="Referral",
        title="Cases with a potential victim, by referral accepted",
        row_labels=(
            "Referral accepted within 48 hours of intake",
            "Referral accepted later",
            "No referral accepted yet",
        ),
        column_labels=("Cases",),
        cells=((within,), (accepted - within,), (len(cases) - accepted,)),
        note="Intake is the moment the case was opened; the first accepted referral counts.",
    )
    measures = ReferralMeasures(
        cases_with_victims=len(cases),
        within_48h=within,
        accepted=accepted,
        median_minutes=round(statistics.median(minutes)) if minutes else None,
    )
    return table, measures


def tasks(rows: Sequence[CaseAggregateRow]) -> CountTable:
    return CountTable(
        key="tasks",
        row_heading="Task",
        title="Protocol tasks of those cases",
        row_labels=("Done on time", "Done late", "Open and overdue", "Open, not yet due"),
        column_labels=("Tasks",),
        cells=(
            (sum(r.tasks_done_on_time for r in rows),),
            (sum(r.tasks_done_late for r in rows),),
            (sum(r.tasks_open_overdue for r in rows),),
            (sum(r.tasks_open_not_due for r in rows),),
        ),
    )


def immigration_relief(rows: Sequence[CaseAggregateRow]) -> CountTable:
    return CountTable(
        key="immigration",
        row_heading="Relief",
        title="Immigration relief requested in those cases",
        row_labels=(
            "Continued Presence requests",
            "T visa declarations (I-914 Supplement B)",
            "U visa certifications (I-918 Supplement B)",
        ),
        column_labels=("Requests",),
        cells=(
            (sum(r.continued_presence_requests or 0 for r in rows),),
            (sum(r.t_visa_requests or 0 for r in rows),),
            (sum(r.u_visa_requests or 0 for r in rows),),
        ),
        note="Counted only for coordinators authorized for immigration-relief records.",
    )


def old_build_report(
    *,
    period: Period,
    case_rows: Sequence[CaseAggregateRow],
    disagreement_rows: Sequence[DisagreementRow],
    training_rows: Sequence[TrainingRow],
    for_funders: bool = False,
) -> Report:
    """Every measure of the period. ``for_funders``: no immigration table (S11) and the
    disagreement table of fixed shape (``disagreements_by_outcome``)."""
    referral_table, measures = referrals(case_rows)
    immigration_counted = not for_funders and any(
        row.continued_presence_requests is not None for row in case_rows
    )
    tables = [
        cases_by_kind(case_rows),
        cases_by_stage(case_rows),
        victims_by_age_and_gender(case_rows),
        referral_table,
        tasks(case_rows),
    ]
    if immigration_counted:
        tables.append(immigration_relief(case_rows))
    by_level = disagreements_by_outcome if for_funders else disagreements
    tables += [by_level(disagreement_rows), training(training_rows)]
    return Report(
        period=period,
        tables=tuple(tables),
        referrals=measures,
        immigration_counted=immigration_counted,
    )


def old_funder_view(
    *,
    period: Period,
    case_rows: Sequence[CaseAggregateRow],
    disagreement_rows: Sequence[DisagreementRow],
    training_rows: Sequence[TrainingRow],
) -> ReportView:
    """The funder report of ``period`` as it may leave the task force (S13).

    Each month of the period is counted and protected on its own; the period's table hides
    whatever any month hides (``protect_over``), so no report and no difference of two
    reports gives back a count the months keep hidden. Snapshot tables (training, as of the
    last day) are the last month's table and are protected as they are."""
    whole = old_build_report(
        period=period,
        case_rows=case_rows,
        disagreement_rows=disagreement_rows,
        training_rows=training_rows,
        for_funders=True,
    )
    months = [
        old_build_report(
            period=month,
            case_rows=[r for r in case_rows if month.start <= r.opened_on <= month.end],
            disagreement_rows=[
                r for r in disagreement_rows if month.start <= r.raised_on <= month.end
            ],
            training_rows=training_rows,
            for_funders=True,
        )
        for month in period.months()
    ]
    protected_months = [_protect_month(m) for m in months]
    tables = tuple(
        protect(t) if t.key in SNAPSHOTS else carry(t, [m[t.key] for m in protected_months])
        for t in whole.tables
        if t.key not in INTERNAL_ONLY
    )
    referral_table = next(t for t in tables if t.table.key == "referrals")
    accepted = [whole.referrals.accepted, *(m.referrals.accepted for m in months)]
    shown = headlines(
        whole,
        referral_table=referral_table,
        median_withheld=any(0 < n < THRESHOLD for n in accepted),
    )
    return ReportView(report=whole, tables=tables, headlines=shown, suppressed=True)


def counts_of_rows(rows: Sequence[CaseAggregateRow], period: Period) -> CaseAggregateCounts:
    """Rows counted in Python into the door's counts, month by month (the pure tests' input)."""
    parts = []
    for month in period.months():
        inside = [r for r in rows if month.start <= r.opened_on <= month.end]
        cases: dict = {}
        victims: dict = {}
        for r in inside:
            key = (r.stage, r.incident_kind, r.trafficking_type)
            cases[key] = cases.get(key, 0) + 1
            for v, n in r.victims.items():
                victims[v] = victims.get(v, 0) + n
        with_victims = _with_victims(inside)
        reliefs = None
        if inside and inside[0].continued_presence_requests is not None:
            reliefs = {
                "continued_presence": sum(r.continued_presence_requests for r in inside),
                "t_visa_declaration": sum(r.t_visa_requests for r in inside),
                "u_visa_certification": sum(r.u_visa_requests for r in inside),
            }
        parts.append(
            CaseCounts(
                start=max(month.start, period.start),
                end=min(month.end, period.end),
                cases=cases,
                victims=victims,
                cases_with_victims=len(with_victims),
                accepted=sum(1 for r in with_victims if r.referral_accepted),
                within_48h=sum(1 for r in with_victims if _within(r)),
                tasks=(
                    sum(r.tasks_done_on_time for r in inside),
                    sum(r.tasks_done_late for r in inside),
                    sum(r.tasks_open_overdue for r in inside),
                    sum(r.tasks_open_not_due for r in inside),
                ),
                reliefs=reliefs,
            )
        )
    minutes: dict = {}
    for r in _with_victims([r for r in rows if period.start <= r.opened_on <= period.end]):
        if r.referral_accepted and r.minutes_to_accept is not None:
            minutes[r.minutes_to_accept] = minutes.get(r.minutes_to_accept, 0) + 1
    return CaseAggregateCounts(
        parts=tuple(parts), minutes_to_accept=minutes, immigration_authorized=False
    )
