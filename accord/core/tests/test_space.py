"""Atoms, masks and boxes: the finite pieces verification works on."""

from __future__ import annotations

from decimal import Decimal

from accord.core.model import Condition, Domain, Factor, FactorKind, Interval
from accord.core.space import (
    NEG_INF,
    POS_INF,
    Axis,
    box_difference,
    integer_bounds,
    mask_runs,
    merge_boxes,
)

AGE = Factor("victim_age", Domain(FactorKind.INTEGER, minimum=0, maximum=120))
SCORE = Factor("score", Domain(FactorKind.DECIMAL, minimum=Decimal(0), maximum=Decimal(10)))
TYPE = Factor("trafficking_type", Domain(FactorKind.ENUM, values=("sex", "labor", "both")))


def intervals(*items: Interval) -> Condition:
    return Condition(text="test", intervals=items)


def test_open_integer_interval_is_the_integers_inside() -> None:
    assert integer_bounds(Interval(3, 5, low_open=True, high_open=True)) == (4, 4)
    assert integer_bounds(Interval(3, 4, low_open=True, high_open=True)) is None
    assert integer_bounds(Interval(Decimal("2.5"), Decimal("7.5"))) == (3, 7)


def test_integer_axis_cuts_at_condition_boundaries_only() -> None:
    minors = intervals(Interval(0, 17))
    young_adults = intervals(Interval(18, 24))
    axis = Axis.build(AGE, [minors, young_adults, Condition()])
    assert axis.intervals == (Interval(0, 17), Interval(18, 24), Interval(25, 120))
    assert axis.mask(minors) == 0b001
    assert axis.mask(young_adults) == 0b010
    assert axis.mask(Condition()) == 0b111
    assert axis.describe(0b010) == "18\u201324"
    assert axis.example(0b100) == 25


def test_decimal_axis_keeps_open_and_closed_ends_apart() -> None:
    below = intervals(Interval(Decimal(0), Decimal("2.5"), high_open=True))
    above = intervals(Interval(Decimal("2.5"), Decimal(10), low_open=True))
    axis = Axis.build(SCORE, [below, above])
    assert axis.intervals == (
        Interval(Decimal(0), Decimal("2.5"), high_open=True),
        Interval(Decimal("2.5"), Decimal("2.5")),
        Interval(Decimal("2.5"), Decimal(10), low_open=True),
    )
    assert axis.mask(below) | axis.mask(above) == 0b101
    assert axis.example(0b010) == Decimal("2.5")
    assert axis.describe(0b100) == "over 2.5 up to 10"


def test_unbounded_decimal_axis_has_infinite_ends() -> None:
    anything = Factor("amount", Domain(FactorKind.DECIMAL, minimum=NEG_INF, maximum=POS_INF))
    positive = intervals(Interval(Decimal(0), POS_INF, low_open=True, high_open=True))
    axis = Axis.build(anything, [positive])
    assert axis.intervals == (
        Interval(NEG_INF, Decimal(0), low_open=True),
        Interval(Decimal(0), POS_INF, low_open=True, high_open=True),
    )
    assert axis.mask(positive) == 0b10
    assert axis.example(0b01) == Decimal(0)
    assert axis.describe(0b01) == "up to 0"
    assert axis.describe(0b10) == "over 0"


def test_enumeration_values_treated_alike_share_an_atom() -> None:
    axis = Axis.build(TYPE, [Condition(text="labor, both", values=frozenset({"labor", "both"}))])
    assert axis.groups == (("sex",), ("labor", "both"))
    assert axis.values_of(0b10) == ("labor", "both")
    assert axis.describe(0b11) == "sex, labor or both"


def test_mask_runs_split_at_holes() -> None:
    assert list(mask_runs(0b1101110)) == [0b0001110, 0b1100000]


def test_box_difference_is_disjoint_and_exact() -> None:
    region = (0b1111, 0b111)
    cutter = (0b0110, 0b010)
    pieces = box_difference(region, cutter)
    cells = {(a, b) for a in range(4) for b in range(3)}
    inside = {(a, b) for a, b in cells if cutter[0] >> a & 1 and cutter[1] >> b & 1}
    covered = [
        (a, b) for piece in pieces for a, b in cells if piece[0] >> a & 1 and piece[1] >> b & 1
    ]
    assert len(covered) == len(set(covered))
    assert set(covered) == cells - inside


def test_merge_boxes_joins_neighbours_and_keeps_numeric_runs() -> None:
    boxes = [(0b001, 0b01), (0b010, 0b01), (0b100, 0b10), (0b100, 0b01)]
    assert merge_boxes(boxes, ordered=(True, False)) in (
        [(0b011, 0b01), (0b100, 0b11)],
        [(0b100, 0b10), (0b111, 0b01)],
    )
    # Atoms 0 and 2 of an ordered axis are not one interval: they stay apart.
    assert merge_boxes([(0b001,), (0b100,)], ordered=(True,)) == [(0b001,), (0b100,)]
    assert merge_boxes([(0b001,), (0b100,)], ordered=(False,)) == [(0b101,)]
