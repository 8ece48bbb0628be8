"""Evaluation answers each decision under its hit policy and explains itself."""

from __future__ import annotations

import itertools
import pathlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.errors import FactError
from accord.core.evaluate import (
    compile_decision,
    evaluate_compiled,
    evaluate_decision,
    evaluate_protocol,
)
from accord.core.load import load_protocol
from accord.core.model import (
    Aggregation,
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


@pytest.fixture(scope="module")
def example():
    return load_protocol(
        pathlib.Path(__file__).resolve().parents[3] / "examples/protocols/example-county.yaml"
    )


FACTORS = {
    "kind": Factor("kind", Domain(FactorKind.ENUM, ("sex", "labor", "both"))),
    "age": Factor("age", Domain(FactorKind.INTEGER, minimum=0, maximum=120)),
    "danger": Factor("danger", Domain(FactorKind.BOOLEAN, (False, True))),
}


def rule(rule_id: str, outputs: dict, **conditions: Condition) -> Rule:
    return Rule(rule_id, conditions, outputs)


def enum(*values: str) -> Condition:
    return Condition(", ".join(values), values=frozenset(values))


def ages(low: int, high: int) -> Condition:
    return Condition(f"[{low}..{high}]", intervals=(Interval(low, high),))


def decision(policy: HitPolicy, rules: list[Rule], *, aggregation=None, outputs=None) -> Decision:
    return Decision(
        id="d",
        question="?",
        inputs=("kind", "age", "danger"),
        outputs=outputs or (OutputDef("out", OutputKind.ENUM, ("high", "mid", "low")),),
        rules=tuple(rules),
        hit_policy=policy,
        aggregation=aggregation,
    )


def test_example_foreign_national_labor_case(example) -> None:
    facts = {
        "imminent_danger": False,
        "jurisdiction": "riverton",
        "victim_citizenship": "foreign_national",
        "trafficker_foreign_national": True,
        "trafficking_type": "labor",
        "victim_count": 2,
    }
    answer = evaluate_protocol(example, facts)["law_enforcement_contact"]
    assert answer.result == ["riverton-pd", "hsi-riverton", "dol-oig"]
    assert answer.rules == ("L2", "L5", "L7")
    assert "Rule L5: victim_citizenship is foreign_national → hsi-riverton" in answer.explanation


def test_imminent_danger_calls_911_first(example) -> None:
    facts = {
        "imminent_danger": True,
        "jurisdiction": "lakeside",
        "victim_citizenship": "us_citizen",
        "trafficker_foreign_national": False,
        "trafficking_type": "sex",
        "victim_count": 1,
    }
    answer = evaluate_protocol(example, facts)["law_enforcement_contact"]
    assert answer.result[0] == "ecc-911"
    assert answer.rules[0] == "L1"


def test_minor_gets_safe_harbor(example) -> None:
    result = evaluate_protocol(example, {"victim_age": 15, "victim_charged": True})["charging"]
    assert result.result == {"prostitution_charge": "never", "action": "dismiss_and_vacate"}
    assert result.rules == ("C2",)


def test_missing_fact_that_matters_is_named(example) -> None:
    result = evaluate_protocol(example, {})["placement"]
    assert result.result is None
    assert result.needs == ("victim_age", "victim_gender")
    assert "victim_age" in result.explanation


def test_missing_fact_that_does_not_matter_still_answers(example) -> None:
    result = evaluate_protocol(example, {"victim_age": 9, "victim_gender": "unknown"})["placement"]
    assert result.result == "cps-emergency-placement"
    assert result.needs == ()
    assert result.rules == ("P1",)


def test_gender_is_needed_only_for_adults(example) -> None:
    result = evaluate_protocol(example, {"victim_age": 30})["placement"]
    assert result.needs == ("victim_gender",)


def test_fact_outside_domain_is_an_error(example) -> None:
    with pytest.raises(FactError) as caught:
        evaluate_protocol(example, {"victim_age": 130})
    assert "victim_age" in str(caught.value)
    assert "[0..120]" in str(caught.value)
    with pytest.raises(FactError, match="one of sex, labor, both"):
        evaluate_protocol(example, {"trafficking_type": "organ"})
    with pytest.raises(FactError, match="unknown factor 'colour'"):
        evaluate_protocol(example, {"colour": "red"})


def test_string_facts_are_coerced(example) -> None:
    result = evaluate_protocol(example, {"victim_age": "40", "victim_gender": "male"})
    assert result["placement"].result == "new-dawn-housing"


def test_json_shape(example) -> None:
    data = evaluate_protocol(example, {"victim_age": 9}).to_json()
    assert set(data) == {"decisions"}
    placement = data["decisions"]["placement"]
    assert placement["result"] == "cps-emergency-placement"
    assert placement["rules"] == ["P1"]
    assert placement["explanation"].startswith("Rule P1:")


def test_unique_conflict_is_reported_not_guessed() -> None:
    table = decision(
        HitPolicy.UNIQUE, [rule("A", {"out": "high"}, kind=enum("sex")), rule("B", {"out": "low"})]
    )
    result = evaluate_decision(table, {"kind": "sex", "age": 3, "danger": True}, factors=FACTORS)
    assert result.result is None
    assert result.error and "A, B" in result.error


FACTS = {"kind": "sex", "age": 15, "danger": False}


def test_any_with_matching_rules_that_disagree_reports_the_conflict() -> None:
    table = decision(
        HitPolicy.ANY,
        [rule("A", {"out": "high"}, kind=enum("sex")), rule("B", {"out": "low"}, age=ages(10, 20))],
    )
    result = evaluate_decision(table, FACTS, factors=FACTORS)
    assert result.result is None
    assert result.rules == ("A", "B")
    assert result.error == "ANY table, but matching rules A, B give different outputs"


def test_any_with_matching_rules_that_agree_answers_naming_all() -> None:
    table = decision(
        HitPolicy.ANY,
        [
            rule("A", {"out": "high"}, kind=enum("sex")),
            rule("B", {"out": "high"}, age=ages(10, 20)),
        ],
    )
    result = evaluate_decision(table, FACTS, factors=FACTORS)
    assert result.error is None
    assert result.result == "high" and result.rules == ("A", "B")
    assert "(and 1 equal rule)" in result.explanation


def test_any_conflict_is_found_whichever_matching_rule_disagrees() -> None:
    """The odd one out may be the last of three: every value is compared, not just two."""
    table = decision(
        HitPolicy.ANY,
        [
            rule("A", {"out": "high"}, kind=enum("sex")),
            rule("B", {"out": "high"}, age=ages(10, 20)),
            rule("C", {"out": "mid"}, danger=Condition("false", values=frozenset({False}))),
            rule("D", {"out": "low"}, age=ages(30, 40)),  # does not match: no conflict from it
        ],
    )
    result = evaluate_decision(table, FACTS, factors=FACTORS)
    assert result.result is None and result.rules == ("A", "B", "C")
    assert result.error and "A, B, C" in result.error
    only_two = decision(HitPolicy.ANY, [*table.rules[:2], table.rules[3]])
    assert evaluate_decision(only_two, FACTS, factors=FACTORS).result == "high"


def test_any_compares_every_output_column() -> None:
    outputs = (
        OutputDef("out", OutputKind.ENUM, ("high", "mid", "low")),
        OutputDef("who", OutputKind.TEXT),
    )
    rules = [
        rule("A", {"out": "high", "who": "police"}, kind=enum("sex")),
        rule("B", {"out": "high", "who": "shelter"}, age=ages(10, 20)),
    ]
    result = evaluate_decision(
        decision(HitPolicy.ANY, rules, outputs=outputs), FACTS, factors=FACTORS
    )
    assert result.result is None and result.error


def test_priority_output_order_and_aggregations() -> None:
    rules = [
        rule("A", {"out": "low"}, age=ages(0, 17)),
        rule("B", {"out": "high"}, age=ages(10, 20)),
        rule("C", {"out": "mid"}),
    ]
    facts = {"kind": "sex", "age": 15, "danger": False}
    assert evaluate_decision(decision(HitPolicy.PRIORITY, rules), facts, factors=FACTORS).rules == (
        "B",
    )
    ordered = evaluate_decision(decision(HitPolicy.OUTPUT_ORDER, rules), facts, factors=FACTORS)
    assert ordered.result == ["high", "mid", "low"]
    assert (
        evaluate_decision(decision(HitPolicy.FIRST, rules), facts, factors=FACTORS).result == "low"
    )
    numeric = (OutputDef("n", OutputKind.NUMBER),)
    counted = [
        rule("A", {"n": Decimal(3)}, age=ages(0, 17)),
        rule("B", {"n": Decimal(5)}, age=ages(10, 20)),
        rule("C", {"n": Decimal(1)}, danger=Condition("true", values=frozenset({True}))),
    ]
    expectations = {
        Aggregation.SUM: 8,
        Aggregation.MIN: 3,
        Aggregation.MAX: 5,
        Aggregation.COUNT: 2,
    }
    for aggregation, expected in expectations.items():
        table = decision(HitPolicy.COLLECT, counted, aggregation=aggregation, outputs=numeric)
        assert evaluate_decision(table, facts, factors=FACTORS).result == expected
    table = decision(HitPolicy.COLLECT, counted, outputs=numeric)
    assert evaluate_decision(table, facts, factors=FACTORS).result == [3, 5]


# ---- properties: the indexed evaluation equals a plain scan ---------------

condition_for = {
    "kind": st.one_of(
        st.none(),
        st.sets(st.sampled_from(["sex", "labor", "both"]), min_size=1).map(
            lambda s: enum(*sorted(s))
        ),
    ),
    "age": st.one_of(
        st.none(),
        st.tuples(st.integers(0, 120), st.integers(0, 120)).map(
            lambda pair: ages(min(pair), max(pair))
        ),
    ),
    "danger": st.one_of(
        st.none(),
        st.booleans().map(lambda b: Condition(str(b).lower(), values=frozenset({b}))),
    ),
}

rule_strategy = st.fixed_dictionaries(
    {name: strategy for name, strategy in condition_for.items()}
).flatmap(
    lambda conditions: st.sampled_from(["high", "mid", "low"]).map(
        lambda out: {k: v for k, v in conditions.items() if v is not None} | {"__out": out}
    )
)

facts_strategy = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["sex", "labor", "both"]),
        "age": st.integers(0, 120),
        "danger": st.booleans(),
    }
)


def build(policy: HitPolicy, specs: list[dict]) -> Decision:
    rules = []
    for index, spec in enumerate(specs):
        spec = dict(spec)
        out = spec.pop("__out")
        rules.append(rule(f"R{index + 1}", {"out": out}, **spec))
    return decision(policy, rules)


def scan(table: Decision, facts: dict) -> list[str]:
    return [
        r.id
        for r in table.rules
        if all(r.condition(name).matches(facts[name]) for name in table.inputs)
    ]


@settings(max_examples=150, deadline=None)
@given(
    specs=st.lists(rule_strategy, min_size=1, max_size=12),
    facts=facts_strategy,
    policy=st.sampled_from([HitPolicy.FIRST, HitPolicy.RULE_ORDER, HitPolicy.COLLECT]),
)
def test_index_matches_plain_scan(specs, facts, policy) -> None:
    table = build(policy, specs)
    result = evaluate_compiled(compile_decision(table), facts, FACTORS)
    matched = scan(table, facts)
    if policy is HitPolicy.FIRST:
        assert result.rules == tuple(matched[:1])
    else:
        assert result.rules == tuple(matched)


@settings(max_examples=120, deadline=None)
@given(
    specs=st.lists(rule_strategy, min_size=1, max_size=8),
    facts=facts_strategy,
    hidden=st.sets(st.sampled_from(["kind", "age", "danger"]), min_size=1),
)
def test_answer_with_unknown_facts_holds_for_every_completion(specs, facts, hidden) -> None:
    """When a decision answers despite unknown facts, every completion agrees;
    when it says it needs facts, some completions disagree."""
    table = build(HitPolicy.FIRST, specs)
    compiled = compile_decision(table)
    partial = {k: v for k, v in facts.items() if k not in hidden}
    answer = evaluate_compiled(compiled, partial, FACTORS)
    domains: dict[str, list[object]] = {
        "kind": ["sex", "labor", "both"],
        "age": list(range(0, 121)),
        "danger": [False, True],
    }
    names = sorted(hidden)
    outcomes = set()
    for combination in itertools.product(*(domains[n] for n in names)):
        full = partial | dict(zip(names, combination, strict=True))
        outcomes.add(repr(evaluate_compiled(compiled, full, FACTORS).result))
    if answer.needs:
        assert len(outcomes) > 1
        assert set(answer.needs) <= hidden
    else:
        assert outcomes == {repr(answer.result)}
