"""The flawed example protocol reports exactly its planted faults, and the real example none."""

from __future__ import annotations

import pathlib

from accord.core.load import load_protocol
from accord.core.model import Interval
from accord.core.verify import FindingKind, finding_to_json, verify_protocol

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples" / "protocols"


def test_example_county_verifies_clean() -> None:
    report = verify_protocol(load_protocol(EXAMPLES / "example-county.yaml"))
    assert report.complete
    assert [finding.message for finding in report.findings] == []


def test_flawed_example_reports_exactly_the_planted_faults() -> None:
    report = verify_protocol(load_protocol(EXAMPLES / "flawed.yaml"))
    assert report.complete
    found = sorted((f.kind.value, f.decision, f.rules) for f in report.findings)
    assert found == sorted(
        [
            ("gap", "placement", ()),
            ("gap", "charging", ()),
            ("gap", "law_enforcement_contact", ()),
            ("overlap", "information_sharing", ("I2", "I3")),
            ("overlap", "interpreter", ("T3", "T4")),
            ("overlap", "safety_planning", ("A1", "A4")),
            ("subsumed", "safety_planning", ("A5", "A1")),
            ("shadowed", "first_contact", ("F4", "F1")),
            ("shadowed", "escalation_level", ("E3", "E1")),
            ("unused-value", "", ()),
        ]
    )


def test_flawed_gaps_name_the_missing_ages() -> None:
    report = verify_protocol(load_protocol(EXAMPLES / "flawed.yaml"))
    gaps = {f.decision: f for f in report.findings if f.kind == FindingKind.GAP}
    assert gaps["placement"].box == {
        "victim_age": Interval(16, 17),
        "victim_gender": ("female", "male", "nonbinary"),
    }
    assert gaps["placement"].message == "No rule answers victim_age 16\u201317"
    assert gaps["charging"].box == {"victim_age": Interval(18, 20), "victim_charged": (False,)}
    assert gaps["charging"].example == {"victim_age": 18, "victim_charged": False}
    box = gaps["law_enforcement_contact"].box
    assert box is not None
    assert box["jurisdiction"] == ("tribal_land",)
    assert box["victim_count"] == Interval(1, 4)


def test_flawed_overlaps_point_at_the_shared_situations() -> None:
    report = verify_protocol(load_protocol(EXAMPLES / "flawed.yaml"))
    overlaps = {f.decision: f for f in report.findings if f.kind == FindingKind.OVERLAP}
    assert overlaps["information_sharing"].box == {"stage": ("prosecution",)}
    assert overlaps["interpreter"].example == {
        "interpreter_needed": True,
        "proceeding": "service_meeting",
    }
    conflict = overlaps["safety_planning"]
    assert conflict.box == {"imminent_danger": (True,), "victim_age": Interval(0, 17)}
    assert "emergency / cps_safety_plan" in conflict.message
    assert all(f.severity == "error" for f in overlaps.values())


def test_flawed_warnings_are_warnings_with_examples() -> None:
    report = verify_protocol(load_protocol(EXAMPLES / "flawed.yaml"))
    warnings = [f for f in report.findings if f.severity == "warning"]
    assert {f.kind for f in warnings} == {
        FindingKind.SUBSUMED,
        FindingKind.SHADOWED,
        FindingKind.UNUSED_VALUE,
    }
    shadowed = {f.rules[0]: f for f in warnings if f.kind == FindingKind.SHADOWED}
    assert shadowed["F4"].example == {"victim_age": 12, "trafficking_type": "labor"}
    assert shadowed["E3"].example == {"imminent_danger": True, "victim_count": 10}
    unused = next(f for f in warnings if f.kind == FindingKind.UNUSED_VALUE)
    assert unused.example == {"jurisdiction": "tribal_land"}


def test_flawed_report_serialises_to_json() -> None:
    report = verify_protocol(load_protocol(EXAMPLES / "flawed.yaml"))
    data = [finding_to_json(f) for f in report.findings if f.decision == "charging"]
    assert data == [
        {
            "decision": "charging",
            "kind": "gap",
            "rules": [],
            "example": {"victim_age": 18, "victim_charged": False},
            "box": {
                "victim_age": {"min": 18, "max": 20, "min_open": False, "max_open": False},
                "victim_charged": [False],
            },
            "message": "No rule answers victim_age 18\u201320 \u00d7 victim_charged no",
            "severity": "error",
        }
    ]
