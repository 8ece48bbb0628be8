"""From rows to counts: the measures of the coordinator dashboard and the funder report.

Pure computation, no queries: the case rows come from the read door
(``accord.sharing.door.case_aggregate_rows``), disagreements and training
compliance as plain tuples from ``accord.reports.selectors``. Every measure
counts cases *opened in the period* (tasks: of those cases; disagreements: raised
in the period; training: as of the period's last day or today, whichever is
earlier). Both reports share these tables; only the funder report suppresses,
and it does so month by month (``funder_view``): see ``docs/reports.md``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from accord.accounts.models import Role
from accord.cases.models import CaseStage, IncidentKind
from accord.sharing.door import AGE_BANDS, GENDERS, TRAFFICKING_TYPES, CaseAggregateRow

from .periods import Period
from .suppression import (
    THRESHOLD,
    CountTable,
    ProtectedTable,
    carry,
    protect,
    protect_linked,
    unprotected,
)

#: The issue's measure: a potential victim matched with a provider within 48 hours of intake.
MATCH_WITHIN_MINUTES = 48 * 60

TRAFFICKING_LABELS = {"sex": "Sex", "labor": "Labor", "both": "Sex and labor", "unknown": "Unknown"}
AGE_LABELS = {"minor": "Minor (under 18)", "adult": "Adult", "unknown": "Age unknown"}
GENDER_LABELS = {
    "female": "Female",
    "male": "Male",
    "nonbinary": "Nonbinary",
    "other": "Another gender",
    "unknown": "Unknown",
}
TRAINING_STATUSES = ("met", "expiring", "missing")
#: Tables that never leave the task force, even suppressed: immigration-relief records are
#: never in exports to others (S11), so the funder report has no immigration table.
INTERNAL_ONLY = frozenset({"immigration"})
#: Tables that are a state on the period's last day, not a sum over its days: a period's
#: table is its last month's table (same people, same day), protected as it is.
SNAPSHOTS = frozenset({"training"})
DISAGREEMENT_STATUSES = ("open", "resolved", "withdrawn")
#: Tables counting the same cases two ways: their grand total (cases opened) is one number,
#: hidden in both or in neither (``protect_linked``).
LINKED = ("cases_by_kind", "cases_by_stage")


@dataclass(frozen=True)
class DisagreementRow:
    """One disagreement raised in the period: the level it is at (open, withdrawn) or was
    decided at (resolved), and its status. Nothing of its question or positions."""

    level: int
    level_name: str
    status: str  # open | resolved | withdrawn
    raised_on: date  # local day, to put it in its month


@dataclass(frozen=True)
class TrainingRow:
    """One person holding one role: their compliance for that role's requirements."""

    role: str
    status: str  # met | expiring | missing


@dataclass(frozen=True)
class ReferralMeasures:
    cases_with_victims: int
    within_48h: int
    accepted: int
    median_minutes: int | None


@dataclass(frozen=True)
class Report:
    """The measures of one period for one task force, before any suppression."""

    period: Period
    tables: tuple[CountTable, ...]
    referrals: ReferralMeasures
    immigration_counted: bool

    def table(self, key: str) -> CountTable:
        return next(t for t in self.tables if t.key == key)


@dataclass(frozen=True)
class Headline:
    """A derived figure as it may be shown: text, and why it is withheld when it is."""

    label: str
    text: str
    withheld_reason: str = ""


@dataclass(frozen=True)
class ReportView:
    """What a page, CSV or PDF shows: protected tables and headline figures."""

    report: Report
    tables: tuple[ProtectedTable, ...]
    headlines: tuple[Headline, ...]
    suppressed: bool


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


def disagreements(rows: Sequence[DisagreementRow]) -> CountTable:
    levels = sorted({(row.level, row.level_name) for row in rows}) or [(1, "Level 1")]
    statuses = ("open", "resolved", "withdrawn")
    return CountTable(
        key="disagreements",
        row_heading="Level",
        title="Disagreements raised in the period, by level of the ladder",
        row_labels=tuple(f"{level}. {name}" for level, name in levels),
        column_labels=("Open (current level)", "Resolved (at level)", "Withdrawn"),
        cells=tuple(
            tuple(
                sum(1 for r in rows if r.level == level and r.status == status)
                for status in statuses
            )
            for level, _ in levels
        ),
    )


def disagreements_by_outcome(rows: Sequence[DisagreementRow]) -> CountTable:
    """The funder report's disagreement table: its shape never depends on the data (the
    ladder levels reached do), so every month of a period has the same table to carry
    suppression over."""
    return CountTable(
        key="disagreements",
        row_heading="Outcome",
        title="Disagreements raised in the period, by outcome",
        row_labels=("Open", "Resolved", "Withdrawn"),
        column_labels=("Disagreements",),
        cells=tuple(
            (sum(1 for r in rows if r.status == status),) for status in DISAGREEMENT_STATUSES
        ),
    )


def training(rows: Sequence[TrainingRow]) -> CountTable:
    roles = [
        (value, str(label)) for value, label in Role.choices if any(r.role == value for r in rows)
    ]
    return CountTable(
        key="training",
        row_heading="Role",
        title="Training compliance, by role (people holding the role)",
        row_labels=tuple(label for _, label in roles) or ("No requirement applies",),
        column_labels=("Met", "Expiring within 60 days", "Missing or expired"),
        cells=tuple(
            tuple(
                sum(1 for r in rows if r.role == value and r.status == s) for s in TRAINING_STATUSES
            )
            for value, _ in roles
        )
        or ((0, 0, 0),),
    )


def build_report(
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


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f} hours"


def headlines(
    report: Report, *, referral_table: ProtectedTable, median_withheld: bool = False
) -> tuple[Headline, ...]:
    """The share matched within 48 hours and the median time to an accepted referral.

    The share is withheld when its numerator or denominator is hidden (it would give the
    hidden count back); the median when ``median_withheld`` (the funder report: fewer than
    5 referrals accepted in the period or in any of its months, as a median of few is
    nearly one person's value)."""
    measures = report.referrals
    hidden = referral_table.suppressed
    share_hidden = ("cell", 0, 0) in hidden or ("grand_total",) in hidden
    if measures.cases_with_victims == 0:
        share = Headline("Matched within 48 hours of intake", "no case with a potential victim")
    elif share_hidden:
        share = Headline(
            "Matched within 48 hours of intake",
            "suppressed",
            "the count behind it is suppressed (fewer than 5)",
        )
    else:
        percent = 100 * measures.within_48h / measures.cases_with_victims
        share = Headline(
            "Matched within 48 hours of intake",
            f"{percent:.0f}% ({measures.within_48h} of {measures.cases_with_victims} cases)",
        )
    label = "Median time from intake to accepted referral"
    if measures.median_minutes is None:
        median = Headline(label, "no referral accepted")
    elif median_withheld:
        median = Headline(label, "suppressed", "fewer than 5 referrals were accepted")
    else:
        median = Headline(label, _hours(measures.median_minutes))
    return share, median


def report_view(report: Report) -> ReportView:
    """The report as members see it inside the task force: every count shown."""
    tables = tuple(unprotected(t) for t in report.tables)
    referral_table = next(t for t in tables if t.table.key == "referrals")
    shown = headlines(report, referral_table=referral_table)
    return ReportView(report=report, tables=tables, headlines=shown, suppressed=False)


def _protect_month(month: Report) -> dict[str, ProtectedTable]:
    """One month's tables protected: each on its own, the linked ones together."""
    protected = {t.key: protect(t) for t in month.tables if t.key not in LINKED}
    linked = [month.table(key) for key in LINKED]
    protected.update(zip(LINKED, protect_linked(linked), strict=True))
    return protected


def funder_view(
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
    whole = build_report(
        period=period,
        case_rows=case_rows,
        disagreement_rows=disagreement_rows,
        training_rows=training_rows,
        for_funders=True,
    )
    months = [
        build_report(
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
