"""A small runner for DMN TCK style models: a ``.dmn`` file and its ``*-test-*.xml`` cases.

Each directory holds one model and its test cases in the TCK's test-case format
(``<testCase>`` with ``<inputNode>`` values and ``<resultNode>`` expectations).
A model *passes* when it imports and every expected result matches Accord's
answer. ``python -m accord.core.tck DIRECTORY...`` prints each model's outcome
and the count passed (``docs/performance.md`` records it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import defusedxml.ElementTree as SafeET

from accord.core.dmn import load_dmn
from accord.core.errors import ProtocolError
from accord.core.evaluate import evaluate_protocol
from accord.core.feel_values import (
    YearsMonths,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
)

TC = "{http://www.omg.org/spec/DMN/20160719/testcase}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


@dataclass
class ModelOutcome:
    """One model: how many of its expected results matched, and what failed first."""

    name: str
    results: int = 0
    matched: int = 0
    failures: list[str] = field(default_factory=list)
    error: str | None = None  # the model did not import (or a test file did not read)

    @property
    def passed(self) -> bool:
        return self.error is None and self.results > 0 and self.matched == self.results


def _typed(kind: str, text: str) -> Any:
    kind = kind.rpartition(":")[2]
    if kind in ("decimal", "double", "int", "integer", "long", "float"):
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return text
    if kind == "boolean":
        return text.strip() == "true"
    if kind == "date":
        return parse_date(text.strip())
    if kind == "dateTime":
        return parse_date_time(text.strip())
    if kind == "time":
        return parse_time(text.strip())
    if kind in ("duration", "dayTimeDuration", "yearMonthDuration"):
        return parse_duration(text.strip())
    return text


def read_value(element: Any) -> Any:
    """The value of an ``<inputNode>``, ``<expected>`` or ``<component>`` element."""
    if element is None:
        return None
    value = element.find(f"{TC}value")
    if value is not None:
        if value.get(f"{XSI}nil") == "true":
            return None
        return _typed(value.get(f"{XSI}type", ""), value.text or "")
    components = element.findall(f"{TC}component")
    if components:
        return {c.get("name"): read_value(c) for c in components}
    items = element.find(f"{TC}list")
    if items is not None:
        return [read_value(item) for item in items.findall(f"{TC}item")]
    return None


def _as_fact(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time | dt.timedelta | YearsMonths):
        return value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
    return value


def same(expected: Any, actual: Any) -> bool:
    """Whether Accord's answer is the expected value (numbers by value, lists in order)."""
    if isinstance(expected, list):
        return (
            isinstance(actual, list | tuple)
            and len(actual) == len(expected)
            and all(same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            same(value, actual.get(key)) for key, value in expected.items()
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, Decimal) and isinstance(actual, int | Decimal):
        return expected == actual
    if isinstance(expected, dt.timedelta) and isinstance(actual, dt.timedelta):
        return expected == actual
    return bool(type(expected) is type(actual) and expected == actual)


def run_model(directory: pathlib.Path) -> ModelOutcome:
    """Import the directory's model and check every case of its test files."""
    outcome = ModelOutcome(directory.name)
    models = sorted(directory.glob("*.dmn"))
    if len(models) != 1:
        outcome.error = f"expected one .dmn file, found {len(models)}"
        return outcome
    try:
        protocol = load_dmn(models[0])
    except ProtocolError as error:
        outcome.error = str(error).splitlines()[-1].strip()
        return outcome
    for test_file in sorted(directory.glob("*-test-*.xml")):
        root = SafeET.parse(test_file).getroot()
        for case in root.findall(f"{TC}testCase"):
            facts = {
                node.get("name"): _as_fact(read_value(node))
                for node in case.findall(f"{TC}inputNode")
            }
            facts = {name: value for name, value in facts.items() if name in protocol.factors}
            try:
                evaluation = evaluate_protocol(protocol, facts)
            except ProtocolError as error:
                outcome.results += len(case.findall(f"{TC}resultNode"))
                outcome.failures.append(f"case {case.get('id')}: {error}")
                continue
            for node in case.findall(f"{TC}resultNode"):
                outcome.results += 1
                name = node.get("name") or ""
                expected = read_value(node.find(f"{TC}expected"))
                answer = evaluation.get(name)
                actual = answer.result if answer is not None else None
                if answer is not None and same(expected, actual):
                    outcome.matched += 1
                else:
                    outcome.failures.append(
                        f"case {case.get('id')}, {name}: expected {expected!r}, got {actual!r}"
                    )
    return outcome


def run_directories(roots: Sequence[pathlib.Path]) -> list[ModelOutcome]:
    """Every model directory under ``roots`` (a directory holding a .dmn file is one)."""
    outcomes: list[ModelOutcome] = []
    for root in roots:
        directories = [root] if any(root.glob("*.dmn")) else sorted(p for p in root.iterdir())
        outcomes.extend(run_model(d) for d in directories if d.is_dir() and any(d.glob("*.dmn")))
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="+", type=pathlib.Path)
    args = parser.parse_args(argv)
    outcomes = run_directories(args.directories)
    for outcome in outcomes:
        status = "pass" if outcome.passed else "FAIL"
        detail = outcome.error or (outcome.failures[0] if outcome.failures else "")
        print(f"{status}  {outcome.name}  {outcome.matched}/{outcome.results}  {detail}".rstrip())
    passed = sum(outcome.passed for outcome in outcomes)
    print(f"{passed} of {len(outcomes)} models pass")
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["ModelOutcome", "main", "read_value", "run_directories", "run_model", "same"]
