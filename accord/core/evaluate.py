"""Answer a protocol's decisions for a set of facts, explaining each answer.

Each decision is compiled once into per-column indexes: for an enumeration or
boolean column, value -> bitset of the rules whose condition admits it; for a
numeric column, sorted breakpoints whose elementary segments (points and the
open gaps between them) each carry a bitset, found by ``bisect``. Rules are
bits of Python ints, so matching is a handful of dictionary look-ups and ANDs
whatever the number of rules, then the hit policy reads the set bits.

Unknown facts (missing, ``None`` or ``"unknown"``) are explicit. A rule
*matches* when every condition holds on known facts, *possibly matches* when
it fails on no known fact but tests an unknown one. When possible matches
exist, the decision answers only if every completion of the unknown facts
gives the same result; otherwise the answer names the facts it ``needs``.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from accord.core.errors import FactError
from accord.core.literal import (
    NO_VALUE,
    answer_literal,
    decision_order,
    describe_text_fact,
    fed_value,
    json_feel_value,
    text_fact_reads,
)
from accord.core.model import (
    UNKNOWN,
    Aggregation,
    Condition,
    Decision,
    Factor,
    FactorKind,
    HitPolicy,
    Protocol,
    Rule,
    Scalar,
)

#: Cap on the completions of unknown facts examined before answering "needs".
MAX_COMPLETIONS = 4096

_MISSING = object()


@dataclass(frozen=True)
class DecisionResult:
    """One decision's answer: ``result`` in the documented JSON shape (output
    value, object keyed by output name, list of those for multi-hit policies,
    number for aggregations, ``None`` when no rule matched or the answer
    needs facts), the rules that produced it and a one-line explanation.
    ``needs`` names unknown facts the answer depends on; ``error`` says why a
    table broke its own hit policy (UNIQUE or ANY with conflicting rules)."""

    decision: str
    result: Any
    rules: tuple[str, ...]
    explanation: str
    needs: tuple[str, ...] = ()
    error: str | None = None
    how: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return not self.needs and self.error is None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "result": json_value(self.result),
            "rules": list(self.rules),
            "explanation": self.explanation,
        }
        if self.needs:
            data["needs"] = list(self.needs)
        if self.error:
            data["error"] = self.error
        if self.how:
            data["how"] = list(self.how)
        return data


@dataclass(frozen=True)
class ProtocolEvaluation(Mapping[str, DecisionResult]):
    """Every decision's result for one set of facts (decision id -> result)."""

    results: Mapping[str, DecisionResult]
    facts: Mapping[str, Scalar | None] = field(default_factory=dict)

    def __getitem__(self, key: str) -> DecisionResult:
        return self.results[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __hash__(self) -> int:
        return id(self)

    @property
    def needs(self) -> tuple[str, ...]:
        """Every unknown fact some decision still depends on."""
        seen: dict[str, None] = {}
        for result in self.results.values():
            for name in result.needs:
                seen.setdefault(name, None)
        return tuple(seen)

    def to_json(self) -> dict[str, Any]:
        return {"decisions": {key: value.to_json() for key, value in self.results.items()}}


def json_value(value: Any) -> Any:
    """Decimals become int or float, tuples lists, mappings dicts."""
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, tuple | list):
        return [json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): json_value(item) for key, item in value.items()}
    return json_feel_value(value)


# --------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------


def _describe_allowed(factor: Factor) -> str:
    domain = factor.domain
    if domain.kind is FactorKind.BOOLEAN:
        return "true, false or unknown"
    if domain.kind is FactorKind.TEXT:
        return describe_text_fact(factor) + " or unknown"
    if domain.is_numeric:
        kind = "a whole number" if domain.kind is FactorKind.INTEGER else "a number"
        return f"{kind} in {domain.describe_bounds()} or unknown"
    return "one of " + ", ".join(str(v) for v in domain.values) + " or unknown"


def _infinite(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_infinite()


def coerce_fact(factor: Factor, value: Any) -> Scalar | None:
    """The fact as the factor's type, ``None`` when unknown; ValueError when
    outside the domain."""
    if value is None or value is _MISSING:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == UNKNOWN or text == "":
            return None
    domain = factor.domain
    if domain.kind is FactorKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError
    if domain.is_numeric:
        if isinstance(value, bool):
            raise ValueError
        try:
            number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError) as error:
            raise ValueError from error
        if not number.is_finite():
            raise ValueError
        if not domain.admits(number):
            raise ValueError
        if domain.kind is FactorKind.INTEGER:
            if number != number.to_integral_value():
                raise ValueError
            return int(number)
        return number
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = str(value)
    if domain.kind is FactorKind.TEXT:  # free text or a date: FEEL reads it by its type
        if not text_fact_reads(factor, text):
            raise ValueError
        return text
    if text not in domain.values:
        raise ValueError
    return text


def validate_facts(
    factors: Mapping[str, Factor], facts: Mapping[str, Any]
) -> dict[str, Scalar | None]:
    """Facts checked against their factors' domains (unknown -> None).

    Raises :class:`FactError` naming each bad fact and what it allows.
    """
    clean: dict[str, Scalar | None] = {}
    problems: list[str] = []
    bad: list[str] = []
    for name, value in facts.items():
        factor = factors.get(name)
        if factor is None:
            problems.append(f"unknown factor {name!r} (known: {', '.join(factors) or 'none'})")
            bad.append(name)
            continue
        try:
            clean[name] = coerce_fact(factor, value)
        except ValueError:
            problems.append(
                f"fact {name}={value!r} is outside the domain of {name!r}: "
                f"expected {_describe_allowed(factor)}"
            )
            bad.append(name)
    if problems:
        raise FactError(problems, factors=bad)
    return clean


# --------------------------------------------------------------------------
# Compiled decisions
# --------------------------------------------------------------------------


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, tuple | list):
        return " and ".join(_format(item) for item in value)
    return str(value)


def describe_condition(factor_id: str, condition: Condition) -> str:
    text = condition.text
    if condition.values is not None and len(condition.values) == 1:
        (value,) = condition.values
        if isinstance(value, bool):
            return factor_id if value else f"not {factor_id}"
        return f"{factor_id} is {value}"
    if condition.values is not None and not text.startswith("not("):
        return f"{factor_id} is {text.replace(', ', ' or ')}"
    if text[:1] in "<>=!":
        return f"{factor_id} {text}"
    if text.startswith("not("):
        return f"{factor_id} is not {text[4:-1].replace(', ', ' or ')}"
    return f"{factor_id} in {text}"


def rule_summary(decision: Decision, rule: Rule) -> str:
    """ "Rule L3: victim_citizenship is foreign_national → agency: hsi-riverton"."""
    tests = [
        describe_condition(factor_id, rule.conditions[factor_id])
        for factor_id in decision.inputs
        if factor_id in rule.conditions
    ]
    when = " and ".join(tests) if tests else "always"
    if len(decision.outputs) == 1:
        then = _format(rule.outputs.get(decision.outputs[0].name))
    else:
        then = ", ".join(
            f"{output.name}: {_format(rule.outputs.get(output.name))}"
            for output in decision.outputs
        )
    return f"Rule {rule.id}: {when} → {then}"


@dataclass
class _Column:
    factor_id: str
    numeric: bool
    any_bits: int  # rules with no condition on this column
    value_bits: dict[Any, int] = field(default_factory=dict)
    points: list[Any] = field(default_factory=list)
    segment_bits: list[int] = field(default_factory=list)

    def bits(self, value: Any) -> int:
        if value is NO_VALUE:  # a feeding decision gave no value: only "-" cells match
            return self.any_bits
        if not self.numeric:
            return self.value_bits.get(value, self.any_bits)
        index = bisect.bisect_left(self.points, value)
        if index < len(self.points) and self.points[index] == value:
            return self.segment_bits[2 * index + 1]
        return self.segment_bits[2 * index]


def _build_numeric(column: _Column, rules: tuple[Rule, ...]) -> None:
    endpoints: set[Any] = set()
    for rule in rules:
        condition = rule.conditions.get(column.factor_id)
        if condition is not None and condition.intervals is not None:
            for interval in condition.intervals:
                endpoints.add(interval.low)
                endpoints.add(interval.high)
    points = sorted(endpoints)
    column.points = points
    segments = 2 * len(points) + 1
    starts = [0] * (segments + 1)
    ends = [0] * (segments + 1)
    index_of = {point: position for position, point in enumerate(points)}
    for position, rule in enumerate(rules):
        condition = rule.conditions.get(column.factor_id)
        if condition is None or condition.intervals is None:
            continue
        bit = 1 << position
        for interval in condition.intervals:
            low = index_of[interval.low]
            high = index_of[interval.high]
            first = 2 * low + 2 if interval.low_open else 2 * low + 1
            last = 2 * high if interval.high_open else 2 * high + 1
            if first > last:
                continue
            starts[first] |= bit
            ends[last] |= bit
    current = 0
    segment_bits = []
    for segment in range(segments):
        current |= starts[segment]
        segment_bits.append(current | column.any_bits)
        current &= ~ends[segment]
    column.segment_bits = segment_bits


@dataclass
class CompiledDecision:
    """A decision with its column indexes and per-rule explanations."""

    decision: Decision
    columns: dict[str, _Column]
    all_bits: int
    summaries: tuple[str, ...]
    output_values: tuple[Any, ...]  # per rule: value in the result shape
    priorities: tuple[tuple[int, ...], ...]  # per rule: smaller = higher priority
    default: Any = None  # the result shape of the outputs' defaults, None without any

    def possible(self, facts: Mapping[str, Any]) -> tuple[int, int, list[str]]:
        """(matching bits, possibly matching bits, unknown inputs)."""
        matching = possible = self.all_bits
        unknown: list[str] = []
        for factor_id, column in self.columns.items():
            value = facts.get(factor_id)
            if value is None:
                matching &= column.any_bits
                unknown.append(factor_id)
            else:
                bits = column.bits(value)
                matching &= bits
                possible &= bits
        return matching, possible & ~matching, unknown


def _rule_output(decision: Decision, rule: Rule) -> Any:
    if len(decision.outputs) == 1:
        return rule.outputs.get(decision.outputs[0].name)
    return {output.name: rule.outputs.get(output.name) for output in decision.outputs}


def _rule_priority(decision: Decision, rule: Rule) -> tuple[int, ...]:
    ranks = []
    for output in decision.outputs:
        if not output.values:
            continue
        value = rule.outputs.get(output.name)
        try:
            ranks.append(output.values.index(value))
        except ValueError:
            ranks.append(len(output.values))
    return tuple(ranks)


def compile_decision(decision: Decision) -> CompiledDecision:
    rules = decision.rules
    all_bits = (1 << len(rules)) - 1
    columns: dict[str, _Column] = {}
    for factor_id in decision.inputs:
        any_bits = 0
        for position, rule in enumerate(rules):
            if factor_id not in rule.conditions or rule.conditions[factor_id].is_any:
                any_bits |= 1 << position
        numeric = any(
            rule.conditions[factor_id].intervals is not None
            for rule in rules
            if factor_id in rule.conditions and not rule.conditions[factor_id].is_any
        )
        column = _Column(factor_id, numeric, any_bits)
        if numeric:
            _build_numeric(column, rules)
        else:
            for position, rule in enumerate(rules):
                condition = rule.conditions.get(factor_id)
                if condition is None or condition.values is None:
                    continue
                for value in condition.values:
                    column.value_bits[value] = column.value_bits.get(value, any_bits) | (
                        1 << position
                    )
        columns[factor_id] = column
    return CompiledDecision(
        decision=decision,
        columns=columns,
        all_bits=all_bits,
        summaries=tuple(rule_summary(decision, rule) for rule in rules),
        output_values=tuple(_rule_output(decision, rule) for rule in rules),
        priorities=tuple(_rule_priority(decision, rule) for rule in rules),
        default=_default_output(decision),
    )


def _default_output(decision: Decision) -> Any:
    if all(output.default is None for output in decision.outputs):
        return None
    if len(decision.outputs) == 1:
        return decision.outputs[0].default
    return {output.name: output.default for output in decision.outputs}


def _format_result(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_format(item)}" for key, item in value.items())
    return _format(value)


def _bits(mask: int) -> list[int]:
    positions = []
    while mask:
        low = mask & -mask
        positions.append(low.bit_length() - 1)
        mask ^= low
    return positions


def _apply_hit_policy(compiled: CompiledDecision, matching: int) -> DecisionResult:
    decision = compiled.decision
    rules = decision.rules
    policy = decision.hit_policy
    if not matching:
        if policy is HitPolicy.COLLECT and decision.aggregation is Aggregation.COUNT:
            return DecisionResult(decision.id, 0, (), "No rule matched: count 0.")
        if compiled.default is not None:
            default = compiled.default
            if policy in (HitPolicy.RULE_ORDER, HitPolicy.OUTPUT_ORDER) or (
                policy is HitPolicy.COLLECT and decision.aggregation is None
            ):
                default = [default]
            return DecisionResult(
                decision.id,
                default,
                (),
                f"No rule matched: default {_format_result(compiled.default)}.",
            )
        return DecisionResult(decision.id, None, (), "No rule matched.")
    if policy is HitPolicy.FIRST:
        position = (matching & -matching).bit_length() - 1
        return DecisionResult(
            decision.id,
            compiled.output_values[position],
            (rules[position].id,),
            compiled.summaries[position],
            how=(rules[position].how,) if rules[position].how else (),
        )
    positions = _bits(matching)
    if policy is HitPolicy.UNIQUE:
        if len(positions) > 1:
            ids = tuple(rules[p].id for p in positions)
            message = f"UNIQUE table, but rules {', '.join(ids)} all match"
            return DecisionResult(decision.id, None, ids, message + ".", error=message)
        position = positions[0]
        return DecisionResult(
            decision.id,
            compiled.output_values[position],
            (rules[position].id,),
            compiled.summaries[position],
            how=(rules[position].how,) if rules[position].how else (),
        )
    if policy is HitPolicy.ANY:
        values = [compiled.output_values[p] for p in positions]
        ids = tuple(rules[p].id for p in positions)
        if any(value != values[0] for value in values[1:]):
            message = f"ANY table, but matching rules {', '.join(ids)} give different outputs"
            return DecisionResult(decision.id, None, ids, message + ".", error=message)
        position = positions[0]
        return DecisionResult(
            decision.id,
            values[0],
            ids,
            compiled.summaries[position]
            + (
                f" (and {len(ids) - 1} equal rule{'s' if len(ids) > 2 else ''})"
                if len(ids) > 1
                else ""
            ),
            how=tuple(rules[p].how for p in positions if rules[p].how),
        )
    if policy is HitPolicy.PRIORITY:
        position = min(positions, key=lambda p: (compiled.priorities[p], p))
        return DecisionResult(
            decision.id,
            compiled.output_values[position],
            (rules[position].id,),
            compiled.summaries[position] + " (highest priority of the matching rules)"
            if len(positions) > 1
            else compiled.summaries[position],
            how=(rules[position].how,) if rules[position].how else (),
        )
    if policy is HitPolicy.OUTPUT_ORDER:
        positions = sorted(positions, key=lambda p: (compiled.priorities[p], p))
    if policy is HitPolicy.COLLECT and decision.aggregation is not None:
        return _aggregate(compiled, positions)
    ids = tuple(rules[p].id for p in positions)
    return DecisionResult(
        decision.id,
        [compiled.output_values[p] for p in positions],
        ids,
        "; ".join(compiled.summaries[p] for p in positions),
        how=tuple(rules[p].how for p in positions if rules[p].how),
    )


def _aggregate(compiled: CompiledDecision, positions: list[int]) -> DecisionResult:
    decision = compiled.decision
    aggregation = decision.aggregation
    rules = decision.rules
    ids = tuple(rules[p].id for p in positions)
    values = [compiled.output_values[p] for p in positions]
    if aggregation is Aggregation.COUNT:
        numbers: Any = len([v for v in values if v is not None])
        result = numbers
    else:
        present = [v for v in values if v is not None]
        if not present:
            result = None
        elif aggregation is Aggregation.SUM:
            result = sum(present)
        elif aggregation is Aggregation.MIN:
            result = min(present)
        else:
            result = max(present)
    explanation = f"{aggregation.value if aggregation else ''} of {', '.join(_format(v) for v in values)} = {_format(result)} (rules {', '.join(ids)})"
    return DecisionResult(
        decision.id,
        result,
        ids,
        explanation,
        how=tuple(rules[p].how for p in positions if rules[p].how),
    )


def _representatives(compiled: CompiledDecision, factor: Factor, candidates: int) -> list[Any]:
    """One value per distinct pattern of rule membership on this column."""
    column = compiled.columns[factor.id]
    domain = factor.domain
    if not column.numeric:
        values: Iterable[Any] = domain.values
    else:
        points = column.points
        raw: set[Any] = set(points)
        integer = domain.kind is FactorKind.INTEGER
        for point in points:
            raw.add(point - 1)
            raw.add(point + 1)
        for left, right in itertools.pairwise(points):
            if integer:
                raw.add((left + right) // 2)
            else:
                raw.add((Decimal(left) + Decimal(right)) / 2)
        for bound in (domain.minimum, domain.maximum):
            if bound is not None and not _infinite(bound):
                raw.add(bound)
        finite = [b for b in (domain.minimum, domain.maximum) if b is not None and not _infinite(b)]
        if len(finite) == 2 and not integer:
            raw.add((Decimal(finite[0]) + Decimal(finite[1])) / 2)  # inside open bounds
        if not raw:
            raw.add(0 if domain.minimum is None or _infinite(domain.minimum) else domain.minimum)
        values = sorted(v for v in raw if not _infinite(v) and domain.admits(v))
    chosen: dict[int, Any] = {}
    for value in values:
        chosen.setdefault(column.bits(value) & candidates, value)
    return list(chosen.values())


def _result_key(result: DecisionResult) -> Any:
    return repr((result.result, result.error is not None))


def _evaluate_with_unknowns(
    compiled: CompiledDecision,
    facts: Mapping[str, Any],
    factors: Mapping[str, Factor],
    matching: int,
    maybe: int,
    unknown: list[str],
) -> DecisionResult:
    decision = compiled.decision
    candidates = matching | maybe
    relevant = [
        factor_id
        for factor_id in unknown
        if (~compiled.columns[factor_id].any_bits) & maybe and factor_id in factors
    ]
    options = [_representatives(compiled, factors[f], candidates) for f in relevant]
    total = 1
    for option in options:
        total *= max(1, len(option))
    if total > MAX_COMPLETIONS:
        return DecisionResult(
            decision.id,
            None,
            (),
            f"Needs {', '.join(relevant)} to decide.",
            needs=tuple(relevant),
        )
    outcomes: dict[tuple[Any, ...], DecisionResult] = {}
    for combination in itertools.product(*options):
        completed = dict(facts)
        completed.update(zip(relevant, combination, strict=True))
        bits, _, _ = compiled.possible(completed)
        outcomes[combination] = _apply_hit_policy(compiled, bits)
    keys = {_result_key(outcome) for outcome in outcomes.values()}
    if len(keys) == 1:
        first = next(iter(outcomes.values()))
        common = set(first.rules)
        for outcome in outcomes.values():
            common &= set(outcome.rules)
        rules = tuple(rule_id for rule_id in first.rules if rule_id in common)
        unknown_text = ", ".join(relevant)
        return DecisionResult(
            decision.id,
            first.result,
            rules,
            f"{first.explanation} (whatever {unknown_text} turns out to be)",
            error=first.error,
            how=first.how,
        )
    needed: list[str] = []
    for index, factor_id in enumerate(relevant):
        groups: dict[tuple[Any, ...], set[str]] = {}
        for combination, outcome in outcomes.items():
            rest = combination[:index] + combination[index + 1 :]
            groups.setdefault(rest, set()).add(_result_key(outcome))
        if any(len(group) > 1 for group in groups.values()):
            needed.append(factor_id)
    if not needed:
        needed = relevant
    return DecisionResult(
        decision.id,
        None,
        (),
        f"Needs {', '.join(needed)} to decide: the answer depends on {'it' if len(needed) == 1 else 'them'}.",
        needs=tuple(needed),
    )


def evaluate_compiled(
    compiled: CompiledDecision,
    facts: Mapping[str, Any],
    factors: Mapping[str, Factor] | None = None,
) -> DecisionResult:
    """Evaluate with facts already validated (unknown = missing or None)."""
    matching, maybe, unknown = compiled.possible(facts)
    if not maybe:
        return _apply_hit_policy(compiled, matching)
    return _evaluate_with_unknowns(compiled, facts, factors or {}, matching, maybe, unknown)


def evaluate_decision(
    decision: Decision,
    facts: Mapping[str, Any],
    *,
    factors: Mapping[str, Factor],
) -> DecisionResult:
    """Validate the facts, then answer one decision."""
    clean = validate_facts(factors, facts)
    return evaluate_compiled(_compiled_for(decision), clean, factors)


class _CompiledCache:
    """Compiled decisions keyed by the decision object itself (held strongly
    so its id cannot be reused), bounded."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.entries: dict[int, tuple[Decision, CompiledDecision]] = {}

    def get(self, decision: Decision) -> CompiledDecision:
        entry = self.entries.get(id(decision))
        if entry is not None and entry[0] is decision:
            return entry[1]
        compiled = compile_decision(decision)
        if len(self.entries) >= self.size:
            self.entries.pop(next(iter(self.entries)))
        self.entries[id(decision)] = (decision, compiled)
        return compiled


_CACHE = _CompiledCache()


def _compiled_for(decision: Decision) -> CompiledDecision:
    return _CACHE.get(decision)


def evaluate_protocol(protocol: Protocol, facts: Mapping[str, Any]) -> ProtocolEvaluation:
    """Every decision of ``protocol`` answered for ``facts``.

    Raises :class:`FactError` when a fact names no factor or lies outside
    its factor's domain.
    """
    clean = validate_facts(protocol.factors, facts)
    results: dict[str, DecisionResult] = {}
    for decision_id in decision_order(protocol.decisions):
        results[decision_id] = _answer(protocol, protocol.decisions[decision_id], clean, results)
    return ProtocolEvaluation({d: results[d] for d in protocol.decisions}, clean)


def _answer(
    protocol: Protocol,
    decision: Decision,
    facts: Mapping[str, Any],
    answered: Mapping[str, DecisionResult],
) -> DecisionResult:
    """One decision, after those it requires (DMN): a literal expression or a table."""
    upstream = {
        name: (
            answered[name].result,
            answered[name].needs or (() if answered[name].answered else (name,)),
        )
        for name in decision.requires
        if name in answered
    }
    if decision.expression is not None:
        literal = answer_literal(decision, facts, protocol.factors, upstream)
        return DecisionResult(
            decision.id,
            literal.value,
            (),
            literal.explanation,
            needs=literal.needs,
            error=literal.error,
        )
    if not decision.requires:
        return evaluate_compiled(_compiled_for(decision), facts, protocol.factors)
    # A column fed by another decision reads its answer as the fact of that name.
    fed = dict(facts)
    for name, (value, wanted) in upstream.items():  # unanswered: unknown, as a missing fact
        fed[name] = None if wanted else fed_value(protocol.factors.get(name), value)
    result = evaluate_compiled(_compiled_for(decision), fed, protocol.factors)
    if result.needs:  # what the feeding decision needs, not the decision itself
        needs: list[str] = []
        for name in result.needs:
            needs.extend(upstream[name][1] if name in upstream else (name,))
        result = dataclasses.replace(result, needs=tuple(dict.fromkeys(needs)))
    return result


__all__ = [
    "CompiledDecision",
    "DecisionResult",
    "ProtocolEvaluation",
    "coerce_fact",
    "compile_decision",
    "evaluate_compiled",
    "evaluate_decision",
    "evaluate_protocol",
    "json_value",
    "rule_summary",
    "validate_facts",
]
