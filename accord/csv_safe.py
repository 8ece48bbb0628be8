"""CSV text a spreadsheet will not run (S21): one writer for every export (reports, the case
list, the audit trail), outside any app so that none of them imports another for it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: A cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> str:
    """A cell as text a spreadsheet will not run: values starting with = + - @, a tab or a
    carriage return get a leading single quote (OWASP CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_csv(rows: Iterable[Sequence[object]]) -> str:
    """Rows to CSV text with every cell neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return buffer.getvalue()
