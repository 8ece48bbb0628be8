"""POST /protocol/evaluate: the core's answer for the caller's protocol in force, or the fact at fault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord.core.evaluate import evaluate_protocol
from accord.protocols.selectors import protocol_in_force

from .conftest import post_json

pytestmark = pytest.mark.django_db

FACTS = json.loads(
    (Path(__file__).resolve().parents[3] / "examples/facts/foreign-national-labor.json").read_text()
)


def test_evaluation_answers_every_decision_with_rules_and_reasons(
    county, task_force, member_client
):
    client = member_client("eve.evaluator", roles=["advocate"], agency_slug="harbor-light")
    response = post_json(client, "/protocol/evaluate", {"facts": FACTS})
    assert response.status_code == 200
    body = response.json()
    version = protocol_in_force(task_force=task_force)
    assert body["protocol_version"] == version.number == 1
    assert body["decisions"] == evaluate_protocol(version.protocol, FACTS).to_json()["decisions"]
    answered = [d for d in body["decisions"].values() if d.get("rules")]
    assert answered, "no decision was answered by a rule"
    assert all(d["explanation"] for d in answered)


def test_unknown_facts_are_allowed_and_named_as_needed(county, member_client):
    client = member_client("una.unknown", agency_slug="ecso")
    response = post_json(client, "/protocol/evaluate", {"facts": {"trafficking_type": "labor"}})
    assert response.status_code == 200
    needs = {need for d in response.json()["decisions"].values() for need in d.get("needs", [])}
    assert "victim_age" in needs


def test_a_fact_outside_its_domain_is_refused_400_naming_it(county, member_client):
    client = member_client("fay.fact", agency_slug="ecso")
    response = post_json(client, "/protocol/evaluate", {"facts": {**FACTS, "victim_age": 400}})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "fact_invalid"
    assert body["field"] == "facts.victim_age"
    assert "victim_age" in body["message"] and "[0..120]" in body["message"]


def test_a_fact_naming_no_factor_is_refused_400_naming_it(county, member_client):
    client = member_client("nia.nofactor", agency_slug="ecso")
    response = post_json(client, "/protocol/evaluate", {"facts": {"shoe_size": 9}})
    assert response.status_code == 400
    assert response.json()["field"] == "facts.shoe_size"


def test_a_malformed_body_is_refused_422_naming_the_field(county, member_client):
    client = member_client("mal.formed", agency_slug="ecso")
    response = post_json(client, "/protocol/evaluate", {"facts": ["not", "a", "mapping"]})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"
    assert response.json()["field"] == "facts"
    response = post_json(client, "/protocol/evaluate", {"fact": {}})
    assert response.status_code == 422
    assert response.json()["field"] in ("facts", "fact")


def test_no_protocol_in_force_is_404(member_client):
    client = member_client("nora.noprotocol")
    response = post_json(client, "/protocol/evaluate", {"facts": {}})
    assert response.status_code == 404
    assert response.json()["error"] == "no_protocol_in_force"
