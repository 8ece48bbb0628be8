"""Small-cell suppression (S13): no count from 1 to 4 leaves, and none can be worked back.

The independent check of "worked back" uses numpy's matrix rank (floating point, a
different method from the module's exact elimination): a hidden entry is recoverable
exactly when adding its unit vector to the shown equations does not raise the rank.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.reports.suppression import (
    GRAND,
    MARKER,
    THRESHOLD,
    CountTable,
    determined_entries,
    protect,
)

counts = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def tables(draw) -> CountTable:
    rows = draw(st.integers(1, 5))
    columns = draw(st.integers(1, 5))
    cells = tuple(tuple(draw(counts) for _ in range(columns)) for _ in range(rows))
    return CountTable(
        key="t",
        title="t",
        row_labels=tuple(f"r{i}" for i in range(rows)),
        column_labels=tuple(f"c{i}" for i in range(columns)),
        cells=cells,
    )


def recoverable(table: CountTable, hidden: set) -> list:
    """Hidden entries the shown equations pin down (rank test, numpy)."""
    order = sorted(hidden, key=repr)
    if not order:
        return []
    index = {e: i for i, e in enumerate(order)}
    rows = []
    for parts, total in table.lines():
        row = np.zeros(len(order))
        for part in parts:
            if part in index:
                row[index[part]] += 1
        if total in index:
            row[index[total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for entry, i in index.items():
        unit = np.zeros(len(order))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(entry)
    return found


@settings(max_examples=600, deadline=None)
@given(tables())
def test_no_small_count_survives_and_none_can_be_worked_back(table: CountTable) -> None:
    protected = protect(table)
    values = table.values()
    hidden = set(protected.suppressed)
    for entry, value in values.items():
        shown = protected.shown(entry)
        if 0 < value < THRESHOLD:
            assert shown == MARKER, f"{entry}={value} shown"
        elif value == 0:
            assert shown == "0", "zeros point at nobody and are shown as they are"
        else:
            assert shown in (str(value), MARKER)  # >= 5: shown as it is, or hidden to protect
    assert recoverable(table, hidden) == []
    for parts, total in table.lines():
        line_hidden = [e for e in (*parts, total) if e in hidden]
        assert len(line_hidden) != 1, f"a lone hidden entry in {parts} -> {total}"
        if line_hidden and total not in hidden:
            # the hidden cells add up to a known sum: it must not prove they are all small
            known_sum = values[total] - sum(values[e] for e in parts if e not in hidden)
            assert known_sum >= len(line_hidden) + THRESHOLD - 1


@settings(max_examples=200, deadline=None)
@given(tables())
def test_a_table_without_small_counts_is_shown_whole(table: CountTable) -> None:
    if any(0 < v < THRESHOLD for v in table.values().values()):
        return
    assert protect(table).suppressed == {}


def test_a_lone_small_cell_takes_the_next_smallest_with_it() -> None:
    """Stages 2, 0, 7, 1 of 10: the 2 and the 1 add up to 3, which would say both are small;
    the 7 is hidden too, so the three hidden counts add up to 10."""
    table = CountTable(
        key="s",
        title="Stages",
        row_labels=("a", "b", "c", "d"),
        column_labels=("Cases",),
        cells=((2,), (0,), (7,), (1,)),
    )
    protected = protect(table)
    assert [cells for _, cells, _ in protected.rows()] == [[MARKER], ["0"], [MARKER], [MARKER]]
    assert protected.grand_total() == "10"


def test_the_check_finds_a_cell_the_totals_give_back() -> None:
    """The detector can fail: hiding only the 3 of (3, 9 | 12) gives it back as 12 - 9."""
    table = CountTable(
        key="x", title="x", row_labels=("a",), column_labels=("p", "q"), cells=((3, 9),)
    )
    assert determined_entries(table.lines(), {("cell", 0, 0)}) == [("cell", 0, 0)]
    assert recoverable(table, {("cell", 0, 0)}) == [("cell", 0, 0)]
    protected = protect(table)
    assert protected.cell(0, 0) == protected.cell(0, 1) == MARKER
    assert protected.grand_total() == "12"


def test_a_bridge_between_two_blocks_is_caught() -> None:
    """Each row and column holds two hidden cells, yet the cell linking two blocks follows from
    the totals: the exact check hides one more."""
    cells = ((1, 1, 0, 0), (1, 1, 1, 0), (0, 0, 1, 1), (0, 0, 1, 1))
    hidden = {("cell", r, c) for r, row in enumerate(cells) for c, v in enumerate(row) if v}
    table = CountTable(
        key="b",
        title="b",
        row_labels=tuple("abcd"),
        column_labels=tuple("wxyz"),
        cells=tuple(tuple(v * 6 for v in row) for row in cells),
    )
    assert ("cell", 1, 2) in determined_entries(table.lines(), hidden)
    assert GRAND not in hidden


def test_a_cell_worked_back_through_both_margins_is_protected() -> None:
    """Found by the property test: hiding only the small counts here leaves the 1 of row r2
    recoverable through the row and column totals together (x21 = C1 - x11 = 1); the exact
    check finds it and the table hides more until it is not."""
    table = CountTable(
        key="m",
        title="m",
        row_labels=("r0", "r1", "r2"),
        column_labels=("c0", "c1", "c2", "c3"),
        cells=((0, 0, 5, 0), (0, 2, 0, 4), (0, 1, 1, 0)),
    )
    primary = {e for e, v in table.values().items() if 0 < v < THRESHOLD}
    protected = protect(table)
    assert recoverable(table, set(protected.suppressed)) == []
    assert determined_entries(table.lines(), set(protected.suppressed)) == []
    assert primary <= set(protected.suppressed)
