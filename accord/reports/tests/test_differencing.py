"""Funder reports cannot be subtracted from each other (S13, the issue's attack).

Random monthly counts (and random case sets through the real ``funder_view``); every
report the system can produce over a year (12 months, 4 quarters, the year) is made,
and the attacker of ``attack.py`` tries every pair difference, every total minus its
shown cells, every period minus its shown months, and the whole linear system: it
must find no count from 1 to 4.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.cases.models import CaseStage, IncidentKind
from accord.reports.aggregates import LINKED, DisagreementRow, ReportView, funder_view
from accord.reports.periods import Period, month_of, quarter_of, year_of
from accord.reports.suppression import (
    MARKER,
    CountTable,
    ProtectedTable,
    protect,
    protect_over,
)
from accord.sharing.door import AGE_BANDS, GENDERS, TRAFFICKING_TYPES

from . import attack
from .reference import CaseAggregateRow, counts_of_rows

YEAR = 2025
MONTHS = [month_of(date(YEAR, m, 1)) for m in range(1, 13)]
QUARTERS = [quarter_of(date(YEAR, m, 1)) for m in (1, 4, 7, 10)]
PRODUCIBLE = [*MONTHS, *QUARTERS, year_of(date(YEAR, 1, 1))]

counts = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 12))


def _table(cells: tuple[tuple[int, ...], ...], key: str = "t") -> CountTable:
    return CountTable(
        key=key,
        title=key,
        row_labels=tuple(f"r{i}" for i in range(len(cells))),
        column_labels=tuple(f"c{i}" for i in range(len(cells[0]))),
        cells=cells,
    )


def _sum(tables: list[CountTable]) -> CountTable:
    first = tables[0]
    cells = tuple(
        tuple(sum(t.cells[r][c] for t in tables) for c in range(len(row)))
        for r, row in enumerate(first.cells)
    )
    return _table(cells, first.key)


def publish(monthly: list[CountTable], *, carry: bool = True) -> dict[Period, ProtectedTable]:
    """Every producible report of the year; ``carry=False`` is the naive scheme (each period
    protected on its own), kept to show the attacker is not toothless."""
    published = {}
    for period in PRODUCIBLE:
        inside = [
            t for m, t in zip(MONTHS, monthly, strict=True) if period.start <= m.start <= period.end
        ]
        whole = _sum(inside)
        published[period] = protect_over(whole, inside) if carry else protect(whole)
    return published


@st.composite
def years_of_tables(draw) -> list[CountTable]:
    rows, columns = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return [
        _table(tuple(tuple(draw(counts) for _ in range(columns)) for _ in range(rows)))
        for _ in MONTHS
    ]


@settings(max_examples=75, deadline=None)
@given(years_of_tables())
def test_no_small_count_is_recovered_from_any_reports_of_a_year(monthly) -> None:
    published = publish(monthly)
    assert attack.everything(published, MONTHS) == []
    for period, table in published.items():  # and no report shows a count from 1 to 4
        for entry, value in table.table.values().items():
            if 0 < value < 5:
                assert table.shown(entry) == MARKER, f"{period.key} {entry}"


def test_the_attacker_breaks_reports_protected_one_by_one() -> None:
    """The naive scheme: January has 1 in a cell, February and March 6 each. Each report
    alone is fine (1 hidden; 6, 6, 13 shown), yet Q1 - February - March = 1."""
    monthly = [_table(((0, 0), (0, 0))) for _ in MONTHS]
    monthly[0] = _table(((1, 0), (0, 8)))
    monthly[1] = _table(((6, 0), (0, 8)))
    monthly[2] = _table(((6, 0), (0, 8)))
    naive = publish(monthly, carry=False)
    assert naive[QUARTERS[0]].cell(0, 0) == "13"
    assert attack.month_remainders(naive, MONTHS)
    assert attack.determined(naive, MONTHS)
    carried = publish(monthly)
    assert carried[MONTHS[0]].cell(0, 0) == MARKER
    assert carried[QUARTERS[0]].cell(0, 0) == MARKER  # hidden in the quarter too
    assert carried[year_of(date(YEAR, 1, 1))].cell(0, 0) == MARKER
    assert carried[MONTHS[1]].cell(0, 0) == "6"  # February alone has nothing small
    assert attack.everything(carried, MONTHS) == []


def test_the_attacker_subtracts_a_month_from_its_quarter() -> None:
    """The issue's attack with whole periods: January 6, February 2, March 0. Protected one
    by one, Q1 shows 8 and January 6, so Q1 - January = 2 is February's hidden count."""
    monthly = [_table(((0,),)) for _ in MONTHS]
    monthly[0], monthly[1] = _table(((6,),)), _table(((2,),))
    naive = publish(monthly, carry=False)
    assert attack.differences(naive)
    carried = publish(monthly)
    assert carried[QUARTERS[0]].cell(0, 0) == MARKER
    assert carried[MONTHS[0]].cell(0, 0) == "6"
    assert attack.everything(carried, MONTHS) == []


# End to end: random case sets through the real funder view.

case_groups = st.lists(
    st.tuples(
        st.integers(0, 11),  # month
        st.sampled_from(IncidentKind.values),
        st.sampled_from(TRAFFICKING_TYPES),
        st.sampled_from(CaseStage.values),
        st.sampled_from(AGE_BANDS),
        st.sampled_from(GENDERS),
        st.sampled_from([None, 60, 4000]),  # minutes to an accepted referral
        st.integers(1, 7),  # that many identical cases
    ),
    max_size=14,
)


def funder(*, period: Period, case_rows, disagreement_rows, training_rows) -> ReportView:
    """The real funder view of these rows, counted month by month as the door counts them."""
    return funder_view(
        period=period,
        counts=counts_of_rows(case_rows, period),
        disagreement_rows=disagreement_rows,
        training_rows=training_rows,
    )


def _rows(groups) -> list[CaseAggregateRow]:
    rows = []
    for month, kind, kind_of, stage, age, gender, minutes, copies in groups:
        for copy in range(copies):
            rows.append(
                CaseAggregateRow(
                    stage=stage,
                    incident_kind=kind,
                    trafficking_type=kind_of,
                    opened_on=MONTHS[month].start + timedelta(days=copy),
                    referral_accepted=minutes is not None,
                    minutes_to_accept=minutes,
                    victims={(age, gender): 1},
                    tasks_done_on_time=copy % 2,
                    tasks_done_late=0,
                    tasks_open_overdue=1,
                    tasks_open_not_due=0,
                    continued_presence_requests=None,
                    t_visa_requests=None,
                    u_visa_requests=None,
                )
            )
    return rows


@settings(max_examples=25, deadline=None)
@given(
    case_groups,
    st.lists(
        st.tuples(st.integers(0, 11), st.sampled_from(["open", "resolved", "withdrawn"])),
        max_size=12,
    ),
)
def test_random_case_sets_through_the_funder_view(groups, raised) -> None:
    rows = _rows(groups)
    disagreements = [
        DisagreementRow(level=1, level_name="Leads", status=status, raised_on=MONTHS[m].start)
        for m, status in raised
    ]
    views = {
        period: funder(
            period=period,
            case_rows=[r for r in rows if period.start <= r.opened_on <= period.end],
            disagreement_rows=[
                d for d in disagreements if period.start <= d.raised_on <= period.end
            ],
            training_rows=[],
        )
        for period in PRODUCIBLE
    }
    keys = [t.table.key for t in views[MONTHS[0]].tables if t.table.key != "training"]
    for key in keys:
        published = {p: next(t for t in v.tables if t.table.key == key) for p, v in views.items()}
        assert attack.everything(published, MONTHS) == [], key
    for period, view in views.items():
        tables = {t.table.key: t for t in view.tables}
        linked = {("grand_total",) in tables[key].suppressed for key in LINKED}
        assert len(linked) == 1, f"{period.key}: cases opened hidden in one table only"
        median = view.headlines[1]
        accepted = [view.report.referrals.accepted] + [
            views[m].report.referrals.accepted
            for m in MONTHS
            if period.start <= m.start <= period.end
        ]
        if any(0 < n < 5 for n in accepted):
            assert median.text in ("suppressed", "no referral accepted")


def test_carrying_refuses_months_that_are_not_the_periods_parts() -> None:
    import pytest

    january, february = _table(((1, 6),)), _table(((0, 6),))
    with pytest.raises(ValueError, match="do not add up"):
        protect_over(_table(((1, 13),)), [january, february])
    with pytest.raises(ValueError, match="another shape"):
        protect_over(_table(((1, 6), (0, 0))), [january])
    assert protect_over(_sum([january, february]), [january, february]).cell(0, 1) == MARKER


def test_the_median_is_withheld_when_any_month_accepted_few_referrals() -> None:
    """January: 2 referrals accepted, February: 5. Q1 has 7, but its median beside
    February's would narrow January's two times: withheld in Q1 and January."""
    rows = _rows([(0, "other", "sex", "referral", "adult", "female", 60, 2)])
    rows += _rows([(1, "other", "sex", "referral", "adult", "female", 4000, 5)])

    def median(period: Period) -> str:
        inside = [r for r in rows if period.start <= r.opened_on <= period.end]
        view = funder(period=period, case_rows=inside, disagreement_rows=[], training_rows=[])
        return view.headlines[1].text

    assert median(MONTHS[1]) == "66.7 hours"
    assert median(MONTHS[0]) == "suppressed"
    assert median(QUARTERS[0]) == "suppressed"


def test_funders_get_disagreements_by_outcome_a_table_of_fixed_shape() -> None:
    """The dashboard's rows are the ladder levels reached, which differ month to month; the
    funder table's rows are always the three outcomes, so months can be carried."""
    raised = [
        DisagreementRow(level=2, level_name="Chiefs", status="resolved", raised_on=MONTHS[0].start),
        DisagreementRow(level=1, level_name="Leads", status="open", raised_on=MONTHS[1].start),
    ]
    view = funder(period=QUARTERS[0], case_rows=[], disagreement_rows=raised, training_rows=[])
    table = next(t for t in view.tables if t.table.key == "disagreements")
    assert table.table.row_labels == ("Open", "Resolved", "Withdrawn")
    assert [cells for _, cells, _ in table.rows()] == [[MARKER], [MARKER], ["0"]]


def test_cases_opened_is_hidden_in_both_tables_that_show_it_or_in_neither() -> None:
    """Five cases, one of each incident kind, all in referral: the kind table hides its five
    ones and, as a last resort, its total 5. Were the stage table to show "Referral 5",
    five hidden kinds (none is zero: zeros are shown) adding up to 5 are five ones."""
    rows = _rows(
        [(1, kind, "sex", "referral", "adult", "female", None, 1) for kind in IncidentKind.values]
    )
    view = funder(period=MONTHS[1], case_rows=rows, disagreement_rows=[], training_rows=[])
    tables = {t.table.key: t for t in view.tables}
    assert tables["cases_by_kind"].grand_total() == MARKER
    assert tables["cases_by_stage"].grand_total() == MARKER
    assert tables["cases_by_stage"].cell(0, 0) == MARKER  # else it would be the total
    quarter = funder(period=QUARTERS[0], case_rows=rows, disagreement_rows=[], training_rows=[])
    assert {t.table.key: t.grand_total() for t in quarter.tables if t.table.key in LINKED} == {
        "cases_by_kind": MARKER,
        "cases_by_stage": MARKER,
    }
