"""Per-victim answers: a person's questions from her own facts, the case's over every victim."""

from __future__ import annotations

import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core import load_protocol, load_protocol_file
from accord.core.dump import dump_protocol
from accord.core.errors import LoadError
from accord.core.evaluate import evaluate_protocol, json_value
from accord.core.victims import VictimFacts, evaluate_case

EXAMPLE = pathlib.Path(__file__).resolve().parents[3] / "examples/protocols/example-county.yaml"
PROTOCOL = load_protocol_file(EXAMPLE)
CASE_FACTS = {
    "trafficking_type": "labor",
    "jurisdiction": "riverton",
    "imminent_danger": False,
    "trafficker_foreign_national": False,
    "operation_planned": False,
}
BOUND = PROTOCOL.victim_factors()  # factor id -> attribute


def _victim(key: str, **attributes: object) -> VictimFacts:
    return VictimFacts(key, f"V-{key}", attributes)


def _answer(evaluation, decision_id, key=None):
    for victim, result in evaluation.answers_for(decision_id):
        if victim == key:
            return json_value(result.result)
    raise AssertionError((decision_id, key))


def test_the_case_counts_at_least_its_recorded_victims() -> None:
    """Intake said 'one victim', three are recorded: the case is answered for three."""
    victims = [_victim(str(i), age=30, citizenship="us_citizen") for i in range(6)]
    evaluation = evaluate_case(PROTOCOL, {**CASE_FACTS, "victim_count": 1}, victims)
    assert evaluation.case.facts["victim_count"] == 6
    assert "esp" in _answer(evaluation, "law_enforcement_contact")  # five or more: State Police
    more = evaluate_case(PROTOCOL, {**CASE_FACTS, "victim_count": 9}, victims[:1])
    assert more.case.facts["victim_count"] == 9


def test_the_example_binds_victim_facts_and_answers_person_questions_per_victim() -> None:
    assert BOUND == {
        "victim_age": "age",
        "victim_gender": "gender",
        "victim_citizenship": "citizenship",
        "victim_charged": "charged",
        "interpreter_needed": "interpreter_needed",
    }
    per_victim = {d for d, decision in PROTOCOL.decisions.items() if decision.per_victim}
    assert per_victim == {
        "service_referral",
        "placement",
        "charging",
        "interpreter",
        "immigration_relief",
    }


def test_a_minor_among_adults_does_not_make_everyone_a_minor() -> None:
    """Two adult foreign nationals and a 17-year-old citizen: each is placed and referred by
    her own age; the case still calls HSI because two victims are foreign nationals."""
    victims = [
        _victim("1", age=30, gender="female", citizenship="foreign_national"),
        _victim("2", age=41, gender="male", citizenship="foreign_national"),
        _victim("3", age=17, gender="female", citizenship="us_citizen"),
    ]
    evaluation = evaluate_case(PROTOCOL, CASE_FACTS, victims)
    assert _answer(evaluation, "placement", "1") == "harbor-light-safe-house"
    assert _answer(evaluation, "placement", "2") == "new-dawn-housing"
    assert _answer(evaluation, "placement", "3") == "riverside-youth-shelter"
    assert _answer(evaluation, "service_referral", "3") == [
        {"service": "cac-forensic-interview", "timing": "immediately"}
    ]
    relief_minor = _answer(evaluation, "immigration_relief", "3")
    assert relief_minor == [{"relief": "none", "by": None}]
    contacts = _answer(evaluation, "law_enforcement_contact")
    assert "hsi-riverton" in contacts and "riverton-pd" in contacts


def test_a_victim_added_later_changes_only_her_answers_and_the_case_union() -> None:
    adult = _victim("1", age=30, gender="female", citizenship="us_citizen")
    before = evaluate_case(PROTOCOL, CASE_FACTS, [adult])
    minor = _victim("2", age=15, gender="male", citizenship="foreign_national")
    after = evaluate_case(PROTOCOL, CASE_FACTS, [adult, minor])
    assert _answer(before, "placement", "1") == _answer(after, "placement", "1")
    assert "hsi-riverton" not in _answer(before, "law_enforcement_contact")
    assert "hsi-riverton" in _answer(after, "law_enforcement_contact")


def test_without_victims_the_case_facts_answer_everything() -> None:
    facts = {**CASE_FACTS, "victim_age": 16, "victim_citizenship": "foreign_national"}
    evaluation = evaluate_case(PROTOCOL, facts)
    direct = evaluate_protocol(PROTOCOL, facts)
    for decision_id in PROTOCOL.decisions:
        assert evaluation.case[decision_id] == direct[decision_id]
        assert evaluation.answers_for(decision_id) == [(None, direct[decision_id])]


def test_case_level_victim_facts_do_not_leak_into_victims() -> None:
    """A case fact 'victim_age: 17' written at intake does not make an adult victim a minor."""
    facts = {**CASE_FACTS, "victim_age": 17}
    evaluation = evaluate_case(PROTOCOL, facts, [_victim("1", age=30, gender="female")])
    assert _answer(evaluation, "placement", "1") == "harbor-light-safe-house"


def test_an_age_range_answers_when_every_age_in_it_agrees() -> None:
    certain = evaluate_case(PROTOCOL, CASE_FACTS, [_victim("1", age=(12, 17), gender="male")])
    assert _answer(certain, "placement", "1") == "riverside-youth-shelter"
    unsure = evaluate_case(PROTOCOL, CASE_FACTS, [_victim("1", age=(16, 19), gender="male")])
    ((_, result),) = unsure.answers_for("placement")
    assert not result.answered and result.needs == ("victim_age",)


ages = st.integers(0, 120)
genders = st.sampled_from(["female", "male", "nonbinary", None])
citizenships = st.sampled_from(["us_citizen", "permanent_resident", "foreign_national", None])
victims_strategy: st.SearchStrategy[list[dict[str, object]]] = st.lists(
    st.builds(
        dict,
        age=st.none() | ages,
        gender=genders,
        citizenship=citizenships,
        charged=st.none() | st.booleans(),
        interpreter_needed=st.none() | st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


@given(victims=victims_strategy, labor=st.sampled_from(["sex", "labor", "both"]))
@settings(max_examples=150, deadline=None)
def test_each_victim_is_answered_from_her_own_facts_and_the_case_from_all(victims, labor) -> None:
    """Per-victim answers equal the protocol evaluated on the case facts plus her facts alone;
    every row of a case answer comes from some victim, and every victim's rows are in it."""
    facts = {**CASE_FACTS, "trafficking_type": labor, "victim_count": len(victims)}
    records = [_victim(str(i), **attrs) for i, attrs in enumerate(victims)]
    evaluation = evaluate_case(PROTOCOL, facts, records)
    for record in records:
        own = {f: record.attributes.get(a) for f, a in BOUND.items()}
        direct = evaluate_protocol(
            PROTOCOL, {**facts, **{k: v for k, v in own.items() if v is not None}}
        )
        mine = evaluation.victims[record.key]
        for decision_id in PROTOCOL.decisions:
            assert json_value(mine[decision_id].result) == json_value(direct[decision_id].result)
    for decision_id, decision in PROTOCOL.decisions.items():
        if decision.per_victim:
            continue
        combined = evaluation.case[decision_id]
        rows = combined.result if isinstance(combined.result, list) else [combined.result]
        rows = [json_value(r) for r in rows if r is not None]
        from_victims = []
        for record in records:
            value = json_value(evaluation.victims[record.key][decision_id].result)
            from_victims += (
                value if isinstance(value, list) else [value] if value is not None else []
            )
        assert all(row in from_victims for row in rows)
        if combined.answered:
            assert all(row in rows for row in from_victims)


BASE = """
accord: 1
id: t
title: T
version: "1"
task_force: t
factors:
  age: {type: integer, min: 0, max: 120, victim: @AGE@}
decisions:
  d:
    question: Q
    for: @FOR@
    inputs: [age]
    outputs: {x: {type: text}}
    rules:
      - {id: R1, when: {age: "< 18"}, then: {x: minor}}
      - {id: R2, when: {age: ">= 18"}, then: {x: adult}}
deadlines:
  - id: t1
    task: "@TITLE@"
    owner: {role: advocate}
    anchor: victim_identified
    within: 1h
    @EACH@
"""


def _load(**parts: str):
    text = BASE
    defaults = {"AGE": "age", "FOR": "victim", "TITLE": "Place {victim}: {d.x}", "EACH": ""}
    for key, value in {**defaults, **parts}.items():
        text = text.replace(f"@{key}@", value)
    return load_protocol(text, require_common_questions=False)


def test_the_loader_reads_bindings_scope_for_each_and_placeholders() -> None:
    protocol = _load(EACH="for_each: d")
    assert protocol.factors["age"].victim_attribute == "age"
    assert protocol.decisions["d"].per_victim
    deadline = protocol.deadlines[0]
    assert deadline.for_each == "d" and protocol.deadline_per_victim(deadline)
    again = load_protocol(dump_protocol(protocol), require_common_questions=False)
    assert again.factors["age"].victim_attribute == "age"
    assert again.decisions["d"].per_victim and again.deadlines[0].for_each == "d"


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"AGE": "shoe_size"}, "unknown victim attribute 'shoe_size'"),
        ({"AGE": "gender"}, "a victim's gender is enum"),
        ({"FOR": "everyone"}, "answered for 'everyone'"),
        ({"EACH": "for_each: nope"}, "for_each names unknown decision 'nope'"),
        ({"TITLE": "Place {victim}: {d.y}"}, "placeholder {d.y} names no decision output"),
    ],
)
def test_the_loader_refuses_bad_bindings_with_the_line(parts, message) -> None:
    with pytest.raises(LoadError) as caught:
        _load(**parts)
    text = str(caught.value)
    assert message in text
    assert ":" in text.split(message)[0]  # file:line:column before the message
