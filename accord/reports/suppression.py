"""Small-cell suppression for reports that leave the task force (S13).

A funder report shows counts, never people; but a count of 1 to 4 can point at a
person ("the one minor boy from the farm case"), so it is suppressed. Suppressing
it is not enough when totals are shown: a lone hidden cell is the total minus the
rest. The rules, applied until nothing changes:

1. **Primary**: every count from 1 to 4 (cells and totals alike) is suppressed.
   Zeros are shown: they point at nobody.
2. **Lone cell**: a row or column (a *line*: its cells and its total) holding
   exactly one suppressed entry gets the next smallest non-zero entry of that line
   suppressed too.
3. **Small sum**: when a line's total is shown, the hidden cells of the line add
   up to a known sum; while that sum would still let a reader conclude that every
   hidden cell is below 5 (sum < count of hidden cells + 4), the next smallest
   non-zero entry of the line is suppressed too.
4. **Determined**: any hidden entry the shown numbers still determine exactly
   (by any combination of rows and columns, checked by exact linear algebra) gets
   the smallest non-zero shown entry of one of its lines suppressed.

The grand total is suppressed by rules 2-4 only as a last resort, because the same
total (cases opened in the period) appears in several tables. Every suppressed
entry is shown as the same marker, whether primary or complementary: a reader
cannot tell which hidden counts are the small ones.

Across periods (``protect_over``): a funder period is a month, a quarter or a year,
and its table is the sum of its months' tables. Each month is protected on its own;
a longer period hides every entry that any of its months hides. So whatever a
quarter or a year shows, every one of its months shows too: the longer reports add
no equation the months did not already give, and no difference of two reports says
more than the months (the argument is in ``docs/reports.md``).

Pure Python, no Django: the property tests exercise it directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = 5
MARKER = "<5"
PRIMARY = "primary"
COMPLEMENTARY = "complementary"

#: An entry of a table: ("cell", row, column), ("row_total", row), ("column_total", column)
#: or ("grand_total",).
Entry = tuple[object, ...]
GRAND: Entry = ("grand_total",)


@dataclass(frozen=True)
class CountTable:
    """A table of counts with its labels; totals are computed, never given."""

    key: str
    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]
    note: str = ""
    row_heading: str = "Category"

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.row_labels) or any(
            len(row) != len(self.column_labels) for row in self.cells
        ):
            raise ValueError(f"table {self.key!r}: cells do not match the labels")
        if any(value < 0 for row in self.cells for value in row):
            raise ValueError(f"table {self.key!r}: counts are never negative")

    @property
    def shows_row_totals(self) -> bool:
        """Row totals are shown when a row has several cells and there are several rows (with
        one row, its total is the grand total)."""
        return len(self.column_labels) > 1 and len(self.row_labels) > 1

    @property
    def shows_column_totals(self) -> bool:
        return len(self.row_labels) > 1 and len(self.column_labels) > 1

    def values(self) -> dict[Entry, int]:
        """Every entry shown by the table (cells, the totals it shows, the grand total)."""
        found: dict[Entry, int] = {}
        for r, row in enumerate(self.cells):
            for c, value in enumerate(row):
                found[("cell", r, c)] = value
        if self.shows_row_totals:
            for r, row in enumerate(self.cells):
                found[("row_total", r)] = sum(row)
        if self.shows_column_totals:
            for c in range(len(self.column_labels)):
                found[("column_total", c)] = sum(row[c] for row in self.cells)
        found[GRAND] = sum(sum(row) for row in self.cells)
        return found

    def lines(self) -> list[tuple[tuple[Entry, ...], Entry]]:
        """Each equation the table shows, as (entries that add up, the entry they add up to)."""
        rows, columns = len(self.row_labels), len(self.column_labels)
        found: list[tuple[tuple[Entry, ...], Entry]] = []
        if columns > 1 or rows == 1:
            for r in range(rows):
                total: Entry = ("row_total", r) if self.shows_row_totals else GRAND
                found.append((tuple(("cell", r, c) for c in range(columns)), total))
        if rows > 1:
            for c in range(columns):
                total = ("column_total", c) if self.shows_column_totals else GRAND
                found.append((tuple(("cell", r, c) for r in range(rows)), total))
        if self.shows_row_totals:
            found.append((tuple(("row_total", r) for r in range(rows)), GRAND))
        if self.shows_column_totals:
            found.append((tuple(("column_total", c) for c in range(columns)), GRAND))
        return found


@dataclass(frozen=True)
class ProtectedTable:
    """A table as it may leave the system: each entry is its count or the marker."""

    table: CountTable
    suppressed: Mapping[Entry, str]  # entry -> PRIMARY | COMPLEMENTARY

    def shown(self, entry: Entry) -> str:
        if entry in self.suppressed:
            return MARKER
        return str(self.table.values()[entry])

    def cell(self, row: int, column: int) -> str:
        return self.shown(("cell", row, column))

    @property
    def has_total_column(self) -> bool:
        return len(self.table.column_labels) > 1

    def rows(self) -> list[tuple[str, list[str], str | None]]:
        """(label, shown cells, shown total or None) per row, for templates and CSV; a table of
        one row shows the grand total as that row's total."""
        single_row = len(self.table.row_labels) == 1
        out = []
        for r, label in enumerate(self.table.row_labels):
            cells = [self.cell(r, c) for c in range(len(self.table.column_labels))]
            total: str | None = None
            if self.table.shows_row_totals:
                total = self.shown(("row_total", r))
            elif single_row and self.has_total_column:
                total = self.grand_total()
            out.append((label, cells, total))
        return out

    def footer(self) -> list[str] | None:
        """The totals row: column totals and the grand total (None for a table of one row)."""
        if len(self.table.row_labels) == 1:
            return None
        if not self.table.shows_column_totals:
            return [self.grand_total()]
        columns = range(len(self.table.column_labels))
        return [*(self.shown(("column_total", c)) for c in columns), self.grand_total()]

    def grand_total(self) -> str:
        return self.shown(GRAND)


def determined_entries(
    lines: Sequence[tuple[tuple[Entry, ...], Entry]], hidden: Iterable[Entry]
) -> list[Entry]:
    """Hidden entries whose value follows exactly from the shown numbers.

    Each line says ``sum(parts) - total = 0``; over the hidden entries that is a linear
    system ``A x = b``. A hidden entry is determined when its unit vector lies in the row
    space of ``A``: in the reduced row echelon form, its column is a pivot whose row has
    no other non-zero coefficient. Exact (fractions), so no rounding decides a disclosure.
    """
    order = sorted(set(hidden), key=repr)
    if not order:
        return []
    index = {entry: i for i, entry in enumerate(order)}
    matrix: list[list[Fraction]] = []
    for parts, total in lines:
        row = [Fraction(0)] * len(order)
        for part in parts:
            if part in index:
                row[index[part]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            matrix.append(row)
    pivots: list[tuple[int, int]] = []  # (column, row of the final matrix)
    rank = 0
    width = len(order)
    for column in range(width):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][column]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for i in range(len(matrix)):
            if i != rank and matrix[i][column] != 0:
                factor = matrix[i][column]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank], strict=True)]
        pivots.append((column, rank))
        rank += 1
    return [
        order[column]
        for column, row in pivots
        if all(value == 0 for i, value in enumerate(matrix[row]) if i != column)
    ]


def _smallest(
    candidates: Iterable[Entry],
    values: Mapping[Entry, int],
    hidden: Mapping[Entry, str],
    *,
    needy: Sequence[tuple[Entry, ...]] = (),
) -> Entry | None:
    """The non-zero shown entry to hide next: one that also mends the most other lines still
    needing a hidden entry, then the smallest; the grand total only when nothing else is left."""
    shown = [e for e in candidates if e not in hidden and values[e] > 0]
    ordinary = [e for e in shown if e != GRAND]
    pool = ordinary or shown
    if not pool:
        return None
    return min(pool, key=lambda e: (-sum(e in line for line in needy), values[e], repr(e)))


def _line_needs_more(
    parts: tuple[Entry, ...],
    total: Entry,
    values: Mapping[Entry, int],
    hidden: Mapping[Entry, str],
    threshold: int,
) -> bool:
    entries = (*parts, total)
    count = sum(1 for e in entries if e in hidden)
    if count == 0:
        return False
    if count == 1:
        return True  # rule 2: a lone hidden entry is the total minus the rest
    if total in hidden:
        return False
    hidden_sum = sum(values[e] for e in parts if e in hidden)
    return hidden_sum < count + threshold - 1  # rule 3


def protect(
    table: CountTable, *, threshold: int = THRESHOLD, also_hidden: Iterable[Entry] = ()
) -> ProtectedTable:
    """Apply the suppression rules of this module's docstring to one table; ``also_hidden``
    entries are hidden from the start (a total another table hides, see ``protect_linked``)."""
    values = table.values()
    lines = table.lines()
    hidden: dict[Entry, str] = {e: PRIMARY for e, v in values.items() if 0 < v < threshold}
    for entry in also_hidden:
        hidden.setdefault(entry, COMPLEMENTARY)
    while hidden:
        pick: Entry | None = None
        needy = [
            (*parts, total)
            for parts, total in lines
            if _line_needs_more(parts, total, values, hidden, threshold)
        ]
        for line in needy:
            pick = _smallest(line, values, hidden, needy=needy)
            if pick is not None:
                break
        if pick is None:
            for entry in determined_entries(lines, hidden):
                around = [e for parts, total in lines if entry in (*parts, total) for e in parts]
                around += [total for parts, total in lines if entry in (*parts, total)]
                pick = _smallest(around, values, hidden) or _smallest(values, values, hidden)
                if pick is not None:
                    break
        if pick is None:
            break
        hidden[pick] = COMPLEMENTARY
    return ProtectedTable(table=table, suppressed=hidden)


def protect_linked(
    tables: Sequence[CountTable], *, threshold: int = THRESHOLD
) -> list[ProtectedTable]:
    """Tables that count the same things two ways share their grand total (cases opened, by
    kind and by stage): it is hidden in all of them or in none. One table hiding it as a
    last resort while another shows it would hand the first its total back (five kinds of
    one case each, hidden, beside "Referral: 5" are five ones). When any table hides it,
    every table is protected again with it hidden from the start, which rules 2-4 then
    cover like any hidden entry; seeding only adds, so one more round settles it."""
    if len({t.values()[GRAND] for t in tables}) > 1:
        raise ValueError("linked tables have different grand totals")
    protected = [protect(t, threshold=threshold) for t in tables]
    if any(GRAND in p.suppressed for p in protected):
        protected = [protect(t, threshold=threshold, also_hidden=(GRAND,)) for t in tables]
    return protected


def carry(table: CountTable, months: Sequence[ProtectedTable]) -> ProtectedTable:
    """The table of a period, given its months as protected: an entry is hidden when *any*
    month hides it, and nothing else is.

    Each month's pattern depends on that month's counts alone, so a month's report, and
    every quarter and year holding the month, agree on it whenever they are made. Refuses
    months whose shape differs from the table's or whose counts do not add up to it: carrying
    the pattern is sound only for a sum.
    """
    if not months:
        raise ValueError(f"table {table.key!r}: a period has at least one month")
    for protected in months:
        month = protected.table
        if (month.row_labels, month.column_labels) != (table.row_labels, table.column_labels):
            raise ValueError(f"table {table.key!r}: a month has another shape")
    summed = tuple(
        tuple(sum(p.table.cells[r][c] for p in months) for c in range(len(row)))
        for r, row in enumerate(table.cells)
    )
    if summed != table.cells:
        raise ValueError(f"table {table.key!r}: the months do not add up to the period")
    values = table.values()
    hidden: dict[Entry, str] = {}
    for protected in months:
        for entry in protected.suppressed:
            hidden[entry] = PRIMARY if 0 < values[entry] < THRESHOLD else COMPLEMENTARY
    return ProtectedTable(table=table, suppressed=hidden)


def protect_over(
    table: CountTable, months: Sequence[CountTable], *, threshold: int = THRESHOLD
) -> ProtectedTable:
    """``carry`` over months each protected on its own (``protect``)."""
    return carry(table, [protect(month, threshold=threshold) for month in months])


def unprotected(table: CountTable) -> ProtectedTable:
    """The table as members see it inside the task force: every count shown."""
    return ProtectedTable(table=table, suppressed={})
