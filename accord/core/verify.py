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

The module is split by concept: :mod:`accord.core.findings` (what a report
holds, and its JSON), :mod:`accord.core.verify_search` (compiling a table and
the search) and :mod:`accord.core.verify_report` (findings from what the search
found). This module runs them and re-exports their public names.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping

from accord.core.findings import (
    ERROR_KINDS,
    MAX_FINDINGS,
    Finding,
    FindingKind,
    Region,
    VerificationReport,
    finding_to_json,
    report_to_json,
    severity_of,
)
from accord.core.model import Decision, Factor, HitPolicy, Protocol
from accord.core.space import Box
from accord.core.verify_report import (
    _dead_rule_findings,
    _gap_findings,
    _overlap_findings,
    _reference_findings,
    _requirement_findings,
    _shadow_findings,
    _subsumed_findings,
    _unused_value_findings,
    _verify_literal,
)
from accord.core.verify_search import (
    Clock,
    CompiledTable,
    _Budget,
    _live_rules,
    compile_decision,
    find_gaps,
    find_overlaps,
    find_subsumed,
    find_winners,
)

__all__ = [
    "ERROR_KINDS",
    "MAX_FINDINGS",
    "CompiledTable",
    "Finding",
    "FindingKind",
    "Region",
    "VerificationReport",
    "compile_decision",
    "find_gaps",
    "find_overlaps",
    "find_subsumed",
    "find_winners",
    "finding_to_json",
    "report_to_json",
    "severity_of",
    "verify_decision",
    "verify_protocol",
]

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
