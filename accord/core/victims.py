"""Per-victim answers: questions about a person from her own facts, questions about the case over
every victim.

A case may have several potential victims: a 17-year-old among adults must not make everyone a
minor, and one foreign national must still bring the federal partner in. So:

- a decision declared ``for: victim`` is answered for each potential victim, on the case facts
  overlaid with her own (the factors bound to a victim attribute: ``victim: age`` ...);
- a decision about the case is answered over the whole case: once per victim, then combined
  (the union of the answer rows, in order, each row once), so a row any victim brings is kept.

With no victim recorded yet, both kinds are answered on the case facts alone (the intake
facts), as before there were victims. A victim's age may be a range (``(15, 17)``): the answer
is then the one every age in the range gives, or says it needs her exact age.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from accord.core.evaluate import (
    DecisionResult,
    ProtocolEvaluation,
    _compiled_for,
    evaluate_compiled,
    json_value,
    validate_facts,
)
from accord.core.model import UNKNOWN, Domain, Factor, Number, Protocol

__all__ = [
    "CaseEvaluation",
    "VictimFacts",
    "evaluate_case",
    "victim_fact_problems",
    "victim_fact_values",
]


@dataclass(frozen=True)
class VictimFacts:
    """One potential victim as evaluation needs her: a stable key (her record id), a label
    (her pseudonym) and what her record says, by victim attribute (``age`` may be a
    ``(low, high)`` range; ``None`` or absent = not known)."""

    key: str
    label: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseEvaluation:
    """The case-level answers (``case``) and each victim's evaluation (``victims``, by key)."""

    case: ProtocolEvaluation
    victims: Mapping[str, ProtocolEvaluation]
    labels: Mapping[str, str]
    per_victim: frozenset[str]

    def answers_for(self, decision_id: str) -> list[tuple[str | None, DecisionResult]]:
        """``(victim key or None, result)`` pairs: one per victim for a per-victim question
        (or the case's answer while no victim is recorded), else the case's one answer."""
        if decision_id in self.per_victim and self.victims:
            return [(key, evaluation[decision_id]) for key, evaluation in self.victims.items()]
        return [(None, self.case[decision_id])]

    def evaluation_for(self, victim_key: str | None) -> ProtocolEvaluation:
        if victim_key is None:
            return self.case
        return self.victims[victim_key]


def victim_fact_values(
    protocol: Protocol, attributes: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """The victim's facts by factor id, and the age-like ranges to narrow domains with."""
    facts: dict[str, Any] = {}
    ranges: dict[str, tuple[Any, Any]] = {}
    for factor_id, attribute in protocol.victim_factors().items():
        value = attributes.get(attribute)
        if isinstance(value, tuple | list) and len(value) == 2:
            low, high = value
            if low is not None and high is not None and low == high:
                facts[factor_id] = low
            elif low is not None or high is not None:
                ranges[factor_id] = (low, high)
                facts[factor_id] = UNKNOWN
            else:
                facts[factor_id] = UNKNOWN
        else:
            facts[factor_id] = UNKNOWN if value in (None, "") else value
    return facts, ranges


def victim_fact_problems(protocol: Protocol, attributes: Mapping[str, Any]) -> dict[str, str]:
    """attribute -> what is wrong with it, for values outside the bound factor's domain (an
    age range is checked at both ends and must not be inverted)."""
    from accord.core.evaluate import _describe_allowed, coerce_fact

    problems: dict[str, str] = {}
    for factor_id, attribute in protocol.victim_factors().items():
        value = attributes.get(attribute)
        if value in (None, "", UNKNOWN):
            continue
        factor = protocol.factors[factor_id]
        ends = list(value) if isinstance(value, tuple | list) else [value]
        try:
            coerced = [coerce_fact(factor, end) for end in ends if end is not None]
        except ValueError:
            label = factor.label or factor_id
            problems[attribute] = (
                f"{value!r} is not allowed for {label}: {_describe_allowed(factor)}"
            )
            continue
        low, high = (coerced[0], coerced[1]) if len(coerced) == 2 else (None, None)
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            problems[attribute] = f"the range {ends[0]} to {ends[1]} is inverted"
    return problems


def _narrowed(factor: Factor, low: Any, high: Any) -> Factor:
    """The factor with its numeric domain narrowed to what the victim's age range allows."""
    domain = factor.domain
    floor = Decimal("-Infinity") if domain.minimum is None else Decimal(domain.minimum)
    ceiling = Decimal("Infinity") if domain.maximum is None else Decimal(domain.maximum)
    minimum: Number | None = domain.minimum if low is None else max(Decimal(low), floor)
    maximum: Number | None = domain.maximum if high is None else min(Decimal(high), ceiling)
    if domain.kind.value == "integer":
        if isinstance(minimum, Decimal) and minimum.is_finite():
            minimum = int(minimum)
        if isinstance(maximum, Decimal) and maximum.is_finite():
            maximum = int(maximum)
    return replace(
        factor,
        domain=Domain(
            domain.kind,
            minimum=minimum,
            maximum=maximum,
            # a victim's own range is closed (her ends are admitted values); else keep the domain's
            minimum_open=domain.minimum_open and low is None,
            maximum_open=domain.maximum_open and high is None,
        ),
    )


def _evaluate(
    protocol: Protocol, facts: Mapping[str, Any], ranges: Mapping[str, tuple[Any, Any]]
) -> ProtocolEvaluation:
    factors: Mapping[str, Factor] = protocol.factors
    if ranges:
        factors = {
            fid: _narrowed(f, *ranges[fid]) if fid in ranges else f for fid, f in factors.items()
        }
    clean = validate_facts(factors, facts)
    results = {
        decision_id: evaluate_compiled(_compiled_for(decision), clean, factors)
        for decision_id, decision in protocol.decisions.items()
    }
    return ProtocolEvaluation(results, clean)


def _rows(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _combined(decision_id: str, results: Sequence[tuple[str, DecisionResult]]) -> DecisionResult:
    """One answer over every victim: the same answer when all agree, else the union of rows."""
    first = results[0][1]
    if all(
        json_value(r.result) == json_value(first.result)
        and r.needs == first.needs
        and r.error == first.error
        for _, r in results
    ):
        return first
    rows: list[Any] = []
    rules: list[str] = []
    how: list[str] = []
    needs: list[str] = []
    for _, result in results:
        for row in _rows(json_value(result.result)):
            if row not in rows:
                rows.append(row)
        rules += [r for r in result.rules if r not in rules]
        how += [h for h in result.how if h not in how]
        needs += [n for n in result.needs if n not in needs]
    error = next((r.error for _, r in results if r.error), None)
    explanation = "Over every potential victim: " + "; ".join(
        f"{label}: {result.explanation}" for label, result in results
    )
    return DecisionResult(
        decision_id,
        rows or None,
        tuple(rules),
        explanation,
        needs=tuple(needs),
        error=error,
        how=tuple(how),
    )


def evaluate_case(
    protocol: Protocol, facts: Mapping[str, Any], victims: Sequence[VictimFacts] = ()
) -> CaseEvaluation:
    """Every decision answered for the case and for each potential victim.

    Raises ``FactError`` when a fact (the case's or a victim's) lies outside its factor's
    domain, naming the factor.
    """
    per_victim = frozenset(d for d, decision in protocol.decisions.items() if decision.per_victim)
    bound = protocol.victim_factors()
    base = dict(facts)
    if not victims:
        evaluation = _evaluate(protocol, base, {})
        return CaseEvaluation(evaluation, {}, {}, per_victim)
    shared = {k: v for k, v in base.items() if k not in bound}
    for factor_id, factor in protocol.factors.items():
        if factor.victims_aggregate == "count":
            known = shared.get(factor_id)
            counted = len(victims)
            if isinstance(known, int | Decimal) and not isinstance(known, bool):
                counted = max(counted, int(known))
            shared[factor_id] = min(counted, int(factor.domain.maximum))  # type: ignore[arg-type]
    by_victim: dict[str, ProtocolEvaluation] = {}
    for victim in victims:
        own, ranges = victim_fact_values(protocol, victim.attributes)
        by_victim[victim.key] = _evaluate(protocol, {**shared, **own}, ranges)
    labels = {victim.key: victim.label for victim in victims}
    results: dict[str, DecisionResult] = {}
    for decision_id in protocol.decisions:
        answers = [(labels[key], ev[decision_id]) for key, ev in by_victim.items()]
        results[decision_id] = _combined(decision_id, answers)
    case_facts = validate_facts(protocol.factors, shared)
    return CaseEvaluation(ProtocolEvaluation(results, case_facts), by_victim, labels, per_victim)
