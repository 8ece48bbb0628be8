"""Funder files: CSV cells a spreadsheet will not run (S21); a PDF that fetches nothing."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.csv_safe import FORMULA_PREFIXES, neutralize, write_csv


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.invalid","click")',
        "+1+2",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_formula_prefixes_are_neutralized(value: str) -> None:
    text = write_csv([["Task force", value]])
    parsed = next(csv.reader(io.StringIO(text)))
    assert parsed[1] == "'" + value
    assert not parsed[1].startswith(FORMULA_PREFIXES)


def test_ordinary_values_and_counts_are_unchanged() -> None:
    parsed = next(csv.reader(io.StringIO(write_csv([["Cases", 12, "<5", 0, "Sex and labor"]]))))
    assert parsed == ["Cases", "12", "<5", "0", "Sex and labor"]


@given(st.text())
def test_no_cell_ever_starts_like_a_formula(value: str) -> None:
    assert not neutralize(value).startswith(FORMULA_PREFIXES)
    # Exactly one quote is added, and only before a formula prefix; anything else is unchanged.
    expected = "'" + value if value.startswith(FORMULA_PREFIXES) else value
    assert neutralize(value) == expected
