"""Narrowing a rule so it leaves a situation to other rules: a rule minus a box, as rules.

An overlap finding names a *box* of situations (one part per factor: a set of values
or one interval) that two or more rules all answer. "Narrow rule X so it leaves this
situation to rule Y" rewrites X's conditions so that X no longer covers the box. When
what is left of X is not a single box, X is replaced by the fewest rules whose union
is exactly X minus the box: cut one factor at a time (in the table's column order),
each piece taking the part of that factor outside the box, the box's part on the
factors already cut, and X's own conditions on the rest. The pieces do not overlap
each other. A numeric piece keeps one interval per rule (a from-to a coordinator can
read), so a box inside X's range leaves two pieces on that factor: below and above.

Pure Python over the core's model (no Django), so the hypothesis tests exercise it
directly; the editor (:mod:`.editor_fixes`) turns the pieces into table rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from accord.core.load import parse_condition
from accord.core.model import Condition, Domain, Factor, FactorKind, Interval, Scalar
from accord.core.space import Axis, Mask, mask_runs

#: A finding's box: per factor, the values it holds or one interval.
Region = Mapping[str, tuple[Scalar, ...] | Interval]
Conditions = Mapping[str, Condition]

_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_.-]+$")


class NotInColumns(Exception):
    """The box cuts the rule on a factor that is not a column of the table."""

    def __init__(self, factor: str) -> None:
        super().__init__(factor)
        self.factor = factor


def box_condition(part: tuple[Scalar, ...] | Interval) -> Condition:
    """A finding's box part as a condition (for cutting an axis; its text is not shown)."""
    if isinstance(part, Interval):
        return Condition(text="", intervals=(part,))
    return Condition(text="", values=frozenset(part))


def _axis(factor: Factor, *conditions: Condition) -> Axis:
    return Axis.build(factor, conditions)


def _factor_order(
    conditions: Conditions, box: Region, factors: Mapping[str, Factor], columns: Sequence[str]
) -> list[str]:
    order = [factor_id for factor_id in columns if factor_id in factors]
    for factor_id in (*conditions, *box):
        if factor_id in factors and factor_id not in order:
            order.append(factor_id)
    return order


def covers(conditions: Conditions, box: Region, factors: Mapping[str, Factor]) -> bool:
    """Whether a rule with ``conditions`` answers every situation of ``box``."""
    for factor_id, part in box.items():
        factor = factors.get(factor_id)
        if factor is None:
            continue
        condition = conditions.get(factor_id, Condition())
        inside = box_condition(part)
        axis = _axis(factor, condition, inside)
        if axis.mask(inside) & ~axis.mask(condition):
            return False
    return True


def rule_minus_box(
    conditions: Conditions,
    box: Region,
    factors: Mapping[str, Factor],
    columns: Sequence[str] = (),
) -> list[dict[str, Condition]]:
    """The conditions of the fewest rules that together answer exactly what a rule with
    ``conditions`` answers outside ``box``, and never the same situation twice.

    ``[]`` when the rule lies wholly inside the box (narrowing removes it); the rule's
    own conditions, unchanged, when it does not meet the box at all. A factor the rule
    does not test is "any" (absent from the result). ``columns`` gives the order in which
    factors are cut (the table's inputs; other factors after them).
    """
    order = _factor_order(conditions, box, factors, columns)
    axes: list[Axis] = []
    rule_masks: list[Mask] = []
    box_masks: list[Mask] = []
    for factor_id in order:
        condition = conditions.get(factor_id, Condition())
        inside = box_condition(box[factor_id]) if factor_id in box else Condition()
        axis = _axis(factors[factor_id], condition, inside)
        axes.append(axis)
        rule_masks.append(axis.mask(condition))
        box_masks.append(axis.mask(inside))
    if any(not (mine & cut) for mine, cut in zip(rule_masks, box_masks, strict=True)):
        return [dict(conditions)]  # the rule does not meet the box: nothing to take away
    pieces: list[dict[str, Condition]] = []
    current = list(rule_masks)
    for position, axis in enumerate(axes):
        outside = current[position] & ~box_masks[position]
        # One piece per run on a numeric factor: each keeps one from-to interval.
        for part in mask_runs(outside) if axis.ordered else ([outside] if outside else []):
            masks = [*current[:position], part, *current[position + 1 :]]
            pieces.append(_conditions(order, axes, masks, rule_masks, conditions))
        current[position] &= box_masks[position]
    return pieces


def _conditions(
    order: Sequence[str],
    axes: Sequence[Axis],
    masks: Sequence[Mask],
    rule_masks: Sequence[Mask],
    original: Conditions,
) -> dict[str, Condition]:
    result: dict[str, Condition] = {}
    for factor_id, axis, mask, mine in zip(order, axes, masks, rule_masks, strict=True):
        if mask == mine and factor_id in original:
            result[factor_id] = original[factor_id]  # unchanged: kept as its author wrote it
        elif mask != axis.full:
            result[factor_id] = mask_condition(axis, mask)
    return result


def mask_condition(axis: Axis, mask: Mask) -> Condition:
    """The condition accepting exactly the atoms of ``mask``, with text the loader reads."""
    domain = axis.factor.domain
    if axis.ordered:
        text = ", ".join(_interval_text(axis.interval_of(run), domain) for run in mask_runs(mask))
    else:
        text = ", ".join(_value_text(value) for value in axis.values_of(mask))
    return parse_condition(text, domain)


def _value_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if _PLAIN_VALUE.match(text) else '"' + text.replace('"', "") + '"'


def _number_text(value: int | Decimal) -> str:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def _infinite(value: int | Decimal | None) -> bool:
    return isinstance(value, Decimal) and value.is_infinite()


def _interval_text(interval: Interval, domain: Domain) -> str:
    """``[12..15]``, ``>= 18``, ``< 2.5``: a bound at the domain's own end is left out."""
    no_low = _infinite(interval.low) or (
        interval.low == domain.minimum and interval.low_open == domain.minimum_open
    )
    no_high = _infinite(interval.high) or (
        interval.high == domain.maximum and interval.high_open == domain.maximum_open
    )
    low, high = _number_text(interval.low), _number_text(interval.high)
    if no_low and no_high:
        return "-"
    if no_low:
        return f"{'<' if interval.high_open else '<='} {high}"
    if no_high:
        return f"{'>' if interval.low_open else '>='} {low}"
    if domain.kind is FactorKind.INTEGER and interval.low == interval.high:
        return low
    start = "(" if interval.low_open else "["
    end = ")" if interval.high_open else "]"
    return f"{start}{low}..{high}{end}"
