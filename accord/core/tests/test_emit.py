"""The fast YAML writer: whatever it writes, the loader's own YAML reading gives back equal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.emit import emit_yaml
from accord.core.load import Located, _Loader

#: Words chosen to look like what YAML readers take for something else.
# fmt: off
TRICKY = st.sampled_from(
    [
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "N",
        "null",
        "~",
        "true",
        "False",
        "",
        " ",
        "-",
        "- x",
        "a: b",
        "a #b",
        "#x",
        "[1..2]",
        "{a}",
        "*ref",
        "&anchor",
        "!tag",
        "|",
        ">",
        "'",
        '"',
        "0o17",
        "0x1F",
        "1e5",
        "1_000",
        "1:20",
        "2026-12-07",
        ".inf",
        ".nan",
        "=",
        "<<",
        "%YAML",
        "@x",
        "`x",
        "line\nbreak",
        "tab\there",
        "trailing ",
        " leading",
        "\u2028",
        "\x85",
        "\ufeff",
        "é ü ß 中文",
        "back\\slash",
        "---",
        "...",
        "? q",
    ]
)
# fmt: on
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    TRICKY,
)
KEYS = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), TRICKY)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)


def _plain(located: Located) -> Any:
    if located.is_mapping:
        return {key: _plain(value) for key, value in located.value.items()}
    if located.is_sequence:
        return [_plain(item) for item in located.value]
    return located.value


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, DATA, min_size=1, max_size=5))
def test_the_loader_reads_back_exactly_what_was_written(data):
    text = emit_yaml(data)
    loader = _Loader("emitted.yaml")
    root = loader.compose(text)
    assert not loader.issues, (text, loader.issues)
    assert root is not None
    assert _plain(root) == data


def test_a_decimal_stays_a_decimal_even_when_whole():
    loader = _Loader("emitted.yaml")
    root = loader.compose(emit_yaml({"low": Decimal("5"), "high": Decimal("0.25")}))
    assert root is not None
    values = _plain(root)
    assert values == {"low": Decimal(5), "high": Decimal("0.25")}
    assert all(isinstance(value, Decimal) for value in values.values())
