"""Turning what the search found into findings a coordinator reads.

Gap boxes are merged and listed largest first, overlaps grouped under the
maximal sets of rules that share situations, shadowed, subsumed and dead rules
and unknown references named. Split out of :mod:`accord.core.verify`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from accord.core.findings import MAX_FINDINGS, Finding, FindingKind, VerificationReport, severity_of
from accord.core.gap_cover import cover_gaps
from accord.core.model import (
    Decision,
    Factor,
    FactorKind,
    HitPolicy,
    OutputKind,
    Protocol,
    Rule,
    Scalar,
)
from accord.core.space import Box, MergeStopped, box_is_empty, mask_runs, merge_boxes
from accord.core.verify_search import (
    CompiledTable,
    _Budget,
    _intersect,
    _live_rules,
    find_subsumed,
)

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
    # Each merged gap grown as far as no rule reaches (fewer, larger boxes; see gap_cover).
    merged = cover_gaps(
        merged,
        table.boxes,
        sizes=[axis.size for axis in table.axes],
        ordered=table.ordered,
        should_stop=budget.spent if budget is not None else None,
    )
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
