"""Every DMN TCK decision-table case in shared/data passes; export round-trips."""

from __future__ import annotations

import os
import pathlib
from decimal import Decimal
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest

from accord.core.dmn import export_dmn, load_dmn
from accord.core.errors import LoadError, UnsupportedDMNError
from accord.core.evaluate import evaluate_protocol
from accord.core.load import load_protocol
from accord.core.tests.conftest import EXAMPLE, REPO

TCK = REPO.parent / "shared" / "data" / "dmn-tck"
TC = "{http://www.omg.org/spec/DMN/20160719/testcase}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _cases() -> list[pathlib.Path]:
    if not TCK.is_dir():
        return []
    return sorted(p for p in TCK.iterdir() if p.is_dir())


def test_tck_data_present() -> None:
    if not _cases():
        if os.environ.get("CI"):
            pytest.fail(f"DMN TCK data missing at {TCK}")
        pytest.skip(f"DMN TCK data missing at {TCK}")


def _value(element: Any) -> Any:
    value = element.find(f"{TC}value")
    if value is not None:
        kind = value.get(XSI_TYPE, "")
        text = value.text or ""
        if value.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
            return None
        if kind.endswith("decimal"):
            return Decimal(text)
        if kind.endswith("boolean"):
            return text == "true"
        return text
    components = element.findall(f"{TC}component")
    if components:
        return {c.get("name"): _value(c) for c in components}
    items = element.find(f"{TC}list")
    if items is not None:
        return [_value(item) for item in items.findall(f"{TC}item")]
    return None


def _tck_cases() -> list[tuple[str, pathlib.Path, Any]]:
    cases = []
    for directory in _cases():
        for test_file in sorted(directory.glob("*-test-*.xml")):
            root = SafeET.parse(test_file).getroot()
            for case in root.findall(f"{TC}testCase"):
                cases.append((f"{directory.name}#{case.get('id')}", directory, case))
    return cases


@pytest.mark.parametrize(
    ("name", "directory", "case"), _tck_cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_tck_case(name: str, directory: pathlib.Path, case: Any) -> None:
    (model,) = directory.glob("*.dmn")
    protocol = load_dmn(model)
    facts = {node.get("name"): _value(node) for node in case.findall(f"{TC}inputNode")}
    facts = {k: v for k, v in facts.items() if k in protocol.factors}
    evaluation = evaluate_protocol(protocol, facts)
    for result_node in case.findall(f"{TC}resultNode"):
        expected = _value(result_node.find(f"{TC}expected"))
        answer = evaluation[result_node.get("name")]
        assert answer.result == expected, (name, answer)
        assert answer.explanation


@pytest.mark.parametrize("directory", _cases(), ids=lambda p: p.name)
def test_tck_models_round_trip_through_export(directory: pathlib.Path) -> None:
    (model,) = directory.glob("*.dmn")
    first = load_dmn(model)
    second = load_dmn(export_dmn(first))
    assert second.factors == first.factors
    assert second.decisions.keys() == first.decisions.keys()
    for decision_id, decision in first.decisions.items():
        other = second.decisions[decision_id]
        assert other.hit_policy == decision.hit_policy
        assert other.aggregation == decision.aggregation
        assert [r.id for r in other.rules] == [r.id for r in decision.rules]
        for mine, theirs in zip(decision.rules, other.rules, strict=True):
            assert {k: (c.values, c.intervals) for k, c in mine.conditions.items()} == {
                k: (c.values, c.intervals) for k, c in theirs.conditions.items()
            }
            assert mine.outputs == theirs.outputs


def test_example_protocol_exports_and_reimports_its_tables() -> None:
    protocol = load_protocol(EXAMPLE)
    again = load_dmn(export_dmn(protocol))
    facts = {"victim_age": 30, "victim_gender": "female"}
    assert evaluate_protocol(again, facts)["placement"].result == "harbor-light-safe-house"
    assert again.decisions["placement"].rules[2].how.startswith("The Harbor Light advocate")


DMN_HEAD = '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" name="m" id="m" namespace="x">'


def test_literal_expression_decision_is_evaluated() -> None:
    text = (
        DMN_HEAD
        + '<decision id="d" name="Fee"><literalExpression><text>1+1</text></literalExpression></decision></definitions>'
    )
    assert evaluate_protocol(load_dmn(text), {})["Fee"].result == 2


def test_context_decision_is_refused_by_name() -> None:
    text = (
        DMN_HEAD
        + '<decision id="d" name="Fee"><context><contextEntry/></context></decision></definitions>'
    )
    with pytest.raises(UnsupportedDMNError) as caught:
        load_dmn(text)
    assert "context" in str(caught.value)
    assert "Fee" in str(caught.value)


def test_business_knowledge_model_is_refused_by_name() -> None:
    text = DMN_HEAD + '<businessKnowledgeModel id="b" name="Pricing"/></definitions>'
    with pytest.raises(UnsupportedDMNError, match="business knowledge models"):
        load_dmn(text)


def test_feel_expression_in_a_cell_is_refused() -> None:
    text = DMN_HEAD + (
        '<decision id="d" name="D"><decisionTable id="t"><input id="i"><inputExpression typeRef="number">'
        '<text>Age</text></inputExpression></input><output id="o" name="x"/>'
        '<rule id="r1"><inputEntry><text>Age * 2 &gt; count(list)</text></inputEntry>'
        '<outputEntry><text>"a"</text></outputEntry></rule></decisionTable></decision></definitions>'
    )
    with pytest.raises(UnsupportedDMNError, match="not a simple unary test"):
        load_dmn(text)


def test_entities_are_refused() -> None:
    text = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]>' + DMN_HEAD + "&e;</definitions>"
    with pytest.raises(LoadError):
        load_dmn(text)
