"""From counts to tables: the measures of the coordinator dashboard and the funder report.

Pure computation, no queries: the case counts come from the read door, counted in
SQL (``accord.sharing.door.case_aggregate_counts``, month by month for a funder
report), disagreements and training compliance as plain tuples from
``accord.reports.selectors``. Every measure
counts cases *opened in the period* (tasks: of those cases; disagreements: raised
in the period; training: as of the period's last day or today, whichever is
earlier). Both reports share these tables; only the funder report suppresses,
and it does so month by month (``funder_view``): see ``docs/reports.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from accord.accounts.models import Role
from accord.cases.models import CaseStage, IncidentKind, ReliefKind
from accord.sharing.door import (
    AGE_BANDS,
    GENDERS,
    TRAFFICKING_TYPES,
    CaseAggregateCounts,
    CaseCounts,
)

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

RELIEF_KINDS = (
    ReliefKind.CONTINUED_PRESENCE,
    ReliefKind.T_VISA_DECLARATION,
    ReliefKind.U_VISA_CERTIFICATION,
)

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


def merged(parts: Sequence[CaseCounts]) -> CaseCounts:
    """The counts of consecutive parts as one (a period from its months)."""
    cases: dict[tuple[str, str, str], int] = {}
    victims: dict[tuple[str, str], int] = {}
    reliefs: dict[str, int] | None = {} if all(p.reliefs is not None for p in parts) else None
    for part in parts:
        for key, count in part.cases.items():
            cases[key] = cases.get(key, 0) + count
        for victim_key, count in part.victims.items():
            victims[victim_key] = victims.get(victim_key, 0) + count
        if reliefs is not None:
            for kind, count in (part.reliefs or {}).items():
                reliefs[kind] = reliefs.get(kind, 0) + count
    return CaseCounts(
        start=min(p.start for p in parts),
        end=max(p.end for p in parts),
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
        reliefs=reliefs,
    )


def median_of(histogram: Mapping[int, int]) -> int | None:
    """The median of the values a histogram (value -> how many) holds, rounded as
    ``round(statistics.median(values))`` rounds it; None for no value."""
    size = sum(histogram.values())
    if size == 0:
        return None
    wanted = {(size - 1) // 2, size // 2}
    found: dict[int, int] = {}
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        for position in wanted:
            if seen <= position < seen + count:
                found[position] = value
        seen += count
        if len(found) == len(wanted):
            break
    low, high = found[(size - 1) // 2], found[size // 2]
    return round((low + high) / 2)


def _count(counts: CaseCounts, *, stage: str = "", kind: str = "", kind_of: str = "") -> int:
    return sum(
        n
        for (s, k, t), n in counts.cases.items()
        if (not stage or s == stage) and (not kind or k == kind) and (not kind_of or t == kind_of)
    )


def cases_by_kind(counts: CaseCounts) -> CountTable:
    return CountTable(
        key="cases_by_kind",
        row_heading="Incident kind",
        title="Cases opened, by incident kind and trafficking type",
        row_labels=tuple(label for _, label in IncidentKind.choices),
        column_labels=tuple(TRAFFICKING_LABELS[t] for t in TRAFFICKING_TYPES),
        cells=tuple(
            tuple(
                _count(counts, kind=kind, kind_of=kind_of_trafficking)
                for kind_of_trafficking in TRAFFICKING_TYPES
            )
            for kind in IncidentKind.values
        ),
    )


def cases_by_stage(counts: CaseCounts) -> CountTable:
    return CountTable(
        key="cases_by_stage",
        row_heading="Stage",
        title="Cases opened in the period, by stage today",
        row_labels=tuple(label for _, label in CaseStage.choices),
        column_labels=("Cases",),
        cells=tuple((_count(counts, stage=stage),) for stage in CaseStage.values),
    )


def victims_by_age_and_gender(counts: CaseCounts) -> CountTable:
    return CountTable(
        key="victims",
        row_heading="Age band",
        title="Potential victims in those cases, by age band and gender",
        row_labels=tuple(AGE_LABELS[a] for a in AGE_BANDS),
        column_labels=tuple(GENDER_LABELS[g] for g in GENDERS),
        cells=tuple(tuple(counts.victims.get((a, g), 0) for g in GENDERS) for a in AGE_BANDS),
    )


def referrals(
    counts: CaseCounts, minutes: Mapping[int, int] | None = None
) -> tuple[CountTable, ReferralMeasures]:
    """The referral table and measures; the median only when ``minutes`` (a histogram of the
    minutes to the first accepted referral) is given (a month of a funder period needs none)."""
    within, accepted = counts.within_48h, counts.accepted
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
        cells=((within,), (accepted - within,), (counts.cases_with_victims - accepted,)),
        note="Intake is the moment the case was opened; the first accepted referral counts.",
    )
    measures = ReferralMeasures(
        cases_with_victims=counts.cases_with_victims,
        within_48h=within,
        accepted=accepted,
        median_minutes=median_of(minutes or {}),
    )
    return table, measures


def tasks(counts: CaseCounts) -> CountTable:
    return CountTable(
        key="tasks",
        row_heading="Task",
        title="Protocol tasks of those cases",
        row_labels=("Done on time", "Done late", "Open and overdue", "Open, not yet due"),
        column_labels=("Tasks",),
        cells=tuple((n,) for n in counts.tasks),
    )


def immigration_relief(counts: CaseCounts) -> CountTable:
    reliefs = counts.reliefs or {}
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
        cells=tuple((reliefs.get(str(kind), 0),) for kind in RELIEF_KINDS),
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
    counts: CaseCounts,
    minutes_to_accept: Mapping[int, int] | None,
    disagreement_rows: Sequence[DisagreementRow],
    training_rows: Sequence[TrainingRow],
    for_funders: bool = False,
) -> Report:
    """Every measure of the period. ``for_funders``: no immigration table (S11) and the
    disagreement table of fixed shape (``disagreements_by_outcome``)."""
    referral_table, measures = referrals(counts, minutes_to_accept)
    immigration_counted = not for_funders and counts.reliefs is not None and counts.case_count > 0
    tables = [
        cases_by_kind(counts),
        cases_by_stage(counts),
        victims_by_age_and_gender(counts),
        referral_table,
        tasks(counts),
    ]
    if immigration_counted:
        tables.append(immigration_relief(counts))
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
    counts: CaseAggregateCounts,
    disagreement_rows: Sequence[DisagreementRow],
    training_rows: Sequence[TrainingRow],
) -> ReportView:
    """The funder report of ``period`` as it may leave the task force (S13), from its counts
    month by month (``counts.parts``, one per calendar month of the period).

    Each month of the period is counted and protected on its own; the period's table hides
    whatever any month hides (``protect_over``), so no report and no difference of two
    reports gives back a count the months keep hidden. Snapshot tables (training, as of the
    last day) are the last month's table and are protected as they are."""
    months = period.months()
    if [(p.start, p.end) for p in counts.parts] != [(m.start, m.end) for m in months]:
        raise ValueError("a funder report is counted month by month")
    whole = build_report(
        period=period,
        counts=merged(counts.parts),
        minutes_to_accept=counts.minutes_to_accept,
        disagreement_rows=disagreement_rows,
        training_rows=training_rows,
        for_funders=True,
    )
    month_reports = [
        build_report(
            period=month,
            counts=part,
            minutes_to_accept=None,
            disagreement_rows=[
                r for r in disagreement_rows if month.start <= r.raised_on <= month.end
            ],
            training_rows=training_rows,
            for_funders=True,
        )
        for month, part in zip(months, counts.parts, strict=True)
    ]
    protected_months = [_protect_month(m) for m in month_reports]
    tables = tuple(
        protect(t) if t.key in SNAPSHOTS else carry(t, [m[t.key] for m in protected_months])
        for t in whole.tables
        if t.key not in INTERNAL_ONLY
    )
    referral_table = next(t for t in tables if t.table.key == "referrals")
    accepted = [whole.referrals.accepted, *(m.referrals.accepted for m in month_reports)]
    shown = headlines(
        whole,
        referral_table=referral_table,
        median_withheld=any(0 < n < THRESHOLD for n in accepted),
    )
    return ReportView(report=whole, tables=tables, headlines=shown, suppressed=True)
