"""The situation space of a decision table, cut into finite pieces.

Verification is exact because every input column is first cut into *atoms*:
the coarsest pieces of the factor's domain that no condition of the table
splits (for numbers, the elementary intervals between the conditions' end
points; for enumerations, groups of values every condition treats alike).
A condition then becomes a bit mask over atoms, a rule a *box* (one mask per
input) and a region of situations a set of boxes. Gaps and overlaps computed
over atoms are therefore exactly the gaps and overlaps over the declared
domains, with no sampling, even for continuous decimal inputs.

Integer intervals are discrete: ``(3..5)`` over integers is normalised to
``[4..4]`` before anything else. Decimal intervals keep their open and closed
ends. Unbounded numeric domains use ``Decimal("-Infinity")`` and
``Decimal("Infinity")``.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from accord.core.model import Condition, Factor, FactorKind, Interval, Number, Scalar

__all__ = [
    "NEG_INF",
    "POS_INF",
    "Axis",
    "Box",
    "Mask",
    "MergeStopped",
    "box_difference",
    "box_is_empty",
    "integer_bounds",
    "mask_runs",
    "merge_boxes",
]

#: Ranges read "18 to 24" with an en dash, as coordinators write them.
EN_DASH = "\u2013"
NEG_INF = Decimal("-Infinity")
POS_INF = Decimal("Infinity")

#: A set of atoms of one axis: bit i set means atom i is in the set.
Mask = int
#: A box of situations: one mask per axis (the product of the masks).
Box = tuple[Mask, ...]


def _is_finite(value: Number) -> bool:
    return not (isinstance(value, Decimal) and value.is_infinite())


def integer_bounds(interval: Interval) -> tuple[Number, Number] | None:
    """Closed integer bounds of ``interval`` (``(3..5)`` -> ``(4, 4)``), None if empty."""
    low: Number = interval.low
    high: Number = interval.high
    if _is_finite(low):
        low = math.floor(low) + 1 if interval.low_open else math.ceil(low)
    if _is_finite(high):
        high = math.ceil(high) - 1 if interval.high_open else math.floor(high)
    if low > high:
        return None
    return low, high


def mask_runs(mask: Mask) -> Iterator[Mask]:
    """The maximal runs of consecutive atoms in ``mask``, lowest first."""
    while mask:
        low_bit = mask & -mask
        # Adding the lowest bit carries through the run of consecutive set bits.
        run = ((mask + low_bit) ^ mask) & mask
        yield run
        mask &= ~run


def _low_index(mask: Mask) -> int:
    return (mask & -mask).bit_length() - 1


def _format_number(value: Number) -> str:
    if isinstance(value, Decimal):
        if value.is_infinite():
            return "∞" if value > 0 else "-∞"
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def _format_value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return _format_number(value)
    return str(value)


def _join_or(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


@dataclass(frozen=True)
class Axis:
    """One input of a decision table, cut into atoms.

    ``ordered`` axes (integers, decimals) have one interval per atom, in
    increasing order; unordered axes (enumerations, booleans) have one group of
    values per atom, in declaration order.
    """

    factor: Factor
    ordered: bool
    groups: tuple[tuple[Scalar, ...], ...] = ()
    intervals: tuple[Interval, ...] = ()

    # -- construction -------------------------------------------------------------

    @classmethod
    def build(cls, factor: Factor, conditions: Iterable[Condition]) -> Axis:
        """Cut ``factor``'s domain at every boundary ``conditions`` draw."""
        tests = [condition for condition in conditions if not condition.is_any]
        kind = factor.domain.kind
        if kind == FactorKind.INTEGER:
            return cls(factor, ordered=True, intervals=_integer_atoms(factor, tests))
        if kind == FactorKind.DECIMAL:
            return cls(factor, ordered=True, intervals=_decimal_atoms(factor, tests))
        values = tuple(factor.domain.values)
        if kind == FactorKind.BOOLEAN and not values:
            values = (False, True)
        by_signature: dict[tuple[bool, ...], list[Scalar]] = {}
        for value in values:
            signature = tuple(
                condition.values is not None and value in condition.values for condition in tests
            )
            by_signature.setdefault(signature, []).append(value)
        return cls(factor, ordered=False, groups=tuple(tuple(g) for g in by_signature.values()))

    # -- basic facts ----------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.intervals) if self.ordered else len(self.groups)

    @property
    def full(self) -> Mask:
        return (1 << self.size) - 1

    def mask(self, condition: Condition) -> Mask:
        """The atoms a condition accepts (the whole axis for "-")."""
        if condition.is_any:
            return self.full
        result = 0
        if condition.values is not None:
            if self.ordered:
                return 0
            for index, group in enumerate(self.groups):
                if group[0] in condition.values:
                    result |= 1 << index
            return result
        if not self.ordered:
            return 0
        for interval in condition.intervals or ():
            result |= self._interval_mask(interval)
        return result

    def _interval_mask(self, interval: Interval) -> Mask:
        if self.factor.domain.kind == FactorKind.INTEGER:
            bounds = integer_bounds(interval)
            if bounds is None:
                return 0
            low, high = bounds
            starts = self._search_keys[0]
            first = bisect.bisect_left(starts, low)
            last = bisect.bisect_right(starts, high) - 1
        else:
            clipped = _clip(interval, self.intervals[0], self.intervals[-1])
            if clipped is None:
                return 0
            start_keys, end_keys = self._search_keys[1:]
            first = bisect.bisect_left(start_keys, (clipped.low, clipped.low_open))
            last = bisect.bisect_left(end_keys, (clipped.high, not clipped.high_open))
        if first > last or first >= self.size:
            return 0
        last = min(last, self.size - 1)
        return ((1 << (last + 1)) - 1) ^ ((1 << first) - 1)

    @functools.cached_property
    def _search_keys(
        self,
    ) -> tuple[list[Number], list[tuple[Number, bool]], list[tuple[Number, bool]]]:
        """Atom starts, and (start, open) / (end, closed) keys ordered like the atoms."""
        return (
            [atom.low for atom in self.intervals],
            [(atom.low, atom.low_open) for atom in self.intervals],
            [(atom.high, not atom.high_open) for atom in self.intervals],
        )

    # -- reading masks back ----------------------------------------------------------

    def values_of(self, mask: Mask) -> tuple[Scalar, ...]:
        """Enumeration values in ``mask``, in declaration order."""
        cache = self._values_cache
        if mask in cache:
            return cache[mask]
        order = self._value_order
        values = [
            value for index in range(self.size) if mask >> index & 1 for value in self.groups[index]
        ]
        if len(values) > 1:
            values.sort(key=lambda value: order.get(value, 0))
        cache[mask] = tuple(values)
        return cache[mask]

    @functools.cached_property
    def _values_cache(self) -> dict[Mask, tuple[Scalar, ...]]:
        return {}

    @functools.cached_property
    def _value_order(self) -> dict[Scalar, int]:
        return {value: position for position, value in enumerate(self.factor.domain.values)}

    def interval_of(self, mask: Mask) -> Interval:
        """The interval covered by a run of consecutive atoms."""
        first = self.intervals[_low_index(mask)]
        last = self.intervals[mask.bit_length() - 1]
        return Interval(first.low, last.high, low_open=first.low_open, high_open=last.high_open)

    def region_value(self, mask: Mask) -> tuple[Scalar, ...] | Interval:
        """What a finding's box holds for this input (``mask`` a run if ordered)."""
        return self.interval_of(mask) if self.ordered else self.values_of(mask)

    def example(self, mask: Mask) -> Scalar:
        """A concrete value inside ``mask`` (non-empty)."""
        index = _low_index(mask)
        if not self.ordered:
            return self.values_of(1 << index)[0]
        atom = self.intervals[index]
        if self.factor.domain.kind == FactorKind.INTEGER:
            if _is_finite(atom.low):
                return int(atom.low)
            return int(atom.high) if _is_finite(atom.high) else 0
        return _decimal_example(atom)

    def describe(self, mask: Mask) -> str:
        """The atoms in a coordinator's words: "18 to 24" (en dash), "labor or sex"."""
        if not self.ordered:
            return _join_or([_format_value(value) for value in self.values_of(mask)])
        parts = [self._describe_interval(self.interval_of(run)) for run in mask_runs(mask)]
        return _join_or(parts)

    def _describe_interval(self, interval: Interval) -> str:
        low, high = interval.low, interval.high
        if self.factor.domain.kind == FactorKind.INTEGER:
            if low == high:
                return _format_number(low)
            if not _is_finite(low):
                return f"up to {_format_number(high)}"
            if not _is_finite(high):
                return f"{_format_number(low)} or more"
            return f"{_format_number(low)}{EN_DASH}{_format_number(high)}"
        if low == high:
            return _format_number(low)
        lower = "" if not _is_finite(low) else ("over " if interval.low_open else "from ")
        upper = "" if not _is_finite(high) else ("under " if interval.high_open else "up to ")
        text = []
        if lower:
            text.append(f"{lower}{_format_number(low)}")
        if upper:
            text.append(f"{upper}{_format_number(high)}")
        return " ".join(text) or "any value"

    def contains(self, mask: Mask, value: Scalar) -> bool:
        """Whether a concrete value lies in the atoms of ``mask`` (for tests and probes)."""
        for index in range(self.size):
            if not mask >> index & 1:
                continue
            if self.ordered:
                if self.intervals[index].contains(value):  # type: ignore[arg-type]  # numeric axis
                    return True
            elif value in self.groups[index]:
                return True
        return False


def _domain_bounds(factor: Factor) -> tuple[Number, Number]:
    low = factor.domain.minimum if factor.domain.minimum is not None else NEG_INF
    high = factor.domain.maximum if factor.domain.maximum is not None else POS_INF
    return low, high


def _integer_atoms(factor: Factor, tests: Sequence[Condition]) -> tuple[Interval, ...]:
    domain_low, domain_high = _domain_bounds(factor)
    if _is_finite(domain_low):
        domain_low = math.ceil(domain_low)
    if _is_finite(domain_high):
        domain_high = math.floor(domain_high)
    if domain_low > domain_high:
        return ()
    # A cut point c starts a new atom at c.
    cuts: set[Number] = {domain_low}
    for condition in tests:
        for interval in condition.intervals or ():
            bounds = integer_bounds(interval)
            if bounds is None:
                continue
            low, high = bounds
            if domain_low < low <= domain_high:
                cuts.add(low)
            if domain_low <= high < domain_high:
                cuts.add(high + 1)
    ordered = sorted(cuts)
    atoms = []
    for position, start in enumerate(ordered):
        end = ordered[position + 1] - 1 if position + 1 < len(ordered) else domain_high
        atoms.append(Interval(start, end))
    return tuple(atoms)


def _clip(interval: Interval, first: Interval, last: Interval) -> Interval | None:
    """``interval`` restricted to the axis span [first.low, last.high]."""
    low, low_open = interval.low, interval.low_open
    high, high_open = interval.high, interval.high_open
    if (low, low_open) < (first.low, first.low_open):
        low, low_open = first.low, first.low_open
    if (high, not high_open) > (last.high, not last.high_open):
        high, high_open = last.high, last.high_open
    if low > high or (low == high and (low_open or high_open)):
        return None
    return Interval(low, high, low_open=low_open, high_open=high_open)


def _decimal_atoms(factor: Factor, tests: Sequence[Condition]) -> tuple[Interval, ...]:
    domain_low, domain_high = _domain_bounds(factor)
    if domain_low > domain_high:
        return ()
    points: set[Number] = set()
    cut_before: set[Number] = set()  # between (previous, b) and {b}
    cut_after: set[Number] = set()  # between {b} and (b, next)
    for bound in (domain_low, domain_high):
        if _is_finite(bound):
            points.add(bound)
    for condition in tests:
        for interval in condition.intervals or ():
            if _is_finite(interval.low) and domain_low <= interval.low <= domain_high:
                points.add(interval.low)
                (cut_after if interval.low_open else cut_before).add(interval.low)
            if _is_finite(interval.high) and domain_low <= interval.high <= domain_high:
                points.add(interval.high)
                (cut_before if interval.high_open else cut_after).add(interval.high)
    ordered = sorted(points)
    # Elementary pieces in increasing order: open gaps between points, and points.
    pieces: list[Interval] = []
    if not _is_finite(domain_low):
        pieces.append(
            Interval(NEG_INF, ordered[0] if ordered else POS_INF, low_open=True, high_open=True)
        )
    for position, point in enumerate(ordered):
        pieces.append(Interval(point, point))
        if position + 1 < len(ordered):
            pieces.append(Interval(point, ordered[position + 1], low_open=True, high_open=True))
        elif not _is_finite(domain_high):
            pieces.append(Interval(point, POS_INF, low_open=True, high_open=True))
    atoms: list[Interval] = []
    for piece in pieces:
        if not atoms:
            atoms.append(piece)
            continue
        # An open piece follows the point {low}; a point follows an open piece.
        cut = piece.low in cut_after if piece.low_open else piece.low in cut_before
        if cut:
            atoms.append(piece)
        else:
            merged = atoms[-1]
            atoms[-1] = Interval(
                merged.low, piece.high, low_open=merged.low_open, high_open=piece.high_open
            )
    return _open_ends(atoms, factor)


def _open_ends(atoms: list[Interval], factor: Factor) -> tuple[Interval, ...]:
    """Drop an open domain bound (``(0..1]``) from the first and last atoms."""
    domain = factor.domain
    if atoms and domain.minimum_open and _is_finite(atoms[0].low):
        first = atoms[0]
        if first.low == first.high:
            atoms.pop(0)
        else:
            atoms[0] = Interval(first.low, first.high, low_open=True, high_open=first.high_open)
    if atoms and domain.maximum_open and _is_finite(atoms[-1].high):
        last = atoms[-1]
        if last.low == last.high:
            atoms.pop()
        else:
            atoms[-1] = Interval(last.low, last.high, low_open=last.low_open, high_open=True)
    return tuple(atoms)


def _decimal_example(atom: Interval) -> Decimal:
    if not atom.low_open:
        return Decimal(atom.low)
    if not atom.high_open:
        return Decimal(atom.high)
    if _is_finite(atom.low) and _is_finite(atom.high):
        return (Decimal(atom.low) + Decimal(atom.high)) / 2
    if _is_finite(atom.high):
        return Decimal(atom.high) - 1
    if _is_finite(atom.low):
        return Decimal(atom.low) + 1
    return Decimal(0)


# -- boxes ----------------------------------------------------------------------------


def box_is_empty(box: Box) -> bool:
    return any(mask == 0 for mask in box)


def box_difference(region: Box, cutter: Box) -> list[Box]:
    """``region`` minus ``cutter`` as at most one disjoint box per axis."""
    pieces: list[Box] = []
    current = list(region)
    for axis, cutter_mask in enumerate(cutter):
        outside = current[axis] & ~cutter_mask
        if outside:
            pieces.append((*current[:axis], outside, *current[axis + 1 :]))
        current[axis] &= cutter_mask
        if not current[axis]:
            break
    return pieces


#: Up to this many boxes are merged pairwise; more by grouping along each input.
_FEW = 8


def _is_run(mask: Mask) -> bool:
    return not (mask + (mask & -mask)) & mask


class MergeStopped(Exception):
    """``merge_boxes`` was told to stop before its boxes were split into intervals."""


def _split_runs(
    boxes: Iterable[Box], ordered: Sequence[bool], should_stop: Callable[[], bool] | None = None
) -> set[Box]:
    """Boxes whose ordered masks are single runs (one interval per input)."""
    result: set[Box] = set()
    ordered_axes = [axis for axis, is_ordered in enumerate(ordered) if is_ordered]
    for box in boxes:
        if should_stop is not None and should_stop():
            raise MergeStopped
        if all(_is_run(box[axis]) for axis in ordered_axes):
            result.add(box)
            continue
        expanded: list[Box] = [box]
        for axis in ordered_axes:
            expanded = [
                (*piece[:axis], run, *piece[axis + 1 :])
                for piece in expanded
                for run in mask_runs(piece[axis])
            ]
        result.update(expanded)
    return result


def _merge_pair(first: Box, second: Box, ordered: Sequence[bool]) -> Box | None:
    """The union of two disjoint boxes when it is itself a box (one input differs)."""
    differing = -1
    for axis, (mask_a, mask_b) in enumerate(zip(first, second, strict=True)):
        if mask_a != mask_b:
            if differing >= 0:
                return None
            differing = axis
    union = first[differing] | second[differing]
    if ordered[differing] and not _is_run(union):
        return None
    return (*first[:differing], union, *first[differing + 1 :])


def _merge_few(boxes: list[Box], ordered: Sequence[bool]) -> list[Box]:
    merged = True
    while merged and len(boxes) > 1:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                union = _merge_pair(boxes[i], boxes[j], ordered)
                if union is not None:
                    boxes = [box for k, box in enumerate(boxes) if k not in (i, j)] + [union]
                    merged = True
                    break
            if merged:
                break
    return sorted(boxes)


def merge_boxes(
    boxes: Iterable[Box],
    *,
    ordered: Sequence[bool],
    should_stop: Callable[[], bool] | None = None,
) -> list[Box]:
    """Merge pairwise-disjoint boxes that differ on one input into fewer boxes.

    Ordered inputs are kept as single runs, so every returned box is one
    interval per numeric input; the union of the result equals the union of
    the input. Greedy, not minimal, but it turns a scatter of split pieces back
    into the few boxes an author would write. ``should_stop`` (a time budget)
    is asked between passes: the boxes merged so far cover the same union; if
    it answers yes before every box is split into intervals, :class:`MergeStopped`.
    """
    current = _split_runs(boxes, ordered, should_stop)
    if len(current) <= _FEW:
        return _merge_few(list(current), ordered)
    axes = len(ordered)
    while True:
        before = len(current)
        for axis in range(axes):
            if should_stop is not None and should_stop():
                return sorted(current)
            groups: dict[Box, Mask] = defaultdict(int)
            for box in current:
                groups[box[:axis] + box[axis + 1 :]] |= box[axis]
            if len(groups) == len(current):
                continue
            merged: set[Box] = set()
            for rest, mask in groups.items():
                masks = mask_runs(mask) if ordered[axis] else (mask,)
                for part in masks:
                    merged.add((*rest[:axis], part, *rest[axis:]))
            current = merged
        if len(current) >= before:
            break
    return sorted(current)


def box_region(axes: Sequence[Axis], box: Box) -> Mapping[str, tuple[Scalar, ...] | Interval]:
    """A box as a finding shows it: factor id -> values or interval."""
    return {axis.factor.id: axis.region_value(mask) for axis, mask in zip(axes, box, strict=True)}
