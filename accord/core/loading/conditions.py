"""DMN simple unary tests (condition cells) read against a factor's domain.

Shared by the YAML loader and the DMN importer. Pure Python.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from accord.core.model import (
    ANY,
    UNKNOWN,
    Condition,
    Domain,
    FactorKind,
    Interval,
    Number,
    Scalar,
)

NEG_INF = Decimal("-Infinity")
POS_INF = Decimal("Infinity")


class ConditionProblem(ValueError):
    """A condition cell cannot be read against its factor's domain."""

    def __init__(self, message: str, *, expected: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


_NUMBER = r"-?\d+(?:\.\d+)?"
_COMPARISON = re.compile(rf"^(<=|>=|<|>|=|!=)?\s*({_NUMBER})$")
_RANGE = re.compile(rf"^([\[\(\]])\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*([\]\)\[])$")
CONDITION_SYNTAX = (
    '"-" (any), a value, "a, b" (one of), "not(a, b)", "< n", "<= n", "> n", ">= n", '
    '"[a..b]" / "(a..b)" / "[a..b)" ranges'
)


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside quotes or brackets."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "[(":
            depth += 1
        elif not quoted and char in "])" and depth > 0:
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def domain_bounds(domain: Domain) -> tuple[Decimal, Decimal]:
    low = NEG_INF if domain.minimum is None else Decimal(domain.minimum)
    high = POS_INF if domain.maximum is None else Decimal(domain.maximum)
    return low, high


def _normalise_integer(interval: Interval) -> Interval | None:
    """Closed integer bounds (infinite bounds stay open); None when empty."""
    low: Number
    high: Number
    low_open = high_open = False
    if Decimal(interval.low).is_infinite():
        low, low_open = NEG_INF, True
    else:
        value = Decimal(interval.low)
        low = math.floor(value) + 1 if interval.low_open else math.ceil(value)
    if Decimal(interval.high).is_infinite():
        high, high_open = POS_INF, True
    else:
        value = Decimal(interval.high)
        high = math.ceil(value) - 1 if interval.high_open else math.floor(value)
    if low > high:
        return None
    return Interval(low, high, low_open, high_open)


def _is_empty(interval: Interval) -> bool:
    if interval.low > interval.high:
        return True
    return interval.low == interval.high and (interval.low_open or interval.high_open)


def _merge(intervals: Iterable[Interval], *, integer: bool) -> tuple[Interval, ...]:
    """Sorted, disjoint, maximal intervals covering the same values."""
    ordered = sorted(intervals, key=lambda i: (i.low, i.low_open))
    merged: list[Interval] = []
    for interval in ordered:
        if merged:
            last = merged[-1]
            touches = interval.low < last.high or (
                interval.low == last.high and not (last.high_open and interval.low_open)
            )
            if integer and not touches:
                touches = (
                    not Decimal(last.high).is_infinite()
                    and not Decimal(interval.low).is_infinite()
                    and interval.low == last.high + 1
                )
            if touches:
                if interval.high > last.high or (
                    interval.high == last.high and last.high_open and not interval.high_open
                ):
                    merged[-1] = Interval(
                        last.low, interval.high, last.low_open, interval.high_open
                    )
                continue
        merged.append(interval)
    return tuple(merged)


def _intersect(
    interval: Interval,
    low: Decimal,
    high: Decimal,
    *,
    domain_low_open: bool = False,
    domain_high_open: bool = False,
) -> Interval | None:
    new_low, low_open = interval.low, interval.low_open
    if low > new_low or (low == new_low and domain_low_open):
        new_low, low_open = low, low.is_infinite() or domain_low_open
    new_high, high_open = interval.high, interval.high_open
    if high < new_high or (high == new_high and domain_high_open):
        new_high, high_open = high, high.is_infinite() or domain_high_open
    result = Interval(new_low, new_high, low_open, high_open)
    return None if _is_empty(result) else result


def _complement(
    intervals: tuple[Interval, ...],
    low: Decimal,
    high: Decimal,
    *,
    integer: bool,
    low_open: bool = False,
    high_open: bool = False,
) -> tuple[Interval, ...]:
    """The domain minus ``intervals`` (which are sorted, disjoint, inside it)."""
    result: list[Interval] = []
    cursor: Number = low
    cursor_open = low.is_infinite() or low_open
    for interval in intervals:
        if integer:
            piece = Interval(cursor, interval.low, cursor_open, True)
        else:
            piece = Interval(cursor, interval.low, cursor_open, not interval.low_open)
        if not _is_empty(piece):
            result.append(piece)
        cursor, cursor_open = interval.high, not interval.high_open
    tail = Interval(cursor, high, cursor_open, high.is_infinite() or high_open)
    if not _is_empty(tail):
        result.append(tail)
    if integer:
        cleaned = [_normalise_integer(i) for i in result]
        return tuple(i for i in cleaned if i is not None)
    return tuple(result)


def _as_number(text: str, domain: Domain) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ConditionProblem(
            f"{text!r} is not a number", expected="a number or a range"
        ) from error
    return value


def _numeric_region(text: str, domain: Domain) -> tuple[Interval, ...]:
    integer = domain.kind is FactorKind.INTEGER
    low, high = domain_bounds(domain)
    pieces: list[Interval] = []
    for item in _split_top_level(text):
        if not item:
            raise ConditionProblem("empty test in a list", expected=CONDITION_SYNTAX)
        comparison = _COMPARISON.match(item)
        range_match = _RANGE.match(item)
        if comparison:
            operator, number_text = comparison.groups()
            number = _as_number(number_text, domain)
            if operator in (None, "="):
                pieces.append(Interval(number, number))
            elif operator == "!=":
                pieces.extend(
                    [Interval(NEG_INF, number, True, True), Interval(number, POS_INF, True, True)]
                )
            elif operator == "<":
                pieces.append(Interval(NEG_INF, number, True, True))
            elif operator == "<=":
                pieces.append(Interval(NEG_INF, number, True, False))
            elif operator == ">":
                pieces.append(Interval(number, POS_INF, True, True))
            else:
                pieces.append(Interval(number, POS_INF, False, True))
        elif range_match:
            start, low_text, high_text, end = range_match.groups()
            range_low = _as_number(low_text, domain)
            range_high = _as_number(high_text, domain)
            low_open = start != "["
            high_open = end != "]"
            if range_low > range_high:
                raise ConditionProblem(
                    f"inverted range {item!r}: {range_low} is above {range_high}",
                    expected="a range whose lower end is not above its upper end",
                )
            candidate = Interval(range_low, range_high, low_open, high_open)
            if _is_empty(candidate) or (integer and _normalise_integer(candidate) is None):
                raise ConditionProblem(
                    f"empty range {item!r}: no value lies inside it",
                    expected="a range containing at least one value",
                )
            pieces.append(candidate)
        else:
            raise ConditionProblem(
                f"cannot read {item!r} as a numeric test", expected=CONDITION_SYNTAX
            )
    clamped: list[Interval] = []
    for piece in pieces:
        inside = _intersect(
            piece,
            low,
            high,
            domain_low_open=domain.minimum_open,
            domain_high_open=domain.maximum_open,
        )
        if inside is not None and integer:
            inside = _normalise_integer(inside)
        if inside is None:
            raise ConditionProblem(
                f"{text!r} lies outside the domain {_describe_domain(domain)}",
                expected=f"values within {_describe_domain(domain)}",
            )
        clamped.append(inside)
    return _merge(clamped, integer=integer)


def _describe_domain(domain: Domain) -> str:
    if domain.is_numeric:
        return f"{domain.describe_bounds()} ({domain.kind.value})"
    return "one of: " + ", ".join(_format_scalar(v) for v in domain.values)


def _format_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value_region(text: str, domain: Domain) -> frozenset[Scalar]:
    values: set[Scalar] = set()
    for item in _split_top_level(text):
        if not item:
            raise ConditionProblem("empty test in a list", expected=CONDITION_SYNTAX)
        if domain.kind is FactorKind.BOOLEAN:
            lowered = item.lower()
            if lowered not in ("true", "false"):
                raise ConditionProblem(f"{item!r} is not a boolean", expected="true, false or -")
            values.add(lowered == "true")
            continue
        value = _unquote(item)
        if value == UNKNOWN:
            raise ConditionProblem(
                "rules never test for 'unknown': an unknown fact is handled by evaluation",
                expected=_describe_domain(domain),
            )
        if value not in domain.values:
            raise ConditionProblem(
                f"value {value!r} is outside the domain", expected=_describe_domain(domain)
            )
        values.add(value)
    return frozenset(values)


def parse_condition(text: str, domain: Domain) -> Condition:
    """Read one DMN simple unary test (``text``) over ``domain``.

    Raises :class:`ConditionProblem` naming what is wrong and what was expected.
    Conditions are immutable and a pure function of (text, domain), so the ones read
    recently are remembered: a 200-rule table saved from the guided editor is read
    again cell by cell, and all but the edited cells were read before.
    """
    return _parse_condition_cached(text, domain)


@functools.lru_cache(maxsize=8192)
def _parse_condition_cached(text: str, domain: Domain) -> Condition:
    stripped = text.strip()
    if stripped == "-":
        return ANY
    if not stripped:
        raise ConditionProblem("empty condition", expected=CONDITION_SYNTAX)
    negated = False
    inner = stripped
    if stripped.startswith("not(") and stripped.endswith(")"):
        negated = True
        inner = stripped[4:-1].strip()
        if not inner:
            raise ConditionProblem("empty not()", expected=CONDITION_SYNTAX)
    if domain.is_numeric:
        intervals = _numeric_region(inner, domain)
        if negated:
            low, high = domain_bounds(domain)
            intervals = _complement(
                intervals,
                low,
                high,
                integer=domain.kind is FactorKind.INTEGER,
                low_open=domain.minimum_open,
                high_open=domain.maximum_open,
            )
        return Condition(text=stripped, intervals=intervals)
    values = _value_region(inner, domain)
    if negated:
        values = frozenset(domain.values) - values
    return Condition(text=stripped, values=values)
