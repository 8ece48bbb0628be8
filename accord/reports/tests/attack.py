"""An attacker holding every funder report the system can produce over a range of months.

Given the published tables of every month, quarter and year of the range (each a
``ProtectedTable``: true counts plus the set of hidden entries), it tries to find a
count from 1 to 4 that the reports give away:

- ``differences``: for every pair of reports, one period inside the other, the shown
  value of an entry in the longer minus the shorter (the issue's attack, with whole
  periods);
- ``lone_cells``: in every report, a line (cells and their total) whose total is shown
  and only one part hidden: the total minus the shown parts;
- ``month_remainders``: a period's shown entry minus the shown values of its months,
  when exactly one month hides it (the "quarter minus its months" attack);
- ``determined``: the strongest: every shown number of every report as one linear
  system over the unknown monthly counts; a count is given away when it lies in the
  row space of that system (numpy SVD, a method independent of the module's exact
  elimination). Checked for every month's entries, every report's entries and every
  difference of two nested reports whose true value is from 1 to 4.

Each returns descriptions of what it recovered; a protected set of reports gives [].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import permutations

import numpy as np

from accord.reports.periods import Period
from accord.reports.suppression import THRESHOLD, Entry, ProtectedTable

Published = Mapping[Period, ProtectedTable]


def _small(value: int) -> bool:
    return 0 < value < THRESHOLD


def _months_of(period: Period, months: Sequence[Period]) -> list[int]:
    return [i for i, m in enumerate(months) if period.start <= m.start and m.end <= period.end]


def _shown(table: ProtectedTable) -> dict[Entry, int]:
    return {e: v for e, v in table.table.values().items() if e not in table.suppressed}


def differences(published: Published) -> list[str]:
    found = []
    for longer, shorter in permutations(published, 2):
        if not (longer.start <= shorter.start and shorter.end <= longer.end):
            continue
        big, small = _shown(published[longer]), _shown(published[shorter])
        for entry in big.keys() & small.keys():
            if _small(big[entry] - small[entry]):
                found.append(
                    f"{longer.key} - {shorter.key} at {entry} = {big[entry] - small[entry]}"
                )
    return found


def lone_cells(published: Published) -> list[str]:
    found = []
    for period, table in published.items():
        values = table.table.values()
        for parts, total in table.table.lines():
            hidden = [e for e in parts if e in table.suppressed]
            if total in table.suppressed or len(hidden) != 1:
                continue
            value = values[total] - sum(values[e] for e in parts if e not in table.suppressed)
            if _small(value):
                found.append(f"{period.key}: {hidden[0]} = {value} from its total")
    return found


def month_remainders(published: Published, months: Sequence[Period]) -> list[str]:
    found = []
    for period, table in published.items():
        inside = [months[i] for i in _months_of(period, months) if months[i] != period]
        if not inside:
            continue
        for entry, value in _shown(table).items():
            hiding = [m for m in inside if entry in published[m].suppressed]
            if len(hiding) != 1:
                continue
            rest = sum(published[m].table.values()[entry] for m in inside if m not in hiding)
            if _small(value - rest):
                found.append(f"{period.key} minus its months gives {hiding[0].key} {entry}")
    return found


def _entry_cells(entry: Entry, rows: int, columns: int) -> list[tuple[int, int]]:
    kind = entry[0]
    if kind == "cell":
        return [(int(entry[1]), int(entry[2]))]  # type: ignore[call-overload]
    if kind == "row_total":
        return [(int(entry[1]), c) for c in range(columns)]  # type: ignore[call-overload]
    if kind == "column_total":
        return [(r, int(entry[1])) for r in range(rows)]  # type: ignore[call-overload]
    return [(r, c) for r in range(rows) for c in range(columns)]


def determined(published: Published, months: Sequence[Period]) -> list[str]:
    sample = published[months[0]].table
    rows, columns = len(sample.row_labels), len(sample.column_labels)
    width = len(months) * rows * columns

    def vector(entry: Entry, month_indexes: Sequence[int]) -> np.ndarray:
        out = np.zeros(width)
        for m in month_indexes:
            for r, c in _entry_cells(entry, rows, columns):
                out[(m * rows + r) * columns + c] = 1
        return out

    def true_value(entry: Entry, month_indexes: Sequence[int]) -> int:
        return sum(published[months[m]].table.values()[entry] for m in month_indexes)

    equations = [
        vector(entry, _months_of(period, months))
        for period, table in published.items()
        for entry in _shown(table)
    ]
    if equations:
        _, singular, basis = np.linalg.svd(np.array(equations), full_matrices=False)
        basis = basis[: int((singular > 1e-9).sum())]
    else:
        basis = np.zeros((0, width))

    def known(v: np.ndarray) -> bool:
        return bool(np.linalg.norm(v - basis.T @ (basis @ v)) < 1e-6)

    asks: list[tuple[str, list[int]]] = [(p.key or "", _months_of(p, months)) for p in published]
    for longer, shorter in permutations(published, 2):
        outer, inner = _months_of(longer, months), _months_of(shorter, months)
        if set(inner) < set(outer):
            asks.append((f"{longer.key} - {shorter.key}", sorted(set(outer) - set(inner))))
    found = []
    for name, month_indexes in asks:
        for entry in sample.values():
            if _small(true_value(entry, month_indexes)) and known(vector(entry, month_indexes)):
                found.append(f"{name} at {entry} = {true_value(entry, month_indexes)}")
    return found


def everything(published: Published, months: Sequence[Period]) -> list[str]:
    return [
        *differences(published),
        *lone_cells(published),
        *month_remainders(published, months),
        *determined(published, months),
    ]
