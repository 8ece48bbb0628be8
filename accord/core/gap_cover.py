"""Fewer, larger gap boxes: each gap grown to a largest box no rule touches.

The search finds the unanswered situations as many disjoint pieces and
:func:`accord.core.space.merge_boxes` joins pieces that differ on one input only.
What is left is still fragmented: an unanswered region shaped like a cross or a
staircase is cut into pieces no pairwise merge can join, although a reader would
describe it with two or three boxes. Here every piece is *expanded*: each input in
turn is widened to every value (numbers: the widest interval around the current one)
that no rule matching the rest of the box accepts, so the grown box still holds only
unanswered situations; pieces that grow into the same box give it once. A grown
box cannot be widened on any input, so none lies inside another. This is the
"expand" step of two-level logic minimisation (Espresso), on boxes over atoms.

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


class _Rules:
    """The rules' masks arranged for quick questions about one box at a time."""

    def __init__(self, rule_boxes: Sequence[Box], sizes: Sequence[int], ordered: Sequence[bool]):
        live = [box for box in rule_boxes if not box_is_empty(box)]
        self.masks = [[box[axis] for box in live] for axis in range(len(sizes))]
        self.everyone = (1 << len(live)) - 1
        self.ordered = ordered
        self.sizes = sizes
        # Per axis: atom -> rules accepting it (unordered inputs, a few values each), or
        # first atom <= x / last atom >= x prefix sets (ordered inputs: runs).
        self.columns: list[list[int]] = []
        self.starts: list[list[int]] = []
        self.ends: list[list[int]] = []
        for axis, size in enumerate(sizes):
            column = [0] * size
            starts = [0] * size
            ends = [0] * size
            for index, mask in enumerate(self.masks[axis]):
                bit = 1 << index
                if ordered[axis]:
                    starts[(mask & -mask).bit_length() - 1] |= bit
                    ends[mask.bit_length() - 1] |= bit
                else:
                    remaining = mask
                    while remaining:
                        low = remaining & -remaining
                        column[low.bit_length() - 1] |= bit
                        remaining ^= low
            if ordered[axis]:
                for atom in range(1, size):
                    starts[atom] |= starts[atom - 1]
                for atom in range(size - 2, -1, -1):
                    ends[atom] |= ends[atom + 1]
            self.columns.append(column)
            self.starts.append(starts)
            self.ends.append(ends)

    def touching(self, axis: int, mask: int) -> int:
        """Rules that may accept an atom of ``mask`` on ``axis`` (never fewer than do).

        On a number input a rule counts when its first atom is at or before the end of
        ``mask`` and its last atom at or after its start: exact for rules that are one
        interval, more than exact for the rare ``not(...)`` rule, which only makes a box
        grow less.
        """
        if self.ordered[axis]:
            low = (mask & -mask).bit_length() - 1
            return self.starts[axis][mask.bit_length() - 1] & self.ends[axis][low]
        column = self.columns[axis]
        rules = 0
        while mask:
            low = mask & -mask
            rules |= column[low.bit_length() - 1]
            mask ^= low
        return rules

    def accepted(self, axis: int, rules: int) -> int:
        """The atoms of ``axis`` some rule of ``rules`` accepts."""
        masks = self.masks[axis]
        atoms = 0
        while rules:
            low = rules & -rules
            atoms |= masks[low.bit_length() - 1]
            rules ^= low
        return atoms

    def grow(self, box: Box) -> Box:
        """``box`` widened on each input in turn as far as no rule is met.

        Widening input ``a`` can only meet a rule that already touches the box on every
        other input (a "blocker" for ``a``); the widened input takes every atom no
        blocker accepts (numbers: the interval around the current one up to the nearest
        such atom). Widening one input only adds blockers for the others, so one pass
        gives a box no single input can widen further.
        """
        masks = list(box)
        touching = [self.touching(axis, mask) for axis, mask in enumerate(masks)]
        for axis, size in enumerate(self.sizes):
            blockers = self.everyone
            for other, rules in enumerate(touching):
                if other != axis:
                    blockers &= rules
                    if not blockers:
                        break
            blocked = self.accepted(axis, blockers)
            mask = masks[axis]
            if self.ordered[axis]:
                low = (mask & -mask).bit_length() - 1
                high = mask.bit_length() - 1
                new_low = (blocked & ((1 << low) - 1)).bit_length()
                above = blocked >> (high + 1)
                new_high = high + (above & -above).bit_length() - 1 if above else size - 1
                grown = ((1 << (new_high + 1)) - 1) & ~((1 << new_low) - 1)
            else:
                grown = mask | (((1 << size) - 1) & ~blocked)
            if grown != mask:
                masks[axis] = grown
                touching[axis] = self.touching(axis, grown)
        return tuple(masks)


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
    """Gap boxes grown as large as no rule allows, each grown box once.

    ``gaps`` are boxes no rule of ``rule_boxes`` touches (ordered inputs as single
    runs); ``sizes`` the atoms per input. Largest first. When ``should_stop``
    answers yes, the boxes not yet grown are kept as they are (still correct).
    """
    if not gaps:
        return []
    rules = _Rules(rule_boxes, sizes, ordered)
    pending = sorted(set(gaps), key=lambda box: (-_size(box), box))
    grown: dict[Box, None] = {}  # insertion-ordered set
    for position, box in enumerate(pending):
        if should_stop is not None and should_stop():
            grown.update(dict.fromkeys(pending[position:]))
            break
        grown[rules.grow(box)] = None
    # A grown box cannot be widened on any input (when every rule is one interval per number
    # input; a rare not(...) only makes it grow less), so no grown box lies inside another
    # (only equal ones, which the set removed): nothing else is redundant.
    return sorted(grown, key=lambda box: (-_size(box), box))
