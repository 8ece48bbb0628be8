"""Verification equals brute-force enumeration on every table small enough to enumerate.

Random small tables over enumerations, booleans, integer ranges and decimal
ranges (intervals with open and closed ends), every hit policy. The brute force
uses only ``Condition.matches`` from the model, never the verifier's atoms.
Decimal boundaries lie on a half grid, so probing every quarter point visits
every elementary piece of the decimal domain.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.model import (
    Condition,
    Decision,
    Domain,
    Factor,
    FactorKind,
    HitPolicy,
    Interval,
    OutputDef,
    OutputKind,
    Rule,
    Scalar,
)
from accord.core.verify import Finding, FindingKind, verify_decision

OUTPUT_VALUES = ("high", "medium", "low")
POLICIES = [HitPolicy.UNIQUE, HitPolicy.ANY, HitPolicy.FIRST, HitPolicy.PRIORITY, HitPolicy.COLLECT]


@st.composite
def factors(draw: st.DrawFn, index: int) -> Factor:
    # TEXT factors are read by FEEL expressions only; no table column tests them.
    kind = draw(st.sampled_from([k for k in FactorKind if k is not FactorKind.TEXT]))
    name = f"f{index}"
    if kind == FactorKind.ENUM:
        count = draw(st.integers(2, 4))
        return Factor(name, Domain(kind, values=tuple(f"v{i}" for i in range(count))))
    if kind == FactorKind.BOOLEAN:
        return Factor(name, Domain(kind, values=(False, True)))
    if kind == FactorKind.INTEGER:
        low = draw(st.integers(-2, 3))
        return Factor(name, Domain(kind, minimum=low, maximum=low + draw(st.integers(0, 6))))
    return Factor(name, Domain(kind, minimum=Decimal(0), maximum=Decimal(3)))


@st.composite
def conditions(draw: st.DrawFn, factor: Factor) -> Condition:
    domain = factor.domain
    if draw(st.integers(0, 3)) == 0:
        return Condition()
    if domain.kind in (FactorKind.ENUM, FactorKind.BOOLEAN):
        chosen = draw(st.sets(st.sampled_from(domain.values), max_size=len(domain.values)))
        return Condition(text="values", values=frozenset(chosen))
    ends: st.SearchStrategy[int | Decimal]
    if domain.kind == FactorKind.INTEGER:
        assert domain.minimum is not None and domain.maximum is not None
        ends = st.integers(int(domain.minimum) - 1, int(domain.maximum) + 1)
    else:
        ends = st.integers(-1, 7).map(lambda half: Decimal(half) / 2)
    intervals = []
    for _ in range(draw(st.integers(1, 2))):
        low, high = sorted((draw(ends), draw(ends)))
        intervals.append(
            Interval(low, high, low_open=draw(st.booleans()), high_open=draw(st.booleans()))
        )
    return Condition(text="intervals", intervals=tuple(sorted(intervals)))


@st.composite
def tables(draw: st.DrawFn) -> tuple[Decision, dict[str, Factor]]:
    columns = [draw(factors(index)) for index in range(draw(st.integers(1, 3)))]
    rules = []
    for number in range(draw(st.integers(1, 8))):
        rule_conditions = {factor.id: draw(conditions(factor)) for factor in columns}
        rules.append(
            Rule(
                id=f"r{number + 1}",
                conditions={k: v for k, v in rule_conditions.items() if not v.is_any},
                outputs={"level": draw(st.sampled_from(OUTPUT_VALUES))},
            )
        )
    decision = Decision(
        id="d",
        question="?",
        inputs=tuple(factor.id for factor in columns),
        outputs=(OutputDef("level", kind=OutputKind.ENUM, values=OUTPUT_VALUES),),
        rules=tuple(rules),
        hit_policy=draw(st.sampled_from(POLICIES)),
    )
    return decision, {factor.id: factor for factor in columns}


def probe_values(factor: Factor) -> list[Scalar]:
    domain = factor.domain
    if domain.kind in (FactorKind.ENUM, FactorKind.BOOLEAN):
        return list(domain.values)
    if domain.kind == FactorKind.INTEGER:
        assert domain.minimum is not None and domain.maximum is not None
        return list(range(int(domain.minimum), int(domain.maximum) + 1))
    return [Decimal(quarter) / 4 for quarter in range(0, 13)]


def in_box(finding: Finding, point: dict[str, Scalar]) -> bool:
    assert finding.box is not None
    for factor_id, region in finding.box.items():
        value = point[factor_id]
        if isinstance(region, Interval):
            if not region.contains(value):
                return False
        elif value not in region:
            return False
    return True


def matched(decision: Decision, point: dict[str, Scalar]) -> list[Rule]:
    return [
        rule
        for rule in decision.rules
        if all(condition.matches(point[f]) for f, condition in rule.conditions.items())
    ]


def winners(decision: Decision, hits: list[Rule]) -> set[str]:
    if not hits:
        return set()
    if decision.hit_policy == HitPolicy.FIRST:
        return {hits[0].id}
    best = min(OUTPUT_VALUES.index(rule.outputs["level"]) for rule in hits)
    return {rule.id for rule in hits if OUTPUT_VALUES.index(rule.outputs["level"]) == best}


@settings(max_examples=200, deadline=None)
@given(tables())
def test_findings_equal_brute_force(table: tuple[Decision, dict[str, Factor]]) -> None:
    decision, columns = table
    report = verify_decision(decision, columns)
    assert report.complete
    by_kind: dict[FindingKind, list[Finding]] = {kind: [] for kind in FindingKind}
    for finding in report.findings:
        by_kind[finding.kind].append(finding)
    names = list(columns)
    points_of: dict[str, set[tuple[object, ...]]] = {rule.id: set() for rule in decision.rules}
    answering: set[str] = set()
    policy = decision.hit_policy
    for values in product(*(probe_values(columns[name]) for name in names)):
        point = dict(zip(names, values, strict=True))
        hits = matched(decision, point)
        for rule in hits:
            points_of[rule.id].add(values)
        answering |= winners(decision, hits)
        in_gap = any(in_box(finding, point) for finding in by_kind[FindingKind.GAP])
        assert in_gap == (not hits), point
        if policy == HitPolicy.UNIQUE:
            doubly = len(hits) >= 2
        elif policy == HitPolicy.ANY:
            doubly = len({rule.outputs["level"] for rule in hits}) >= 2
        else:
            doubly = False
        in_overlap = any(in_box(finding, point) for finding in by_kind[FindingKind.OVERLAP])
        assert in_overlap == doubly, point

    for finding in by_kind[FindingKind.GAP]:
        assert not matched(decision, dict(finding.example))
    for finding in by_kind[FindingKind.OVERLAP]:
        hit_ids = {rule.id for rule in matched(decision, dict(finding.example))}
        assert len(hit_ids & set(finding.rules)) >= 2

    dead = {rule_id for rule_id, points in points_of.items() if not points}
    expected_shadowed = set(dead)
    if policy in (HitPolicy.FIRST, HitPolicy.PRIORITY):
        expected_shadowed |= {rule.id for rule in decision.rules} - answering
    assert {f.rules[0] for f in by_kind[FindingKind.SHADOWED]} == expected_shadowed

    expected_subsumed: set[str] = set()
    if policy in (HitPolicy.UNIQUE, HitPolicy.ANY, HitPolicy.PRIORITY):
        order = {rule.id: index for index, rule in enumerate(decision.rules)}
        for rule in decision.rules:
            mine = points_of[rule.id]
            if not mine or rule.id in expected_shadowed:
                continue
            for other in decision.rules:
                theirs = points_of[other.id]
                if (
                    other.id != rule.id
                    and other.outputs == rule.outputs
                    and mine <= theirs
                    and (mine != theirs or order[other.id] < order[rule.id])
                ):
                    expected_subsumed.add(rule.id)
    reported = {f.rules[0]: f.rules[1] for f in by_kind[FindingKind.SUBSUMED]}
    assert set(reported) == expected_subsumed
    for rule_id, wider in reported.items():
        assert points_of[rule_id] <= points_of[wider]


class TickClock:
    """Advances one unit per reading, so a budget of n units allows about n search steps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@settings(max_examples=200, deadline=None)
@given(tables(), st.integers(1, 40))
def test_a_report_cut_short_only_contains_true_findings(
    table: tuple[Decision, dict[str, Factor]], ticks: int
) -> None:
    decision, columns = table
    report = verify_decision(decision, columns, time_budget=ticks, clock=TickClock())
    names = list(columns)
    for values in product(*(probe_values(columns[name]) for name in names)):
        point = dict(zip(names, values, strict=True))
        hits = matched(decision, point)
        for finding in report.findings:
            if finding.kind == FindingKind.GAP and in_box(finding, point):
                assert not hits
            if finding.kind == FindingKind.OVERLAP and in_box(finding, point):
                assert len(hits) >= 2
