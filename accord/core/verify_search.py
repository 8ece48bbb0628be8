"""The verification search: a decision compiled into boxes, split until every region settles.

Exact over the declared domains (see :mod:`accord.core.space`): every input is
cut into atoms, every rule becomes a box, and the situation space is split
recursively at the cut that crosses the fewest rules until a region is
settled. Split out of :mod:`accord.core.verify` (which re-exports the public names).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.core.findings import Region
from accord.core.model import Decision, Factor, HitPolicy, Rule, Scalar
from accord.core.space import Axis, Box, box_difference, box_is_empty, mask_runs

__all__ = [
    "Clock",
    "CompiledTable",
    "compile_decision",
    "find_gaps",
    "find_overlaps",
    "find_subsumed",
    "find_winners",
]

Clock = Callable[[], float]


# -- compiling a decision into boxes ---------------------------------------------------


@dataclass(frozen=True)
class CompiledTable:
    """A decision table over atoms: one axis per input, one box per rule."""

    decision: Decision
    axes: tuple[Axis, ...]
    boxes: tuple[Box, ...]
    missing_inputs: tuple[str, ...] = ()

    @property
    def ordered(self) -> tuple[bool, ...]:
        return tuple(axis.ordered for axis in self.axes)

    def region(self, box: Box) -> Region:
        return {
            axis.factor.id: axis.region_value(mask)
            for axis, mask in zip(self.axes, box, strict=True)
        }

    def example(self, box: Box) -> dict[str, Scalar]:
        return {
            axis.factor.id: axis.example(mask) for axis, mask in zip(self.axes, box, strict=True)
        }

    def describe(self, box: Box) -> str:
        parts = [
            f"{axis.factor.id} {axis.describe(mask)}"
            for axis, mask in zip(self.axes, box, strict=True)
            if mask != axis.full
        ]
        return " × ".join(parts) if parts else "any situation"  # noqa: RUF001  # the product sign


def compile_decision(decision: Decision, factors: Mapping[str, Factor]) -> CompiledTable:
    """Cut each input of ``decision`` into atoms and turn each rule into a box."""
    inputs = list(decision.inputs)
    for rule in decision.rules:
        inputs.extend(factor_id for factor_id in rule.conditions if factor_id not in inputs)
    present = [factor_id for factor_id in inputs if factor_id in factors]
    missing = tuple(factor_id for factor_id in inputs if factor_id not in factors)
    axes = tuple(
        Axis.build(factors[factor_id], [rule.condition(factor_id) for rule in decision.rules])
        for factor_id in present
    )
    boxes = tuple(
        tuple(axis.mask(rule.condition(axis.factor.id)) for axis in axes) for rule in decision.rules
    )
    return CompiledTable(decision, axes, boxes, missing)


# -- the search ------------------------------------------------------------------------


class _Budget:
    """A deadline on an injectable clock; remembers whether it ran out."""

    def __init__(
        self, *, clock: Clock, seconds: float | None = None, deadline: float | None = None
    ) -> None:
        self.clock = clock
        self.deadline = deadline if deadline is not None else clock() + (seconds or 0.0)
        self.expired = False

    def spent(self) -> bool:
        if not self.expired and self.clock() > self.deadline:
            self.expired = True
        return self.expired


#: A settle callback gets (region, rules covering the region whole, rules
#: covering part of it) and returns True when the region needs no split.
Settle = Callable[[Box, list[int], list[int]], bool]

#: Unordered inputs with at most this many atoms in a region are cut by trying
#: every two-way partition of their values; larger ones by connected groups of
#: values, single values and position.
_PARTITION_LIMIT = 4


def _best_cut(
    table: CompiledTable, region: Box, columns: Mapping[int, list[int]], count: int
) -> tuple[int, int]:
    """(axis, mask of the left part) of the cut that crosses the fewest rules.

    ``columns`` holds, per axis that some rule covers only partly, every member
    rule's mask restricted to the region. A cut's cost is (rules it crosses,
    rules on its larger side): crossing rules are copied into both halves.
    """
    best_key: tuple[int, int] | None = None
    best: tuple[int, int] = (-1, 0)
    for axis_index, masks in columns.items():
        whole = region[axis_index]
        if table.axes[axis_index].ordered:
            key, left = _best_position(whole, masks, count)
        elif whole.bit_count() <= _PARTITION_LIMIT:
            key, left = _best_partition(whole, masks, count)
        else:
            key, left = _best_grouping(whole, masks, count)
        if best_key is None or key < best_key:
            best_key, best = key, (axis_index, left)
            if key[0] == 0 and 2 * key[1] <= count + 1:
                break  # a balanced cut crossing nothing: cannot do better
    return best


def _best_position(whole: int, masks: list[int], count: int) -> tuple[tuple[int, int], int]:
    """Cut after atom k: a rule is crossed when its span reaches both sides."""
    lows = sorted((mask & -mask).bit_length() - 1 for mask in masks)
    highs = sorted(mask.bit_length() - 1 for mask in masks)
    region_low = (whole & -whole).bit_length() - 1
    region_high = whole.bit_length() - 1
    candidates = {high for high in highs if high < region_high}
    candidates.update(low - 1 for low in lows if low > region_low)
    if not candidates:
        candidates = {region_low}
    best_key = (count + 1, count + 1)
    best_cut = region_low
    for cut in candidates:
        left = bisect_right(lows, cut)
        right = count - bisect_right(highs, cut)
        key = (left + right - count, max(left, right))
        if key < best_key:
            best_key, best_cut = key, cut
    return best_key, whole & ((1 << (best_cut + 1)) - 1)


def _split_cost(distinct: Mapping[int, int], left: int, right: int, count: int) -> tuple[int, int]:
    on_left = on_right = 0
    for mask, number in distinct.items():
        if mask & left:
            on_left += number
        if mask & right:
            on_right += number
    return (on_left + on_right - count, max(on_left, on_right))


def _distinct(masks: list[int]) -> dict[int, int]:
    distinct: dict[int, int] = defaultdict(int)
    for mask in masks:
        distinct[mask] += 1
    return distinct


def _best_partition(whole: int, masks: list[int], count: int) -> tuple[tuple[int, int], int]:
    """Try every two-way split of a small value set."""
    distinct = _distinct(masks)
    bits = [1 << index for index in range(whole.bit_length()) if whole >> index & 1]
    first, rest = bits[0], bits[1:]
    best_key = (count + 1, count + 1)
    best_left = first
    for choice in range(1 << len(rest)):
        left = first
        for position, bit in enumerate(rest):
            if choice >> position & 1:
                left |= bit
        if left == whole:
            continue
        key = _split_cost(distinct, left, whole & ~left, count)
        if key < best_key:
            best_key, best_left = key, left
    return best_key, best_left


def _best_grouping(whole: int, masks: list[int], count: int) -> tuple[tuple[int, int], int]:
    """Values no rule joins split apart for free; otherwise one value against the rest."""
    distinct = _distinct(masks)
    groups: list[int] = []
    for mask in distinct:
        joined = mask
        kept = []
        for group in groups:
            if group & joined:
                joined |= group
            else:
                kept.append(group)
        kept.append(joined)
        groups = kept
    loose = whole
    for group in groups:
        loose &= ~group
    if loose:
        groups.append(loose)
    if len(groups) > 1:
        return _split_cost(distinct, groups[0], whole & ~groups[0], count), groups[0]
    best_key = (count + 1, count + 1)
    best_left = whole & -whole
    remaining = whole
    while remaining:
        bit = remaining & -remaining
        remaining ^= bit
        key = _split_cost(distinct, bit, whole & ~bit, count)
        if key < best_key:
            best_key, best_left = key, bit
    position_key, position_left = _best_position(whole, masks, count)
    if position_key < best_key:
        return position_key, position_left
    return best_key, best_left


def _explore(table: CompiledTable, rules: Iterable[int], settle: Settle, budget: _Budget) -> bool:
    """Split the situation space until ``settle`` accepts every region.

    A rule that covers a region whole covers every part of it, so it is not
    looked at again below that region: children inherit it as a covering
    rule and only the partly covering rules are split further. Depth first,
    the region with fewer rules first, so that a search cut short by the
    budget has already looked where gaps are likely. Returns False when the
    budget ran out.
    """
    boxes = table.boxes
    root: Box = tuple(axis.full for axis in table.axes)
    if box_is_empty(root):
        return True
    stack: list[tuple[Box, list[int], list[int]]] = [(root, [], list(rules))]
    while stack:
        if budget.spent():
            return False
        region, covering, members = stack.pop()
        columns: dict[int, list[int]] = {}
        partial_positions: set[int] = set()
        for axis_index, whole in enumerate(region):
            if not whole & (whole - 1):
                continue  # a single atom: every member covers it
            masks = [boxes[rule][axis_index] & whole for rule in members]
            cut = [position for position, mask in enumerate(masks) if mask != whole]
            if cut:
                columns[axis_index] = masks
                partial_positions.update(cut)
        if len(partial_positions) < len(members):
            keep = sorted(partial_positions)
            full = covering + [r for p, r in enumerate(members) if p not in partial_positions]
            partial = [members[position] for position in keep]
            columns = {axis: [masks[p] for p in keep] for axis, masks in columns.items()}
        else:
            full, partial = covering, members
        if settle(region, full, partial):
            continue
        axis_index, left = _best_cut(table, region, columns, len(partial))
        right = region[axis_index] & ~left
        masks = columns[axis_index]
        children = []
        for part in (left, right):
            child = (*region[:axis_index], part, *region[axis_index + 1 :])
            child_members = [rule for rule, mask in zip(partial, masks, strict=True) if mask & part]
            children.append((child, full, child_members))
        children.sort(key=lambda item: len(item[2]), reverse=True)
        stack.extend(children)
    return True


def _intersect(first: Box, second: Box) -> Box:
    return tuple(a & b for a, b in zip(first, second, strict=True))


def _outside(region: Box, cutters: Sequence[Box]) -> list[Box]:
    """``region`` minus a few boxes, as disjoint boxes."""
    pieces = [region]
    for cutter in cutters:
        pieces = [piece for whole in pieces for piece in box_difference(whole, cutter)]
    return pieces


def _minus(first: Box, second: Box) -> bool:
    """Whether ``first`` has situations outside ``second``."""
    return not box_is_empty(first) and any(a & ~b for a, b in zip(first, second, strict=True))


def find_gaps(
    table: CompiledTable, budget: _Budget, *, rules: Sequence[int] | None = None
) -> tuple[list[Box], bool]:
    """Boxes (unmerged, disjoint) that together are exactly the unanswered situations."""
    gaps: list[Box] = []
    boxes = table.boxes

    def settle(region: Box, full: list[int], partial: list[int]) -> bool:
        if full:
            return True
        if len(partial) > 2:
            return False
        gaps.extend(_outside(region, [boxes[rule] for rule in partial]))
        return True

    live_rules = _live_rules(table) if rules is None else rules
    complete = _explore(table, live_rules, settle, budget)
    return gaps, complete


def _live_rules(table: CompiledTable) -> list[int]:
    return [index for index, box in enumerate(table.boxes) if not box_is_empty(box)]


def _output_key(decision: Decision, rule: Rule) -> tuple[Any, ...]:
    return tuple(_hashable(rule.outputs.get(output.name)) for output in decision.outputs)


def _hashable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_hashable(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _hashable(item)) for key, item in value.items()))
    return value


def find_overlaps(
    table: CompiledTable,
    budget: _Budget,
    *,
    conflicts_only: bool = False,
    gaps: list[Box] | None = None,
) -> tuple[set[frozenset[int]], bool]:
    """Every exact matched set of two or more rules (the rules matching some situation).

    With ``conflicts_only`` (hit policy ANY) only sets whose outputs differ.
    When ``gaps`` is a list the same search also appends the unanswered boxes
    to it (one pass instead of two). A region with at most two partly
    covering rules is settled directly: its matched sets are the covering
    rules plus each non-empty piece of the two.
    """
    matched_sets: set[frozenset[int]] = set()
    boxes = table.boxes
    keys = [_output_key(table.decision, rule) for rule in table.decision.rules]

    def record(rules: list[int]) -> None:
        if len(rules) < 2:
            return
        if conflicts_only and len({keys[rule] for rule in rules}) < 2:
            return
        matched_sets.add(frozenset(rules))

    def settle(region: Box, full: list[int], partial: list[int]) -> bool:
        count = len(partial)
        if count > 2:
            if conflicts_only and len({keys[rule] for rule in full + partial}) == 1:
                return bool(full) or gaps is None  # no conflict can arise here
            return False
        if count == 0:
            record(full)
        elif count == 1:
            record([*full, partial[0]])
        else:
            first, second = boxes[partial[0]], boxes[partial[1]]
            inside_first = _intersect(region, first)
            inside_second = _intersect(region, second)
            if not box_is_empty(_intersect(inside_first, second)):
                record([*full, *partial])
            if _minus(inside_first, second):
                record([*full, partial[0]])
            if _minus(inside_second, first):
                record([*full, partial[1]])
        if full or gaps is not None:
            rest = _outside(region, [boxes[rule] for rule in partial])
            if rest:
                record(full)
                if gaps is not None and not full:
                    gaps.extend(rest)
        return True

    complete = _explore(table, _live_rules(table), settle, budget)
    return matched_sets, complete


def _ranks(decision: Decision) -> list[tuple[int, ...]]:
    """Smaller is stronger: table order under FIRST, output priority under PRIORITY."""
    if decision.hit_policy == HitPolicy.FIRST:
        return [(index,) for index in range(len(decision.rules))]
    ranks = []
    for rule in decision.rules:
        rank = []
        for output in decision.outputs:
            value = rule.outputs.get(output.name)
            order: list[object] = list(output.values)
            rank.append(order.index(value) if value in order else len(order))
        ranks.append(tuple(rank))
    return ranks


def find_winners(
    table: CompiledTable, budget: _Budget, *, gaps: list[Box] | None = None
) -> tuple[set[int], dict[int, set[int]], bool]:
    """Rules that answer somewhere, and for the others the rules that beat them.

    When ``gaps`` is a list the same search also appends the unanswered boxes.
    """
    ranks = _ranks(table.decision)
    boxes = table.boxes
    winners: set[int] = set()
    beaten_by: dict[int, set[int]] = defaultdict(set)

    def settle(region: Box, full: list[int], partial: list[int]) -> bool:
        members = full + partial
        if not members:
            if gaps is not None:
                gaps.append(region)
            return True
        if len(members) == 1:
            winners.add(members[0])
            if gaps is not None and partial:
                gaps.extend(box_difference(region, boxes[members[0]]))
            return True
        if len(members) == 2:
            first, second = sorted(members, key=lambda rule: ranks[rule])
            winners.add(first)
            inside = _intersect(region, boxes[second])
            if ranks[first] == ranks[second] or _minus(inside, boxes[first]):
                winners.add(second)
            if ranks[first] != ranks[second] and not box_is_empty(_intersect(inside, boxes[first])):
                beaten_by[second].add(first)
            if gaps is not None and not full:
                gaps.extend(_outside(region, (boxes[first], boxes[second])))
            return True
        best = min(ranks[rule] for rule in members)
        top = [rule for rule in members if ranks[rule] == best]
        if len(top) == 1:
            box = boxes[top[0]]
            if any(mask & whole != whole for mask, whole in zip(box, region, strict=True)):
                return False
        elif not set(top).intersection(full):
            return False
        winners.update(top)
        for rule in members:
            if ranks[rule] != best:
                beaten_by[rule].update(top)
        return True

    complete = _explore(table, _live_rules(table), settle, budget)
    return winners, beaten_by, complete


def find_subsumed(table: CompiledTable) -> list[tuple[int, int]]:
    """(rule, wider rule) pairs: the rule's box lies inside a rule with the same outputs."""
    decision = table.decision
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for index in _live_rules(table):
        groups[_output_key(decision, decision.rules[index])].append(index)
    result: list[tuple[int, int]] = []
    boxes = table.boxes
    for members in groups.values():
        if len(members) < 2:
            continue
        # contains[axis][atom]: bit i set when members[i] covers that atom.
        contains: list[list[int]] = []
        for axis_index, axis in enumerate(table.axes):
            flips = [0] * (axis.size + 1)
            for position, rule in enumerate(members):
                bit = 1 << position
                for run in mask_runs(boxes[rule][axis_index]):
                    flips[(run & -run).bit_length() - 1] ^= bit
                    flips[run.bit_length()] ^= bit
            column, current = [], 0
            for atom in range(axis.size):
                current ^= flips[atom]
                column.append(current)
            contains.append(column)
        everyone = (1 << len(members)) - 1
        for position, rule in enumerate(members):
            own = 1 << position
            candidates = everyone
            box = boxes[rule]
            for axis_index, mask in enumerate(box):
                column = contains[axis_index]
                candidates &= column[(mask & -mask).bit_length() - 1]
                candidates &= column[mask.bit_length() - 1]
                if candidates == own:
                    break
            candidates &= ~own
            while candidates:
                low = candidates & -candidates
                candidates ^= low
                other = members[low.bit_length() - 1]
                wider = boxes[other]
                if all(w & m == m for w, m in zip(wider, box, strict=True)):
                    same = all(w == m for w, m in zip(wider, box, strict=True))
                    if not same or other < rule:
                        result.append((rule, other))
                        break
    return sorted(result)
