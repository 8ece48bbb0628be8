"""Verification of single decision tables: what a coordinator sees in each finding."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from decimal import Decimal

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
)
from accord.core.verify import (
    FindingKind,
    report_to_json,
    verify_decision,
)

AGE = Factor("victim_age", Domain(FactorKind.INTEGER, minimum=0, maximum=120))
CITIZENSHIP = Factor(
    "citizenship",
    Domain(FactorKind.ENUM, values=("us_citizen", "foreign_national", "stateless")),
)
TYPE = Factor("trafficking_type", Domain(FactorKind.ENUM, values=("sex", "labor", "both")))
SCORE = Factor("risk_score", Domain(FactorKind.DECIMAL, minimum=Decimal(0), maximum=Decimal(1)))
FACTORS = {factor.id: factor for factor in (AGE, CITIZENSHIP, TYPE, SCORE)}


def ages(low: int, high: int, **ends: bool) -> Condition:
    return Condition(text=f"[{low}..{high}]", intervals=(Interval(low, high, **ends),))


def values(*items: str) -> Condition:
    return Condition(text=", ".join(items), values=frozenset(items))


def rule(rule_id: str, output: str = "refer", **conditions: Condition) -> Rule:
    return Rule(id=rule_id, conditions=conditions, outputs={"action": output})


def table(
    *rules: Rule, policy: HitPolicy = HitPolicy.UNIQUE, inputs: tuple[str, ...] = ()
) -> Decision:
    used = inputs or tuple(dict.fromkeys(f for r in rules for f in r.conditions))
    return Decision(
        id="placement",
        question="Where does the victim stay?",
        inputs=used,
        outputs=(OutputDef("action", kind=OutputKind.ENUM, values=("urgent", "refer", "wait")),),
        rules=rules,
        hit_policy=policy,
    )


def kinds(decision: Decision, factors: Mapping[str, Factor] = FACTORS) -> list[FindingKind]:
    return [finding.kind for finding in verify_decision(decision, factors).findings]


def test_complete_disjoint_table_is_clean() -> None:
    decision = table(rule("R1", victim_age=ages(0, 17)), rule("R2", victim_age=ages(18, 120)))
    report = verify_decision(decision, FACTORS)
    assert report.complete
    assert report.findings == ()


def test_gap_is_one_merged_box_in_coordinator_words() -> None:
    decision = table(
        rule("R1", victim_age=ages(0, 17)),
        rule("R2", victim_age=ages(25, 120)),
        rule("R3", victim_age=ages(18, 24), citizenship=values("us_citizen")),
        rule("R4", victim_age=ages(18, 24), trafficking_type=values("sex", "both")),
    )
    gaps = [f for f in verify_decision(decision, FACTORS).findings if f.kind == FindingKind.GAP]
    assert len(gaps) == 1
    assert gaps[0].message == (
        "No rule answers victim_age 18\u201324 \u00d7 citizenship foreign_national or stateless"
        " \u00d7 trafficking_type labor"
    )
    assert gaps[0].box == {
        "victim_age": Interval(18, 24),
        "citizenship": ("foreign_national", "stateless"),
        "trafficking_type": ("labor",),
    }
    assert gaps[0].example == {
        "victim_age": 18,
        "citizenship": "foreign_national",
        "trafficking_type": "labor",
    }


def test_open_integer_ends_are_discrete() -> None:
    # (17..121) over integers is 18..120: nothing is missing, nothing overlaps.
    decision = table(
        rule("R1", victim_age=ages(0, 18, high_open=True)),
        rule("R2", victim_age=ages(17, 121, low_open=True, high_open=True)),
    )
    assert kinds(decision) == []


def test_decimal_boundary_point_is_a_gap_of_its_own() -> None:
    low = Condition(text="< 0.5", intervals=(Interval(Decimal(0), Decimal("0.5"), high_open=True),))
    high = Condition(text="> 0.5", intervals=(Interval(Decimal("0.5"), Decimal(1), low_open=True),))
    decision = table(rule("R1", risk_score=low), rule("R2", risk_score=high))
    (gap,) = verify_decision(decision, FACTORS).findings
    assert gap.box == {"risk_score": Interval(Decimal("0.5"), Decimal("0.5"))}
    assert gap.example == {"risk_score": Decimal("0.5")}
    assert gap.message == "No rule answers risk_score 0.5"


def test_overlap_reports_the_maximal_set_and_exact_region() -> None:
    decision = table(
        rule("A", victim_age=ages(0, 10)),
        rule("B", victim_age=ages(5, 15)),
        rule("C", victim_age=ages(8, 120)),
    )
    overlaps = [f for f in verify_decision(decision, FACTORS).findings if f.kind == "overlap"]
    assert {f.rules for f in overlaps} == {("A", "B", "C")}
    covered = {
        age
        for f in overlaps
        for age in range(121)
        if f.box is not None and f.box["victim_age"].contains(age)
    }
    assert covered == set(range(5, 16))
    assert any(f.example == {"victim_age": 8} for f in overlaps)


def test_any_policy_reports_only_conflicting_overlaps() -> None:
    decision = table(
        rule("R1", "urgent", victim_age=ages(0, 17)),
        rule("R2", "urgent", victim_age=ages(10, 17)),
        rule("R3", "refer", victim_age=ages(15, 120)),
        policy=HitPolicy.ANY,
    )
    findings = verify_decision(decision, FACTORS).findings
    overlaps = [f for f in findings if f.kind == FindingKind.OVERLAP]
    assert [f.rules for f in overlaps] == [("R1", "R2", "R3")]
    assert overlaps[0].box == {"victim_age": Interval(15, 17)}
    assert "different answers (urgent / refer)" in overlaps[0].message
    subsumed = [f for f in findings if f.kind == FindingKind.SUBSUMED]
    assert [f.rules for f in subsumed] == [("R2", "R1")]


def test_first_policy_shadowing_names_the_earlier_rules() -> None:
    decision = table(
        rule("R1", "urgent", victim_age=ages(0, 17)),
        rule("R2", "refer", victim_age=ages(18, 100)),
        rule("R3", "wait", victim_age=ages(10, 30)),
        rule("R4", "wait"),
        policy=HitPolicy.FIRST,
        inputs=("victim_age",),
    )
    (finding,) = verify_decision(decision, FACTORS).findings
    assert finding.kind == FindingKind.SHADOWED
    assert finding.rules == ("R3", "R1", "R2")
    assert finding.severity == "warning"
    assert finding.example == {"victim_age": 10}


def test_priority_policy_shadowing_follows_output_order() -> None:
    decision = table(
        rule("R1", "wait", victim_age=ages(0, 120)),
        rule("R2", "urgent", victim_age=ages(0, 17)),
        rule("R3", "refer", victim_age=ages(5, 10)),
        policy=HitPolicy.PRIORITY,
    )
    (finding,) = verify_decision(decision, FACTORS).findings
    assert (finding.kind, finding.rules) == (FindingKind.SHADOWED, ("R3", "R2"))


def test_rule_that_matches_nothing_is_reported_under_any_policy() -> None:
    decision = table(
        rule("R1"),
        rule("R2", victim_age=ages(3, 4, low_open=True, high_open=True)),
        policy=HitPolicy.COLLECT,
    )
    (finding,) = verify_decision(decision, FACTORS).findings
    assert (finding.kind, finding.rules) == (FindingKind.SHADOWED, ("R2",))
    assert "never applies" in finding.message


def test_collect_tables_are_checked_for_gaps_only() -> None:
    decision = table(
        rule("R1", victim_age=ages(0, 50)),
        rule("R2", victim_age=ages(40, 100)),
        policy=HitPolicy.COLLECT,
    )
    report = verify_decision(decision, FACTORS)
    assert [(f.kind, f.box) for f in report.findings] == [
        (FindingKind.GAP, {"victim_age": Interval(101, 120)})
    ]


def test_unknown_directory_reference_is_an_error_with_an_example() -> None:
    decision = Decision(
        id="law_enforcement_contact",
        question="Whom to call",
        inputs=("victim_age",),
        outputs=(OutputDef("agency", kind=OutputKind.ORGANIZATION),),
        rules=(
            Rule("L1", {"victim_age": ages(0, 17)}, {"agency": "cps-example"}),
            Rule("L2", {"victim_age": ages(18, 120)}, {"agency": "ecso-typo"}),
        ),
    )
    report = verify_decision(decision, FACTORS, known_ids={"cps-example", "ecso"})
    (finding,) = report.findings
    assert (finding.kind, finding.rules, finding.severity) == (
        FindingKind.UNKNOWN_REFERENCE,
        ("L2",),
        "error",
    )
    assert finding.example == {"victim_age": 18}
    assert "ecso-typo" in finding.message


class StepClock:
    """A clock that advances one second per reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def adversarial_table(seed: int, *, count: int = 300) -> Decision:
    generator = random.Random(seed)
    rules = []
    for number in range(count):
        conditions = {}
        for factor in ("victim_age", "citizenship", "trafficking_type"):
            if factor == "victim_age":
                low = generator.randint(0, 110)
                conditions[factor] = ages(low, low + generator.randint(0, 60))
            else:
                domain = FACTORS[factor].domain.values
                chosen = generator.sample(list(domain), generator.randint(1, 2))
                conditions[factor] = values(*chosen)
        rules.append(rule(f"R{number}", generator.choice(["urgent", "refer"]), **conditions))
    return table(*rules, inputs=("victim_age", "citizenship", "trafficking_type"))


def test_budget_expiry_returns_incomplete_report_with_a_real_gap() -> None:
    decision = adversarial_table(7)
    full = verify_decision(decision, FACTORS, time_budget=60)
    assert full.complete
    assert any(f.kind == FindingKind.GAP for f in full.findings)

    cut_short = verify_decision(decision, FACTORS, time_budget=40, clock=StepClock())
    assert not cut_short.complete
    gaps = [f for f in cut_short.findings if f.kind == FindingKind.GAP]
    assert gaps
    for gap in gaps:
        hits = [
            r
            for r in decision.rules
            if all(c.matches(gap.example[f]) for f, c in r.conditions.items())
        ]
        assert hits == []
    assert not any(f.kind == FindingKind.SHADOWED for f in cut_short.findings)


def test_report_json_uses_plain_numbers() -> None:
    low = Condition(text="< 0.5", intervals=(Interval(Decimal(0), Decimal("0.5"), high_open=True),))
    report = verify_decision(table(rule("R1", risk_score=low)), FACTORS)
    data = report_to_json(report)
    json.dumps(data)
    assert data["complete"] is True
    (finding,) = data["findings"]
    assert finding["box"] == {
        "risk_score": {"min": 0.5, "max": 1, "min_open": False, "max_open": False}
    }
    assert finding["example"] == {"risk_score": 0.5}
    assert finding["severity"] == "error"


def test_defaults_on_every_output_answer_the_gaps() -> None:
    defaulted = OutputDef("action", kind=OutputKind.ENUM, values=("refer", "wait"), default="wait")
    decision = Decision(
        id="placement",
        question="?",
        inputs=("victim_age",),
        outputs=(defaulted,),
        rules=(rule("R1", victim_age=ages(0, 17)), rule("R2", victim_age=ages(10, 20))),
    )
    assert kinds(decision) == [FindingKind.OVERLAP]
