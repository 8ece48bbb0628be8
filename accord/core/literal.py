"""Decisions that read other decisions, and literal-expression decisions (DMN).

:func:`decision_order` puts each decision after the decisions it requires
(refusing a cycle); :func:`answer_literal` computes a literal-expression
decision's value with the FEEL evaluator (:mod:`accord.core.feel`) from the
facts and the answers of the decisions it requires. Pure Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accord.core.feel import NOT_KNOWN, Expression, format_value, parse
from accord.core.feel_values import (
    YearsMonths,
    kind_of,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
)
from accord.core.model import Decision, Factor, FactorKind, OutputKind


class DecisionCycle(ValueError):
    """Decisions that require each other in a ring: none could be answered first."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = tuple(cycle)
        super().__init__(" → ".join(self.cycle))


def decision_order(decisions: Mapping[str, Decision]) -> list[str]:
    """Decision ids with each after those it requires (declaration order otherwise).

    A requirement naming no decision is ignored here (verification reports it).
    Raises :class:`DecisionCycle` naming the ring.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1: being visited, 2: placed
    for start in decisions:
        if state.get(start) == 2:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        state[start] = 1
        while stack:
            current, position = stack[-1]
            requires = [r for r in decisions[current].requires if r in decisions]
            if position < len(requires):
                stack[-1] = (current, position + 1)
                following = requires[position]
                if state.get(following) == 1:
                    ring = [*path[path.index(following) :], following]
                    raise DecisionCycle(ring)
                if state.get(following) != 2:
                    state[following] = 1
                    stack.append((following, 0))
                    path.append(following)
                continue
            stack.pop()
            path.pop()
            state[current] = 2
            order.append(current)
    return order


#: Declared output types an answer is checked against: (FEEL type, words for the error).
_DECLARED = {
    OutputKind.NUMBER: ("number", "a number"),
    OutputKind.BOOLEAN: ("boolean", "true or false"),
}


@dataclass(frozen=True)
class LiteralAnswer:
    value: Any
    needs: tuple[str, ...]
    explanation: str
    error: str | None = None


#: Parsed expressions by (text, names read), bounded; the importer fills it as it parses.
_PARSED: dict[tuple[str, frozenset[str]], Expression] = {}
_PARSED_SIZE = 8192


def remember_parsed(decision: Decision, expression: Expression) -> None:
    """Keep a literal decision's expression parsed at import, so its first evaluation does
    not parse it again (the names it reads tokenize it as the whole model's names did)."""
    if len(_PARSED) >= _PARSED_SIZE:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[_key(decision)] = expression


def _key(decision: Decision) -> tuple[str, frozenset[str]]:
    return (decision.expression or "null", frozenset((*decision.inputs, *decision.requires)))


def _parsed(decision: Decision) -> Expression:
    key = _key(decision)
    expression = _PARSED.get(key)
    if expression is None:
        expression = parse(key[0], key[1])
        remember_parsed(decision, expression)
    return expression


_TEXT_PARSERS: Mapping[str, Any] = {
    "date": parse_date,
    "dateTime": parse_date_time,
    "time": parse_time,
    "duration": parse_duration,
    "dayTimeDuration": parse_duration,
    "yearMonthDuration": parse_duration,
}
_TEXT_FORMS: Mapping[str, str] = {
    "date": "a date such as 2026-12-07",
    "dateTime": "a date and time such as 2026-12-07T10:00:00",
    "time": "a time such as 10:00:00",
    "duration": "a duration such as P14D, PT2H or P1Y2M",
    "dayTimeDuration": "a duration such as P14D or PT2H",
    "yearMonthDuration": "a duration such as P1Y2M",
}


def text_fact_reads(factor: Factor, text: str) -> bool:
    """Whether a text factor's fact is of its type (a date input's fact is a date)."""
    parser = _TEXT_PARSERS.get(factor.feel_type.removeprefix("feel:"))
    return parser is None or parser(text.strip()) is not None


def describe_text_fact(factor: Factor) -> str:
    """What a text factor's fact must be, for an error message."""
    return _TEXT_FORMS.get(factor.feel_type.removeprefix("feel:"), "text")


def feel_fact(factor: Factor | None, value: Any) -> Any:
    """A fact as FEEL reads it: numbers as decimals, dates and durations by their type."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and factor is not None and factor.domain.kind is FactorKind.TEXT:
        parser = _TEXT_PARSERS.get(factor.feel_type.removeprefix("feel:"))
        return parser(value.strip()) if parser else value
    if isinstance(value, tuple):
        return [feel_fact(None, item) for item in value]
    if isinstance(value, list):
        return [feel_fact(None, item) for item in value]
    if isinstance(value, Mapping):
        return {key: feel_fact(None, item) for key, item in value.items()}
    return value


def answer_literal(
    decision: Decision,
    facts: Mapping[str, Any],
    factors: Mapping[str, Factor],
    upstream: Mapping[str, tuple[Any, tuple[str, ...]]],
) -> LiteralAnswer:
    """The value of a literal-expression decision.

    ``upstream`` maps each decision it requires to (answer, the facts that answer
    still needs). An unknown fact or an unanswered required decision is NOT_KNOWN to
    the expression, not ``null``: when the value depends on it, the answer names
    what it needs instead (``if Age >= 18 then "adult" else "minor"`` with the age
    unknown needs the age; it does not answer "minor").
    """
    expression = _parsed(decision)
    context: dict[str, Any] = {}
    needs: list[str] = []
    for name in decision.inputs:
        fact = facts.get(name)
        context[name] = NOT_KNOWN if fact is None else feel_fact(factors.get(name), fact)
        if fact is None and name in expression.names:
            needs.append(name)
    for name in decision.requires:
        value, wanted = upstream.get(name, (None, (name,)))
        context[name] = NOT_KNOWN if wanted else feel_fact(None, value)
        needs.extend(wanted)
    value = expression.evaluate(context)
    if value is NOT_KNOWN:
        unique = tuple(dict.fromkeys(needs))
        return LiteralAnswer(None, unique, f"Needs {', '.join(unique)} to decide.")
    shown = format_value(value)
    if isinstance(value, str):
        shown = f'"{value}"'
    declared = _DECLARED.get(decision.outputs[0].kind) if decision.outputs else None
    if declared and value is not None and kind_of(value) != declared[0]:
        message = f"{decision.id} is declared {declared[1]}, but its expression gave {shown}"
        return LiteralAnswer(None, (), message + ".", error=message)
    return LiteralAnswer(
        value,
        (),
        f"{decision.id} = {decision.expression} = {shown if shown is not None else 'null'}",
    )


class _NoValue:
    def __repr__(self) -> str:
        return "NO_VALUE"


#: What a table column reads when the decision feeding it answered with no value (no rule
#: matched, or a value of another type): only the column's "any" cells ("-") match it.
NO_VALUE: Any = _NoValue()


def fed_value(factor: Factor | None, value: Any) -> Any:
    """A decision's answer as a table column reads it (:data:`NO_VALUE` for none or a
    value of another type than the column's)."""
    if factor is None or value is None:
        return NO_VALUE
    kind = factor.domain.kind
    if kind is FactorKind.BOOLEAN:
        return value if isinstance(value, bool) else NO_VALUE
    if factor.domain.is_numeric:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return NO_VALUE
        if kind is FactorKind.INTEGER and value == int(value):
            return int(value)
        return Decimal(value)
    return value if isinstance(value, str) else NO_VALUE


def json_feel_value(value: Any) -> Any:
    """Dates, times and durations as their FEEL text, for JSON."""
    if isinstance(value, dt.date | dt.time | dt.timedelta | YearsMonths):
        return format_value(value)
    return value


__all__ = [
    "NO_VALUE",
    "DecisionCycle",
    "LiteralAnswer",
    "answer_literal",
    "decision_order",
    "describe_text_fact",
    "fed_value",
    "feel_fact",
    "json_feel_value",
    "remember_parsed",
    "text_fact_reads",
]
