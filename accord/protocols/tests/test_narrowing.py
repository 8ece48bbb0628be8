"""Narrowing a rule out of an overlap: the new rules answer exactly what the rule answered
outside the overlap's box, never the same situation twice, and are as few as can be."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.load import parse_condition
from accord.core.model import Condition, Domain, Factor, FactorKind, Interval
from accord.protocols.narrowing import covers, rule_minus_box

AGE = Factor("age", Domain(FactorKind.INTEGER, minimum=0, maximum=20))
KIND = Factor("kind", Domain(FactorKind.ENUM, values=("sex", "labor", "both", "not sure")))
FLAG = Factor("flag", Domain(FactorKind.BOOLEAN, values=(False, True)))
SCORE = Factor("score", Domain(FactorKind.DECIMAL, minimum=Decimal(0), maximum=Decimal(5)))
FACTORS = {factor.id: factor for factor in (AGE, KIND, FLAG, SCORE)}
COLUMNS = ("age", "kind", "flag", "score")

#: Every age, kind and flag; scores at every quarter (bounds are drawn at halves, so each
#: bound and the inside of each piece between two bounds is probed).
PROBES: dict[str, list[Any]] = {
    "age": list(range(21)),
    "kind": list(KIND.domain.values),
    "flag": [False, True],
    "score": [Decimal(k) / 4 for k in range(21)],
}
POINTS = [dict(zip(COLUMNS, values, strict=True)) for values in itertools.product(*PROBES.values())]

halves = st.integers(0, 10).map(lambda k: Decimal(k) / 2)


@st.composite
def age_ranges(draw, *, several: bool):
    count = draw(st.integers(1, 2 if several else 1))
    cuts = sorted(draw(st.lists(st.integers(0, 20), min_size=2 * count, max_size=2 * count)))
    return [(cuts[2 * i], cuts[2 * i + 1]) for i in range(count)]


@st.composite
def score_interval(draw):
    low, high = sorted(draw(st.lists(halves, min_size=2, max_size=2)))
    low_open = draw(st.booleans()) and low < high
    high_open = draw(st.booleans()) and low < high and not low_open
    return low, high, low_open, high_open


@st.composite
def rules(draw, *, several: bool = False):
    conditions: dict[str, Condition] = {}
    if draw(st.booleans()):
        text = ", ".join(f"[{a}..{b}]" for a, b in draw(age_ranges(several=several)))
        conditions["age"] = parse_condition(text, AGE.domain)
    if draw(st.booleans()):
        kinds = draw(st.sets(st.sampled_from(KIND.domain.values), min_size=1))
        text = ", ".join(f'"{kind}"' for kind in kinds)
        conditions["kind"] = parse_condition(text, KIND.domain)
    if draw(st.booleans()):
        conditions["flag"] = parse_condition(draw(st.sampled_from(["true", "false"])), FLAG.domain)
    if draw(st.booleans()):
        low, high, low_open, high_open = draw(score_interval())
        start, end = "(" if low_open else "[", ")" if high_open else "]"
        conditions["score"] = parse_condition(f"{start}{low}..{high}{end}", SCORE.domain)
    return conditions


@st.composite
def boxes(draw):
    box: dict = {}
    if draw(st.booleans()):
        (low, high), *_ = draw(age_ranges(several=False))
        box["age"] = Interval(low, high)
    if draw(st.booleans()):
        box["kind"] = tuple(draw(st.sets(st.sampled_from(KIND.domain.values), min_size=1)))
    if draw(st.booleans()):
        box["flag"] = (draw(st.booleans()),)
    if draw(st.booleans()):
        low, high, low_open, high_open = draw(score_interval())
        box["score"] = Interval(low, high, low_open, high_open)
    return box


def _in_rule(conditions, point) -> bool:
    return all(condition.matches(point[factor]) for factor, condition in conditions.items())


def _in_box(box, point) -> bool:
    for factor, part in box.items():
        value = point[factor]
        if isinstance(part, Interval):
            if not part.contains(value):
                return False
        elif value not in part:
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(rules(several=True), boxes())
def test_the_new_rules_answer_exactly_the_rule_minus_the_box_once(conditions, box):
    pieces = rule_minus_box(conditions, box, FACTORS, COLUMNS)
    for point in POINTS:
        expected = 1 if _in_rule(conditions, point) and not _in_box(box, point) else 0
        answering = sum(1 for piece in pieces if _in_rule(piece, point))
        assert answering == expected, (point, pieces)
    # every condition written is one the loader reads back as the same region
    for piece in pieces:
        for factor_id, condition in piece.items():
            again = parse_condition(condition.text, FACTORS[factor_id].domain)
            assert (again.values, again.intervals) == (condition.values, condition.intervals)


def _runs(values: list[bool]) -> int:
    return sum(1 for i, inside in enumerate(values) if inside and (i == 0 or not values[i - 1]))


@settings(max_examples=150, deadline=None)
@given(rules(), boxes())
def test_the_rule_is_cut_into_the_fewest_rules(conditions, box):
    """One rule per factor where the rule reaches outside the box (two on a number when
    the box sits inside the rule's range): no fewer rules can answer the rest exactly."""
    pieces = rule_minus_box(conditions, box, FACTORS, COLUMNS)
    meets = any(_in_rule(conditions, p) and _in_box(box, p) for p in POINTS)
    if not meets:
        assert pieces == [conditions]
        return
    expected = 0
    for factor_id in COLUMNS:
        condition = conditions.get(factor_id, Condition())
        part = box.get(factor_id)
        outside = [
            condition.matches(value)
            and not _in_box({factor_id: part} if part else {}, {factor_id: value})
            for value in PROBES[factor_id]
        ]
        expected += _runs(outside) if factor_id in ("age", "score") else int(any(outside))
    assert len(pieces) == expected


def test_a_rule_inside_the_box_is_removed_and_one_outside_it_is_kept_as_written():
    teens = {"age": parse_condition("[12..17]", AGE.domain)}
    assert rule_minus_box(teens, {"age": Interval(10, 20)}, FACTORS, COLUMNS) == []
    assert rule_minus_box(teens, {"age": Interval(0, 11)}, FACTORS, COLUMNS) == [teens]
    assert covers(teens, {"age": Interval(13, 14)}, FACTORS)
    assert not covers(teens, {"age": Interval(11, 14)}, FACTORS)


def test_narrowing_splits_one_factor_at_a_time_in_column_order():
    adults = {"age": parse_condition(">= 18", AGE.domain)}
    box = {"age": Interval(18, 20), "kind": ("sex",)}
    pieces = rule_minus_box(adults, box, FACTORS, COLUMNS)
    assert [{k: c.text for k, c in piece.items()} for piece in pieces] == [
        {"age": ">= 18", "kind": 'labor, both, "not sure"'}
    ]
    middle = rule_minus_box({}, {"age": Interval(5, 9)}, FACTORS, COLUMNS)
    assert [piece["age"].text for piece in middle] == ["<= 4", ">= 10"]
