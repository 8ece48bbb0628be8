"""Tabletop drills: run invented scenarios against a protocol version, or two side by side.

A drill answers every question of the protocol for each scenario's facts and
flags, loudly, every question left unanswered together with the facts that
would settle it (the core's ``DecisionResult.needs``) or the conflict that
broke the table. Pure functions over the core model: the web page, the
``protocol_drill`` command and the benchmark share them.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from accord.core.errors import FactError
from accord.core.evaluate import DecisionResult, evaluate_protocol, json_value
from accord.core.model import Protocol
from accord.errors import ValidationError

from .situations import factor_label, format_value, protocol_names


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: Mapping[str, Any]
    notes: str = ""


@dataclass(frozen=True)
class Answer:
    """One question answered (or not) for one scenario."""

    decision: str
    question: str
    answered: bool
    text: str  # the answer in words, or why there is none
    rules: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    needs_labels: tuple[str, ...] = ()
    error: str = ""
    how: tuple[str, ...] = ()
    value: Any = None  # JSON shape, for comparisons and --format json


@dataclass(frozen=True)
class ScenarioRun:
    scenario: Scenario
    answers: tuple[Answer, ...] = ()
    fact_error: str = ""  # facts the version does not accept (unknown factor, bad value)

    @property
    def unanswered(self) -> tuple[Answer, ...]:
        return tuple(answer for answer in self.answers if not answer.answered)

    def answer(self, decision: str) -> Answer | None:
        return next((a for a in self.answers if a.decision == decision), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "facts": dict(self.scenario.facts),
            "fact_error": self.fact_error or None,
            "answers": {
                a.decision: {
                    "answered": a.answered,
                    "result": a.value,
                    "rules": list(a.rules),
                    "needs": list(a.needs),
                    "error": a.error or None,
                }
                for a in self.answers
            },
        }


def _answer(protocol: Protocol, decision_id: str, result: DecisionResult) -> Answer:
    decision = protocol.decisions[decision_id]
    value = json_value(result.result)
    if result.error:
        text = f"Conflict: {result.error}"
    elif result.needs:
        text = "Unanswered: needs " + ", ".join(
            factor_label(protocol, name) for name in result.needs
        )
    elif value is None and not result.rules:
        text = "No rule answers this situation"
    else:
        text = format_value(value, protocol_names(protocol))
    answered = result.answered and (value is not None or bool(result.rules))
    return Answer(
        decision=decision_id,
        question=decision.question,
        answered=answered,
        text=text,
        rules=tuple(result.rules),
        needs=tuple(result.needs),
        needs_labels=tuple(factor_label(protocol, name) for name in result.needs),
        error=result.error or "",
        how=tuple(result.how),
        value=value,
    )


def run_scenario(protocol: Protocol, scenario: Scenario) -> ScenarioRun:
    try:
        evaluation = evaluate_protocol(protocol, scenario.facts)
    except FactError as error:
        return ScenarioRun(scenario, (), fact_error=error.message)
    return ScenarioRun(
        scenario,
        tuple(_answer(protocol, decision_id, result) for decision_id, result in evaluation.items()),
    )


def run_drill(protocol: Protocol, scenarios: Iterable[Scenario]) -> list[ScenarioRun]:
    return [run_scenario(protocol, scenario) for scenario in scenarios]


@dataclass(frozen=True)
class ComparedAnswer:
    decision: str
    question: str
    left: Answer | None
    right: Answer | None

    @property
    def differs(self) -> bool:
        left = (self.left.value, self.left.answered) if self.left else None
        right = (self.right.value, self.right.answered) if self.right else None
        return left != right


@dataclass(frozen=True)
class ComparedScenario:
    scenario: Scenario
    left: ScenarioRun
    right: ScenarioRun
    rows: tuple[ComparedAnswer, ...] = field(default_factory=tuple)

    @property
    def differences(self) -> int:
        return sum(1 for row in self.rows if row.differs)

    @property
    def differences_text(self) -> str:
        """ "No answers differ", "1 answer differs", "3 answers differ"."""
        return differences_text(self.differences)


def differences_text(count: int) -> str:
    if count == 0:
        return gettext("No answers differ")
    return ngettext("%(count)d answer differs", "%(count)d answers differ", count) % {
        "count": count
    }


def compare_drill(
    left: Protocol, right: Protocol, scenarios: Sequence[Scenario]
) -> list[ComparedScenario]:
    """Each scenario run in both versions, question by question."""
    compared = []
    for scenario in scenarios:
        a, b = run_scenario(left, scenario), run_scenario(right, scenario)
        decisions = list(dict.fromkeys([*left.decisions, *right.decisions]))
        rows = tuple(
            ComparedAnswer(
                decision=decision_id,
                question=(right.decisions.get(decision_id) or left.decisions[decision_id]).question,
                left=a.answer(decision_id),
                right=b.answer(decision_id),
            )
            for decision_id in decisions
        )
        compared.append(ComparedScenario(scenario, a, b, rows))
    return compared


# -- scenario files ----------------------------------------------------------------------


def parse_scenarios(text: str, *, filename: str = "scenarios.yaml") -> list[Scenario]:
    """Read ``scenarios: [{name, facts, notes}]`` from YAML (safe loader)."""
    yaml = YAML(typ="safe")
    try:
        data = yaml.load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValidationError(
            _("%(filename)s: not valid YAML%(where)s") % {"filename": filename, "where": where},
            data={"field": "scenarios"},
        ) from error
    items = data.get("scenarios") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ValidationError(
            _("%(filename)s: expected a top-level 'scenarios:' list") % {"filename": filename},
            data={"field": "scenarios"},
        )
    scenarios = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or not item.get("name"):
            raise ValidationError(
                _("%(filename)s: scenario %(position)s needs a name")
                % {"filename": filename, "position": position},
                data={"field": "scenarios"},
            )
        facts = item.get("facts") or {}
        if not isinstance(facts, Mapping):
            raise ValidationError(
                _("%(filename)s: the facts of %(name)s must be a mapping")
                % {"filename": filename, "name": repr(item["name"])},
                data={"field": "scenarios"},
            )
        scenarios.append(
            Scenario(name=str(item["name"]), facts=dict(facts), notes=str(item.get("notes") or ""))
        )
    return scenarios


def load_scenario_file(path: pathlib.Path) -> list[Scenario]:
    return parse_scenarios(path.read_text(encoding="utf-8"), filename=str(path))


def describe_facts_plain(facts: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={format_value(value)}" for key, value in facts.items())
