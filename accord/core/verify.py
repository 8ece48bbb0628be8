"""Verification: find a protocol's gaps, overlaps and dead rules before any case.

Exact over the declared domains (see :mod:`accord.core.space`): every input is
cut into atoms, every rule becomes a box, and the situation space is split
recursively at the cut that crosses the fewest rules until a region is
settled (no rule, one rule, or only rules that cover it whole). The regions
no rule covers are the gaps; those covered by several rules are overlaps
(UNIQUE) or conflicts (ANY, differing outputs); under FIRST and PRIORITY the
same search records which rule answers each region, and a rule that answers
none is shadowed. docs/verification.md explains the algorithm.

Severities: gaps, overlaps and unknown references are errors (a case would get
no answer, a contradictory one, or a contact that does not exist); shadowed
rules, subsumed rules and unused values are warnings (the protocol still
answers, but something the author wrote has no effect).
"""

from __future__ import annotations

import enum
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.core.model import (
    Decision,
    Factor,
    FactorKind,
    HitPolicy,
    Interval,
    OutputKind,
    Protocol,
    Rule,
    Scalar,
)
from accord.core.space import (
    Axis,
    Box,
    MergeStopped,
    box_difference,
    box_is_empty,
    mask_runs,
    merge_boxes,
)

__all__ = [
    "ERROR_KINDS",
    "CompiledTable",
    "Finding",
    "FindingKind",
    "VerificationReport",
    "compile_decision",
    "find_gaps",
    "find_overlaps",
    "find_subsumed",
    "find_winners",
    "finding_to_json",
    "report_to_json",
    "verify_decision",
    "verify_protocol",
]

Clock = Callable[[], float]
Region = Mapping[str, tuple[Scalar, ...] | Interval]


class FindingKind(enum.StrEnum):
    GAP = "gap"
    OVERLAP = "overlap"
    SHADOWED = "shadowed"
    SUBSUMED = "subsumed"
    UNUSED_VALUE = "unused-value"
    UNKNOWN_REFERENCE = "unknown-reference"


ERROR_KINDS = frozenset({FindingKind.GAP, FindingKind.OVERLAP, FindingKind.UNKNOWN_REFERENCE})


def severity_of(kind: FindingKind) -> str:
    """Errors leave a case without a (single) answer; warnings mark text with no effect."""
    return "error" if kind in ERROR_KINDS else "warning"


@dataclass(frozen=True)
class Finding:
    decision: str  # decision id ("" for protocol-wide findings such as unused values)
    kind: FindingKind
    rules: tuple[str, ...]  # rule ids involved
    example: Mapping[str, Scalar]  # a concrete situation, factor id -> value
    box: Region | None  # the region (gaps, overlaps)
    message: str  # one line a coordinator understands
    severity: str = "error"


@dataclass(frozen=True)
class VerificationReport:
    findings: tuple[Finding, ...]
    complete: bool  # False when the time budget ran out
    elapsed_seconds: float
    #: Findings found but not listed, beyond :data:`MAX_FINDINGS`: (decision, kind) -> count.
    omitted: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @property
    def omitted_count(self) -> int:
        return sum(self.omitted.values())


#: At most this many findings of one kind are listed per decision; the rest are counted.
#: Bounds memory and report size on adversarial tables (a random 1,500-rule table has
#: thousands of gap boxes); the first ones are the largest gaps, where a fix helps most.
MAX_FINDINGS = 500


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


# -- findings --------------------------------------------------------------------------


def _rule_list(ids: Sequence[str]) -> str:
    if len(ids) == 1:
        return f"rule {ids[0]}"
    return "rules " + ", ".join(ids[:-1]) + " and " + ids[-1]


def _gap_findings(
    table: CompiledTable, gaps: list[Box], *, budget: _Budget | None = None
) -> tuple[list[Finding], int]:
    """One finding per merged gap box, largest first, and how many boxes were not listed.

    At most :data:`MAX_FINDINGS`; with a ``budget``, at least one, then until it runs out.
    """
    findings: list[Finding] = []
    try:
        if budget is not None and budget.spent():
            raise MergeStopped
        merged = merge_boxes(
            gaps, ordered=table.ordered, should_stop=budget.spent if budget is not None else None
        )
    except MergeStopped:
        # No time left to merge: the largest gap as found, narrowed to its first interval on
        # each number input (still a region no rule answers); the others are counted.
        largest = max(gaps, key=_box_size, default=None)
        merged = [] if largest is None else [_first_runs(largest, table.ordered)]
        return _gap_list(table, merged), len(gaps) - len(merged)
    # The largest gaps first: when the list is cut, what is shown matters most.
    merged.sort(key=lambda box: -_box_size(box))
    for box in merged[:MAX_FINDINGS]:
        if findings and budget is not None and budget.spent():
            break
        findings.extend(_gap_list(table, [box]))
    return findings, len(merged) - len(findings)


def _gap_list(table: CompiledTable, boxes: Sequence[Box]) -> list[Finding]:
    return [
        Finding(
            decision=table.decision.id,
            kind=FindingKind.GAP,
            rules=(),
            example=table.example(box),
            box=table.region(box),
            message=f"No rule answers {table.describe(box)}",
            severity=severity_of(FindingKind.GAP),
        )
        for box in boxes
    ]


def _first_runs(box: Box, ordered: Sequence[bool]) -> Box:
    """The part of ``box`` in the first interval of each number input."""
    return tuple(
        next(mask_runs(mask)) if is_ordered and mask else mask
        for mask, is_ordered in zip(box, ordered, strict=True)
    )


def _box_size(box: Box) -> int:
    """Atoms in a box (a proxy for how many situations it holds)."""
    size = 1
    for mask in box:
        size *= mask.bit_count()
    return size


def _maximal_groups(
    matched_sets: Iterable[frozenset[int]],
) -> list[tuple[frozenset[int], list[frozenset[int]]]]:
    """Group matched sets under inclusion-maximal ones, each set in exactly one group."""
    ordered = sorted(matched_sets, key=lambda rules: (-len(rules), sorted(rules)))
    maximal: list[frozenset[int]] = []
    by_rule: dict[int, list[int]] = defaultdict(list)
    grouped: dict[int, list[frozenset[int]]] = defaultdict(list)
    for rules in ordered:
        anchor = min(rules)
        owner = next((i for i in by_rule[anchor] if rules <= maximal[i]), None)
        if owner is None:
            owner = len(maximal)
            maximal.append(rules)
            for rule in rules:
                by_rule[rule].append(owner)
        grouped[owner].append(rules)
    return [(maximal[index], grouped[index]) for index in range(len(maximal))]


#: An incomplete search reports overlaps from at most this many matched sets.
_INCOMPLETE_SETS = 2000

#: Above this many matched sets in one group, skip dropping the redundant ones.
_MINIMAL_LIMIT = 200


def _minimal_sets(sets: list[frozenset[int]]) -> list[frozenset[int]]:
    """Sets with no proper subset in ``sets``: their common boxes cover the others'."""
    if len(sets) > _MINIMAL_LIMIT:
        return sets
    ordered = sorted(sets, key=len)
    kept: list[frozenset[int]] = []
    for rules in ordered:
        if not any(smaller < rules for smaller in kept):
            kept.append(rules)
    return kept


def _overlap_findings(
    table: CompiledTable,
    matched_sets: Iterable[frozenset[int]],
    *,
    conflicts_only: bool,
    budget: _Budget | None = None,
) -> tuple[list[Finding], int]:
    """One finding per maximal set of overlapping rules and common box of a matched set.

    Every situation two or more rules match (ANY: with different outputs) has
    an exact matched set; the box where all of that set match contains it. So
    the common boxes of the matched sets cover exactly the overlapping
    situations. Each is reported under the maximal set it belongs to; a set
    whose box lies inside a smaller set's box of the same group is dropped.
    Returns the findings and how many sets of overlapping rules were not listed
    (beyond :data:`MAX_FINDINGS`).
    """
    decision = table.decision
    findings: list[Finding] = []
    if budget is not None:
        # Cut short: group only the first sets found, so grouping itself stays quick.
        matched_sets = list(matched_sets)[:_INCOMPLETE_SETS]
    groups = _maximal_groups(matched_sets)
    for position, (rules, members) in enumerate(groups):
        if len(findings) >= MAX_FINDINGS or (findings and budget is not None and budget.spent()):
            return findings, sum(len(rest) for _, rest in groups[position:])
        indices = sorted(rules)
        ids = tuple(decision.rules[index].id for index in indices)
        everyone = _common_box(table, indices)
        for subset in _minimal_sets(members):
            part = sorted(subset)
            part_ids = [decision.rules[index].id for index in part]
            common = _common_box(table, part)
            for box in merge_boxes([common], ordered=table.ordered):
                inside = _intersect(box, everyone)
                example = table.example(inside if not box_is_empty(inside) else box)
                where = table.describe(box)
                if conflicts_only:
                    answers = " / ".join(
                        dict.fromkeys(
                            _describe_outputs(decision, decision.rules[index]) for index in part
                        )
                    )
                    message = (
                        f"{_rule_list(part_ids)} give different answers ({answers}) for {where}"
                    )
                else:
                    both = "both" if len(part_ids) == 2 else "all"
                    message = f"{_rule_list(part_ids)} {both} answer {where}"
                if subset != rules:
                    others = [rule_id for rule_id in ids if rule_id not in part_ids]
                    message += f" (overlapping in part with {', '.join(others)})"
                findings.append(
                    Finding(
                        decision=decision.id,
                        kind=FindingKind.OVERLAP,
                        rules=ids,
                        example=example,
                        box=table.region(box),
                        message=message[0].upper() + message[1:],
                        severity=severity_of(FindingKind.OVERLAP),
                    )
                )
    return findings, 0


def _common_box(table: CompiledTable, indices: Sequence[int]) -> Box:
    common = table.boxes[indices[0]]
    for index in indices[1:]:
        common = _intersect(common, table.boxes[index])
    return common


def _describe_outputs(decision: Decision, rule: Rule) -> str:
    values = [rule.outputs.get(output.name) for output in decision.outputs]
    return ", ".join(_plain(value) for value in values)


def _plain(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "+".join(_plain(item) for item in value)
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _rule_finding(
    table: CompiledTable, kind: FindingKind, rule: int, others: Sequence[int], message: str
) -> Finding:
    decision = table.decision
    box = table.boxes[rule]
    return Finding(
        decision=decision.id,
        kind=kind,
        rules=(decision.rules[rule].id, *(decision.rules[other].id for other in others)),
        example={} if box_is_empty(box) else table.example(box),
        box=None,
        message=message,
        severity=severity_of(kind),
    )


def _dead_rule_findings(table: CompiledTable) -> list[Finding]:
    findings = []
    for index, box in enumerate(table.boxes):
        if box_is_empty(box):
            rule = table.decision.rules[index]
            findings.append(
                _rule_finding(
                    table,
                    FindingKind.SHADOWED,
                    index,
                    (),
                    f"Rule {rule.id} never applies: its conditions exclude every situation",
                )
            )
    return findings


def _shadow_findings(
    table: CompiledTable, winners: set[int], beaten_by: Mapping[int, set[int]]
) -> list[Finding]:
    decision = table.decision
    findings = []
    reason = (
        "earlier rules answer every situation it matches"
        if decision.hit_policy == HitPolicy.FIRST
        else "rules with a higher-priority answer match every situation it matches"
    )
    for index in _live_rules(table):
        if index in winners:
            continue
        others = sorted(beaten_by.get(index, ()))
        rule = decision.rules[index]
        by = ", ".join(decision.rules[other].id for other in others)
        findings.append(
            _rule_finding(
                table,
                FindingKind.SHADOWED,
                index,
                others,
                f"Rule {rule.id} is never the answer: {reason} ({by})",
            )
        )
    return findings


def _subsumed_findings(table: CompiledTable, skip: Collection[int]) -> list[Finding]:
    decision = table.decision
    findings = []
    for rule, wider in find_subsumed(table):
        if rule in skip:
            continue
        findings.append(
            _rule_finding(
                table,
                FindingKind.SUBSUMED,
                rule,
                (wider,),
                f"Rule {decision.rules[rule].id} is redundant: rule {decision.rules[wider].id} "
                "covers every situation it matches with the same answer",
            )
        )
    return findings


def _reference_findings(table: CompiledTable, known_ids: Collection[str] | None) -> list[Finding]:
    decision = table.decision
    findings = []
    for factor_id in table.missing_inputs:
        findings.append(
            Finding(
                decision=decision.id,
                kind=FindingKind.UNKNOWN_REFERENCE,
                rules=(),
                example={},
                box=None,
                message=f"Decision {decision.id} tests {factor_id}, which is not a declared factor",
                severity=severity_of(FindingKind.UNKNOWN_REFERENCE),
            )
        )
    for output in decision.outputs:
        if output.kind in (OutputKind.ORGANIZATION, OutputKind.SERVICE):
            if known_ids is None:
                continue
            allowed: Collection[Any] = known_ids
            what = f"{output.kind} in the directory"
        elif output.kind == OutputKind.ENUM and output.values:
            allowed = output.values
            what = f"allowed value of {output.name}"
        else:
            continue
        for index, rule in enumerate(decision.rules):
            value = rule.outputs.get(output.name)
            values = value if isinstance(value, tuple | list) else (value,)
            for item in values:
                if item is None or item in allowed:
                    continue
                findings.append(
                    _rule_finding(
                        table,
                        FindingKind.UNKNOWN_REFERENCE,
                        index,
                        (),
                        f"Rule {rule.id} names {item!s} as {output.name}, "
                        f"which is not a known {what}",
                    )
                )
    return findings


#: Shares of the time budget: the full search ends at 70%, a gap-only search
#: (only when the full one did not finish) at 85%; findings are built in the rest.
_MAIN_SHARE = 0.7
_PROBE_SHARE = 0.85

_SUBSUMPTION_POLICIES = frozenset({HitPolicy.UNIQUE, HitPolicy.ANY, HitPolicy.PRIORITY})


def verify_decision(
    decision: Decision,
    factors: Mapping[str, Factor],
    *,
    known_ids: Collection[str] | None = None,
    time_budget: float = 10.0,
    clock: Clock = time.perf_counter,
) -> VerificationReport:
    """Every gap, overlap, shadowed and subsumed rule and unknown reference of one table.

    One search finds gaps together with overlaps (UNIQUE, ANY) or with the
    answering rule of every region (FIRST, PRIORITY). If it runs out of time
    (70% of ``time_budget``), the next 15% go to a gap-only search, which settles
    far sooner on heavily overlapping tables, so that an incomplete report
    still shows unanswered situations when it can; shadowing, which needs the
    whole space, is then left out.
    """
    started = clock()
    if decision.expression is not None:
        return _verify_literal(decision, factors, elapsed=clock() - started)
    overall = _Budget(clock=clock, deadline=started + time_budget)
    main = _Budget(clock=clock, deadline=started + time_budget * _MAIN_SHARE)
    probe = _Budget(clock=clock, deadline=started + time_budget * _PROBE_SHARE)
    table = compile_decision(decision, factors)
    findings: list[Finding] = []

    policy = decision.hit_policy
    gaps: list[Box] = []
    matched_sets: set[frozenset[int]] = set()
    shadowed: set[int] = set()
    shadow_findings: list[Finding] = []
    if policy in (HitPolicy.UNIQUE, HitPolicy.ANY):
        conflicts_only = policy == HitPolicy.ANY
        matched_sets, complete = find_overlaps(
            table, main, conflicts_only=conflicts_only, gaps=gaps
        )
    elif policy in (HitPolicy.FIRST, HitPolicy.PRIORITY):
        winners, beaten_by, complete = find_winners(table, main, gaps=gaps)
        if complete:
            shadow_findings = _shadow_findings(table, winners, beaten_by)
            shadowed = {index for index in _live_rules(table) if index not in winners}
    else:
        gaps, complete = find_gaps(table, main)
    if not complete:
        # The full search ran out of time: spend a share on gaps alone, which
        # settles a region as soon as any rule covers it whole.
        probe_gaps, probe_complete = find_gaps(table, probe)
        if probe_complete or probe_gaps:
            gaps = probe_gaps
    if decision.outputs and all(output.default is not None for output in decision.outputs):
        gaps = []  # every output has a default: the defaults answer what no rule does
    # Findings are listed while the budget lasts (at least one of each kind); the rest counted.
    limit = overall
    gap_findings, gaps_omitted = _gap_findings(table, gaps, budget=limit)
    findings.extend(gap_findings)
    omitted = {str(FindingKind.GAP): gaps_omitted} if gaps_omitted else {}
    overlap_findings, overlaps_omitted = _overlap_findings(
        table, matched_sets, conflicts_only=policy == HitPolicy.ANY, budget=limit
    )
    findings.extend(overlap_findings)
    if overlaps_omitted:
        omitted[str(FindingKind.OVERLAP)] = overlaps_omitted
    findings.extend(shadow_findings)
    if policy in _SUBSUMPTION_POLICIES and (
        complete or (policy != HitPolicy.PRIORITY and not overall.spent())
    ):
        findings.extend(_subsumed_findings(table, shadowed))
    findings.extend(_dead_rule_findings(table))
    findings.extend(_reference_findings(table, known_ids))
    return VerificationReport(
        findings=tuple(findings),
        complete=complete,
        elapsed_seconds=clock() - started,
        omitted={(decision.id, kind): count for kind, count in omitted.items()},
    )


def _verify_literal(
    decision: Decision, factors: Mapping[str, Factor], *, elapsed: float
) -> VerificationReport:
    """A literal-expression decision always answers (no gaps, no overlaps); the names it
    reads must still be known factors."""
    findings = [
        Finding(
            decision=decision.id,
            kind=FindingKind.UNKNOWN_REFERENCE,
            rules=(),
            example={},
            box=None,
            message=f"The expression of {decision.id} reads {name}, which is not a factor",
            severity=severity_of(FindingKind.UNKNOWN_REFERENCE),
        )
        for name in decision.inputs
        if name not in factors
    ]
    return VerificationReport(findings=tuple(findings), complete=True, elapsed_seconds=elapsed)


def _requirement_findings(protocol: Protocol) -> list[Finding]:
    """A decision that reads another decision the protocol does not hold."""
    return [
        Finding(
            decision=decision.id,
            kind=FindingKind.UNKNOWN_REFERENCE,
            rules=(),
            example={},
            box=None,
            message=f"{decision.id} reads the answer of {name}, which is not a decision",
            severity=severity_of(FindingKind.UNKNOWN_REFERENCE),
        )
        for decision in protocol.decisions.values()
        for name in decision.requires
        if name not in protocol.decisions
    ]


def _unused_value_findings(protocol: Protocol) -> list[Finding]:
    """Enumeration values no rule or deadline names: probably a forgotten case.

    A value counts as named when a condition's value set contains it
    (``not(...)`` conditions name every value they keep). A boolean names both
    values as soon as one is tested, so only a boolean factor no condition
    tests at all is reported (once, as its ``true`` value).
    """
    named: dict[str, set[Scalar]] = defaultdict(set)
    conditions = [
        (factor_id, condition)
        for decision in protocol.decisions.values()
        for rule in decision.rules
        for factor_id, condition in rule.conditions.items()
    ]
    conditions.extend(
        (factor_id, condition)
        for deadline in protocol.deadlines
        for factor_id, condition in deadline.when.items()
    )
    for factor_id, condition in conditions:
        if condition.values is not None:
            named[factor_id].update(condition.values)
    # An expression may name any value of the factors it reads.
    read_by_expressions = {
        factor_id
        for decision in protocol.decisions.values()
        if decision.expression is not None
        for factor_id in decision.inputs
    }
    findings = []
    for factor in protocol.factors.values():
        if factor.id in read_by_expressions:
            continue
        if factor.domain.kind == FactorKind.ENUM:
            unused = [value for value in factor.domain.values if value not in named[factor.id]]
        elif factor.domain.kind == FactorKind.BOOLEAN:
            unused = [] if named[factor.id] else [True]
        else:
            continue
        for value in unused:
            findings.append(
                Finding(
                    decision="",
                    kind=FindingKind.UNUSED_VALUE,
                    rules=(),
                    example={factor.id: value},
                    box=None,
                    message=f"No rule names {factor.id} {_plain(value)}: "
                    "no rule says what to do for it specifically",
                    severity=severity_of(FindingKind.UNUSED_VALUE),
                )
            )
    return findings


def verify_protocol(protocol: Protocol, *, time_budget: float = 10.0) -> VerificationReport:
    """Verify every decision (sharing the budget fairly), then unused values."""
    clock = time.perf_counter
    started = clock()
    findings: list[Finding] = []
    omitted: dict[tuple[str, str], int] = {}
    complete = True
    decisions = list(protocol.decisions.values())
    known_ids = set(protocol.directory)
    for position, decision in enumerate(decisions):
        remaining = max(0.0, time_budget - (clock() - started))
        share = remaining / (len(decisions) - position)
        report = verify_decision(
            decision, protocol.factors, known_ids=known_ids, time_budget=share, clock=clock
        )
        findings.extend(report.findings)
        omitted.update(report.omitted)
        complete = complete and report.complete
    findings.extend(_requirement_findings(protocol))
    findings.extend(_unused_value_findings(protocol))
    return VerificationReport(
        findings=tuple(findings),
        complete=complete,
        elapsed_seconds=clock() - started,
        omitted=omitted,
    )


# -- JSON ------------------------------------------------------------------------------


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return value
    if isinstance(value, Decimal):
        if value.is_infinite() or value.is_nan():
            return None
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, Interval):
        return {
            "min": _json_number(value.low),
            "max": _json_number(value.high),
            "min_open": value.low_open,
            "max_open": value.high_open,
        }
    if isinstance(value, tuple | list | frozenset | set):
        return [_json_value(item) for item in value]
    return _json_number(value)


def finding_to_json(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "decision": finding.decision,
        "kind": str(finding.kind),
        "rules": list(finding.rules),
        "example": {key: _json_value(value) for key, value in finding.example.items()},
    }
    if finding.box is not None:
        data["box"] = {key: _json_value(value) for key, value in finding.box.items()}
    data["message"] = finding.message
    data["severity"] = finding.severity
    return data


def report_to_json(report: VerificationReport) -> dict[str, Any]:
    return {
        "findings": [finding_to_json(finding) for finding in report.findings],
        "complete": report.complete,
        "omitted": [
            {"decision": decision, "kind": kind, "count": count}
            for (decision, kind), count in report.omitted.items()
        ],
    }
