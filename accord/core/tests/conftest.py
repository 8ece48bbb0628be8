"""Shared fixtures: a minimal valid protocol text every test can vary."""

from __future__ import annotations

import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "protocols" / "example-county.yaml"

COMMON = (
    "law_enforcement_contact",
    "service_referral",
    "operation_coordination",
    "placement",
    "charging",
    "information_sharing",
    "interpreter",
    "immigration_relief",
)


def minimal_protocol(extra_decisions: str = "", *, skip: str = "", factors: str = "") -> str:
    """A protocol with one trivial table per common question plus ``extra_decisions``
    (YAML indented by four spaces under ``decisions:``)."""
    lines = [
        "id: test-protocol",
        "title: Test protocol",
        "version: '1'",
        "task_force: example-county",
        "directory:",
        "  organizations:",
        "    ecso: Example County Sheriff's Office",
        "    hsi-riverton: Homeland Security Investigations, Riverton",
        "  services:",
        "    harbor-light-safe-house: {organization: ecso, name: Safe house}",
        "factors:",
        "  kind: {type: enum, values: [sex, labor, both]}",
        "  age: {type: integer, min: 0, max: 120}",
        "  danger: {type: boolean}",
        "  score: {type: decimal, min: 0, max: 10}",
    ]
    if factors:
        lines.append(factors.rstrip("\n"))
    lines.append("decisions:")
    for name in COMMON:
        if name == skip:
            continue
        lines += [
            f"  {name}:",
            "    outputs: {answer: text}",
            "    rules:",
            "      - {id: R1, when: {danger: '-'}, then: {answer: ok}}",
        ]
    text = "\n".join(lines) + "\n"
    return text + extra_decisions


@pytest.fixture
def example_path() -> pathlib.Path:
    return EXAMPLE
