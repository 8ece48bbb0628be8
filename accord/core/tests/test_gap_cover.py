"""Gap boxes grown and deduplicated cover exactly the unanswered situations, with fewer boxes.

Random tables as boxes over atoms (ordered inputs like numbers, unordered like
enumerations); the gaps come from the verifier's own search and merge; every
point of the space is enumerated to check the cover.
"""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.gap_cover import cover_gaps
from accord.core.space import Box, merge_boxes


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[int], list[bool], list[Box]]:
    axes = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 5)) for _ in range(axes)]
    ordered = [draw(st.booleans()) for _ in range(axes)]
    boxes = []
    for _ in range(draw(st.integers(0, 8))):
        box = []
        for size, is_ordered in zip(sizes, ordered, strict=True):
            if is_ordered:
                low = draw(st.integers(0, size - 1))
                high = draw(st.integers(low, size - 1))
                box.append(((1 << (high + 1)) - 1) & ~((1 << low) - 1))
            else:
                box.append(draw(st.integers(0, (1 << size) - 1)))
        boxes.append(tuple(box))
    return sizes, ordered, boxes


def _points(sizes: list[int]) -> list[tuple[int, ...]]:
    return list(product(*(range(size) for size in sizes)))


def _in(point: tuple[int, ...], box: Box) -> bool:
    return all(mask >> atom & 1 for atom, mask in zip(point, box, strict=True))


def _gap_pieces(sizes: list[int], ordered: list[bool], rules: list[Box]) -> list[Box]:
    """Every unanswered point as a one-atom box, merged as the verifier merges."""
    pieces = [
        tuple(1 << atom for atom in point)
        for point in _points(sizes)
        if not any(_in(point, rule) for rule in rules)
    ]
    return merge_boxes(pieces, ordered=ordered)


@settings(max_examples=300, deadline=None)
@given(tables())
def test_the_cover_holds_exactly_the_unanswered_situations_in_no_more_boxes(table):
    sizes, ordered, rules = table
    merged = _gap_pieces(sizes, ordered, rules)
    covered = cover_gaps(merged, rules, sizes=sizes, ordered=ordered)
    assert len(covered) <= len(merged)
    for point in _points(sizes):
        unanswered = not any(_in(point, rule) for rule in rules)
        assert any(_in(point, box) for box in covered) == unanswered, point
    for box in covered:
        for mask, is_ordered in zip(box, ordered, strict=True):
            assert mask
            if is_ordered:  # one interval per number input
                assert (mask >> ((mask & -mask).bit_length() - 1)) & (
                    (mask >> ((mask & -mask).bit_length() - 1)) + 1
                ) == 0
        # no box lies inside another: each one says something the others do not
        assert not any(
            other != box and all(a & ~b == 0 for a, b in zip(box, other, strict=True))
            for other in covered
        )


def test_a_cross_shaped_gap_is_two_boxes_not_three():
    # 3 x 3 grid of atoms on two number inputs; rules fill the four corners.
    corner = [(0b001, 0b001), (0b100, 0b001), (0b001, 0b100), (0b100, 0b100)]
    merged = _gap_pieces([3, 3], [True, True], corner)
    assert len(merged) == 3  # the greedy merge leaves the cross in three pieces
    covered = cover_gaps(merged, corner, sizes=[3, 3], ordered=[True, True])
    assert sorted(covered) == [(0b010, 0b111), (0b111, 0b010)]


def test_a_stop_keeps_the_pieces_not_yet_grown():
    corner = [(0b001, 0b001), (0b100, 0b001), (0b001, 0b100), (0b100, 0b100)]
    merged = _gap_pieces([3, 3], [True, True], corner)
    covered = cover_gaps(
        merged, corner, sizes=[3, 3], ordered=[True, True], should_stop=lambda: True
    )
    assert sorted(covered) == sorted(merged)
