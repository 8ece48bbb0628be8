"""Fewer, larger gap boxes: each gap grown to a largest box no rule touches.

The search finds the unanswered situations as many disjoint pieces and
:func:`accord.core.space.merge_boxes` joins pieces that differ on one input only.
What is left is still fragmented: an unanswered region shaped like a cross or a
staircase is cut into pieces no pairwise merge can join, although a reader would
describe it with two or three boxes. Here every piece is *expanded*: each input in
turn is widened to every value (numbers: the widest interval around the current one)
that no rule matching the rest of the box accepts, so the grown box still holds only
unanswered situations. Pieces inside a box already grown are skipped, and grown
boxes inside another are dropped. This is the "expand, then drop the redundant"
step of two-level logic minimisation (Espresso), on boxes over atoms.

The result may overlap (two gaps can share situations); it covers the same
unanswered situations as the pieces it started from (every piece lies in some
result box; no result box holds a situation a rule answers), and never has more
boxes. A property test holds us to both.

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from accord.core.space import Box, box_is_empty

__all__ = ["cover_gaps"]


def _columns(rule_boxes: Sequence[Box], sizes: Sequence[int]) -> list[list[int]]:
    """``columns[axis][atom]``: bit ``i`` set when rule ``i`` accepts that atom."""
    columns = [[0] * size for size in sizes]
    for index, box in enumerate(rule_boxes):
        if box_is_empty(box):
            continue
        bit = 1 << index
        for axis, mask in enumerate(box):
            column = columns[axis]
            while mask:
                low = mask & -mask
                column[low.bit_length() - 1] |= bit
                mask ^= low
    return columns


def _touching(column: list[int], mask: int) -> int:
    """Rules that accept some atom of ``mask`` on this axis."""
    rules = 0
    while mask:
        low = mask & -mask
        rules |= column[low.bit_length() - 1]
        mask ^= low
    return rules


def _grow(
    box: Box, columns: list[list[int]], ordered: Sequence[bool], everyone: int
) -> tuple[int, ...]:
    """``box`` widened on each input in turn as far as no rule is met.

    A rule can only be met by widening input ``a`` if it already touches the box
    on every other input (its "blockers" for ``a``). Widening one input only adds
    blockers for the others, so one pass over the inputs gives a box that no
    single input can widen further.
    """
    masks = list(box)
    touching = [_touching(columns[axis], mask) for axis, mask in enumerate(masks)]
    for axis, column in enumerate(columns):
        blockers = everyone
        for other, rules in enumerate(touching):
            if other != axis:
                blockers &= rules
                if not blockers:
                    break
        mask = masks[axis]
        if ordered[axis]:
            low = (mask & -mask).bit_length() - 1
            high = mask.bit_length() - 1
            while low > 0 and not column[low - 1] & blockers:
                low -= 1
                mask |= 1 << low
            while high + 1 < len(column) and not column[high + 1] & blockers:
                high += 1
                mask |= 1 << high
        else:
            for atom, rules in enumerate(column):
                if not rules & blockers:
                    mask |= 1 << atom
        if mask != masks[axis]:
            masks[axis] = mask
            touching[axis] = _touching(column, mask)
    return tuple(masks)


def _inside(inner: Box, outer: Box) -> bool:
    return all(a & ~b == 0 for a, b in zip(inner, outer, strict=True))


def _size(box: Box) -> int:
    size = 1
    for mask in box:
        size *= mask.bit_count()
    return size


def cover_gaps(
    gaps: Sequence[Box],
    rule_boxes: Sequence[Box],
    *,
    sizes: Sequence[int],
    ordered: Sequence[bool],
    should_stop: Callable[[], bool] | None = None,
) -> list[Box]:
    """Gap boxes grown as large as no rule allows, the redundant ones dropped.

    ``gaps`` are boxes no rule of ``rule_boxes`` touches (ordered inputs as single
    runs); ``sizes`` the atoms per input. Largest first. When ``should_stop``
    answers yes, the boxes not yet grown are kept as they are (still correct).
    """
    if not gaps:
        return []
    columns = _columns(rule_boxes, sizes)
    everyone = (1 << len(rule_boxes)) - 1
    pending = sorted(set(gaps), key=lambda box: (-_size(box), box))
    grown: list[Box] = []
    for position, box in enumerate(pending):
        if any(_inside(box, bigger) for bigger in grown):
            continue
        if should_stop is not None and should_stop():
            grown.extend(
                rest
                for rest in pending[position:]
                if not any(_inside(rest, bigger) for bigger in grown)
            )
            break
        grown.append(_grow(box, columns, ordered, everyone))
    kept: list[Box] = []
    for box in sorted(set(grown), key=lambda box: (-_size(box), box)):
        if not any(_inside(box, bigger) for bigger in kept):
            kept.append(box)
    return kept
