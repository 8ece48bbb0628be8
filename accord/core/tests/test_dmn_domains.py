"""DMN imports keep their word: declared input domains in every interval form, declared
encodings, and the reserved value "unknown" refused with a rewrite to try."""

from __future__ import annotations

import pathlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.dmn import export_dmn, load_dmn
from accord.core.dump import dump_protocol
from accord.core.errors import FactError, LoadError
from accord.core.evaluate import evaluate_protocol
from accord.core.load import load_protocol
from accord.core.verify import verify_protocol

HEAD = (
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
    'id="m" name="Scores" namespace="x">'
)


def _table(type_ref: str, values: str, rules: list[tuple[str, str]]) -> str:
    rows = "".join(
        f'<rule id="r{i}"><inputEntry><text>{test}</text></inputEntry>'
        f"<outputEntry><text>{output}</text></outputEntry></rule>"
        for i, (test, output) in enumerate(rules)
    )
    return (
        HEAD
        + '<decision id="band" name="Band"><decisionTable id="t" hitPolicy="UNIQUE">'
        + f'<input id="i" label="Score"><inputExpression typeRef="{type_ref}"><text>Score</text>'
        + f"</inputExpression><inputValues><text>{values}</text></inputValues></input>"
        + '<output id="o" name="band" typeRef="string"/>'
        + rows
        + "</decisionTable></decision></definitions>"
    )


def _gaps(text: str) -> list[str]:
    report = verify_protocol(load_dmn(text))
    return [f.message for f in report.findings if f.kind.value == "gap"]


@pytest.mark.parametrize(
    ("values", "rules"),
    [
        # a table complete over the declared domain, each domain in another interval form
        ("[0..10)", [("&lt; 5", '"low"'), ("[5..10)", '"high"')]),
        ("]0..10[", [("&lt;= 5", '"low"'), ("&gt; 5", '"high"')]),
        ("(0..10]", [("&lt;= 5", '"low"'), ("&gt; 5", '"high"')]),
        ("&gt;= 0", [("&lt; 5", '"low"'), ("&gt;= 5", '"high"')]),
        ("&gt; 0", [("&lt;= 5", '"low"'), ("&gt; 5", '"high"')]),
        ("&lt; 1", [("&lt; 0", '"low"'), ("[0..1)", '"high"')]),
        ("&lt;= 1", [("&lt; 0", '"low"'), ("[0..1]", '"high"')]),
    ],
)
@pytest.mark.parametrize("type_ref", ["number", "integer"])
def test_every_interval_form_bounds_the_domain(type_ref: str, values: str, rules: list) -> None:
    """No gap is invented outside the declared domain, whatever interval form declares it."""
    assert _gaps(_table(type_ref, values, rules)) == []


def test_an_open_bound_is_outside_the_domain_for_decimals() -> None:
    """(0..10] leaves 0 out: a fact of 0 is refused naming the domain, 0.001 is answered."""
    protocol = load_dmn(_table("number", "(0..10]", [("&lt;= 5", '"low"'), ("&gt; 5", '"high"')]))
    assert evaluate_protocol(protocol, {"Score": Decimal("0.001")})["Band"].result == "low"
    with pytest.raises(FactError, match=r"\(0\.\.10\]"):
        evaluate_protocol(protocol, {"Score": 0})


def test_a_gap_just_inside_an_open_bound_is_still_found() -> None:
    """(0..10] with rules from 1 on leaves (0..1) unanswered, and only that."""
    gaps = _gaps(_table("number", "(0..10]", [("[1..5]", '"low"'), ("&gt; 5", '"high"')]))
    assert len(gaps) == 1
    assert "over 0" in gaps[0] and "under 1" in gaps[0]


def test_integer_open_bounds_close_on_the_next_whole_number() -> None:
    protocol = load_dmn(_table("integer", "]0..10[", [("[1..9]", '"any"')]))
    domain = protocol.factors["Score"].domain
    assert (domain.minimum, domain.maximum) == (1, 9)
    assert not domain.minimum_open and not domain.maximum_open


def test_unreadable_input_values_are_refused_not_dropped() -> None:
    """A domain Accord cannot read is named, never silently widened to every number."""
    with pytest.raises(LoadError) as caught:
        load_dmn(_table("number", "[0..10], [20..30]", [("-", '"x"')]))
    assert "not a range Accord reads" in str(caught.value)


@given(
    low=st.integers(-50, 50),
    width=st.integers(1, 50),
    low_open=st.booleans(),
    high_open=st.booleans(),
    probe=st.decimals(-120, 120, places=1),
)
def test_the_imported_domain_admits_exactly_the_declared_values(
    low: int, width: int, low_open: bool, high_open: bool, probe: Decimal
) -> None:
    high = low + width
    values = f"{'(' if low_open else '['}{low}..{high}{')' if high_open else ']'}"
    domain = load_dmn(_table("number", values, [("-", '"x"')])).factors["Score"].domain
    inside = (low < probe or (probe == low and not low_open)) and (
        probe < high or (probe == high and not high_open)
    )
    assert domain.admits(probe) is inside


def test_open_bounds_round_trip_through_yaml_and_dmn() -> None:
    text = _table("number", "(0..10]", [("&lt;= 5", '"low"'), ("&gt; 5", '"high"')])
    protocol = load_dmn(text)
    dumped = dump_protocol(protocol)
    assert "min_exclusive: true" in dumped
    again = load_protocol(dumped, require_common_questions=False)
    assert again.factors["Score"].domain == protocol.factors["Score"].domain
    assert load_dmn(export_dmn(again)).factors["Score"].domain == protocol.factors["Score"].domain


def test_yaml_exclusive_without_a_bound_names_the_key() -> None:
    text = (
        "protocol: {id: p, title: P, version: '1'}\n"
        "factors:\n  score: {type: decimal, max: 1, min_exclusive: true}\n"
        "decisions: {}\n"
    )
    with pytest.raises(LoadError) as caught:
        load_protocol(text, require_common_questions=False)
    assert "min_exclusive needs a min" in str(caught.value)
    assert ":3:" in str(caught.value)


def test_latin1_declared_files_are_read(tmp_path: pathlib.Path) -> None:
    text = _table(
        "string", '"caf\u00e9","th\u00e9"', [('"caf\u00e9"', '"a"'), ('"th\u00e9"', '"b"')]
    )
    path = tmp_path / "latin.dmn"
    path.write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + text.encode("iso-8859-1"))
    protocol = load_dmn(path)
    assert protocol.factors["Score"].domain.values == ("caf\u00e9", "th\u00e9")
    assert evaluate_protocol(protocol, {"Score": "th\u00e9"})["Band"].result == "b"


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: pathlib.Path) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + _table(
        "string", '"\u00e9t\u00e9"', [('"\u00e9t\u00e9"', '"a"')]
    )
    path = tmp_path / "wide.dmn"
    path.write_bytes(text.encode("utf-16"))
    assert load_dmn(path).factors["Score"].domain.values == ("\u00e9t\u00e9",)


def test_a_string_with_a_foreign_declaration_is_read_as_text() -> None:
    """Text already decoded keeps its characters whatever its declaration says."""
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>' + _table(
        "string", '"na\u00efve"', [('"na\u00efve"', '"a"')]
    )
    assert load_dmn(text).factors["Score"].domain.values == ("na\u00efve",)


def test_bytes_that_do_not_match_the_declaration_name_the_line(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "liar.dmn"
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<definitions>\n\xe9</definitions>')
    with pytest.raises(LoadError) as caught:
        load_dmn(path)
    assert ":3:" in str(caught.value)
    assert "utf-8" in str(caught.value).lower()


def test_an_unknown_encoding_is_named(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "odd.dmn"
    path.write_bytes(b'<?xml version="1.0" encoding="x-made-up"?>\n<definitions/>')
    with pytest.raises(LoadError, match="x-made-up"):
        load_dmn(path)


def test_the_value_unknown_is_refused_with_a_rewrite_on_its_line() -> None:
    text = _table("string", '"known","unknown"', [('"known"', '"a"'), ('"unknown"', '"b"')])
    with pytest.raises(LoadError) as caught:
        load_dmn(text)
    message = str(caught.value)
    assert 'the value "unknown" cannot be imported' in message
    assert '"not known"' in message
    assert "rules never test" not in message


def test_unknown_taken_from_the_rules_is_refused_the_same_way() -> None:
    text = HEAD + (
        '<decision id="d" name="D"><decisionTable id="t"><input id="i" label="Status">'
        '<inputExpression typeRef="string"><text>Status</text></inputExpression></input>'
        '<output id="o" name="x"/><rule id="r"><inputEntry><text>"Unknown"</text></inputEntry>'
        '<outputEntry><text>"a"</text></outputEntry></rule></decisionTable></decision>'
        "</definitions>"
    )
    with pytest.raises(LoadError, match='"not known"'):
        load_dmn(text)
