"""Tabletop drills: the demo scenarios, unanswered questions, side-by-side comparison."""

from __future__ import annotations

import pytest

from accord.core import load_protocol
from accord.errors import ValidationError
from accord.protocols.drills import (
    Scenario,
    compare_drill,
    load_scenario_file,
    parse_scenarios,
    run_drill,
)

from .conftest import EXAMPLE, SCENARIOS, with_gap

PROTOCOL = load_protocol(EXAMPLE.read_text(encoding="utf-8"))


def test_the_demo_ships_at_least_twelve_scenarios_every_one_accepted_by_the_protocol():
    scenarios = load_scenario_file(SCENARIOS)
    assert len(scenarios) >= 12
    runs = run_drill(PROTOCOL, scenarios)
    assert all(not run.fact_error for run in runs), [r.fact_error for r in runs if r.fact_error]
    names = " ".join(s.name.lower() for s in scenarios)
    for theme in (
        "labor",
        "girl",
        "boyfriend",
        "intimate-partner",
        "operation",
        "after",
        "charged",
    ):
        assert theme in names


def test_fully_described_scenarios_get_every_question_answered():
    complete = [s for s in load_scenario_file(SCENARIOS) if len(s.facts) >= 13]
    assert complete
    for run in run_drill(PROTOCOL, complete):
        assert run.unanswered == (), (run.scenario.name, [a.text for a in run.unanswered])


def test_unanswered_questions_name_the_facts_that_would_settle_them():
    (run,) = run_drill(PROTOCOL, [Scenario("tip", {"trafficking_type": "sex"})])
    placement = run.answer("placement")
    assert placement is not None and not placement.answered
    assert set(placement.needs) == {"victim_age", "victim_gender"}
    assert "Victim age" in placement.text


def test_a_16_year_old_is_answered_before_and_unanswered_after_a_gap():
    narrowed = load_protocol(with_gap(EXAMPLE.read_text(encoding="utf-8")))
    scenario = Scenario("girl of 16", {"victim_age": 16, "victim_gender": "female"})
    (compared,) = compare_drill(PROTOCOL, narrowed, [scenario])
    (row,) = [r for r in compared.rows if r.decision == "placement"]
    assert row.differs and row.left.answered and not row.right.answered


def test_facts_a_version_does_not_know_are_reported_not_raised():
    (run,) = run_drill(PROTOCOL, [Scenario("bad", {"shoe_size": 9})])
    assert "shoe_size" in run.fact_error and run.answers == ()


def test_scenario_files_must_be_well_formed():
    with pytest.raises(ValidationError):
        parse_scenarios("scenarios: [ {name: x, facts: [1, 2]} ]")
    with pytest.raises(ValidationError):
        parse_scenarios("- just a list")
    with pytest.raises(ValidationError):
        parse_scenarios("scenarios: [\n")


def test_the_count_of_differing_answers_reads_as_a_sentence():
    from accord.protocols.drills import differences_text

    assert differences_text(0) == "No answers differ"
    assert differences_text(1) == "1 answer differs"
    assert differences_text(3) == "3 answers differ"
