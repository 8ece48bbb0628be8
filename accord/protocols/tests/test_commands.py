"""The command line: protocol_verify exits 1 on unresolved errors, protocol_drill runs scenarios."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from accord.protocols import services

from .conftest import SCENARIOS, with_gap


def run(*args: str) -> tuple[int, str]:
    import io

    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_verify_is_clean_for_the_version_in_force(version_in_force):
    code, out = run("protocol_verify", "--version", str(version_in_force.number))
    assert code == 0 and "0 unresolved" in out


def test_verify_fails_and_explains_a_gap(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    code, out = run(
        "protocol_verify", "--version", str(version.number), "--task-force", task_force.slug
    )
    assert code == 1 and "Victim age (years): 16" in out
    code, out = run("protocol_verify", "--version", str(version.number), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["unresolved_errors"] >= 1


def test_verify_names_a_missing_version(task_force, coordinator):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("protocol_verify", "--version", "42")


def test_drill_from_a_file_and_side_by_side(
    task_force, coordinator, version_in_force, example_text
):
    code, out = run("protocol_drill", "--scenarios", str(SCENARIOS))
    assert code == 1  # the hotline tip leaves questions unanswered, loudly
    assert "UNANSWERED Hotline tip" in out and "Two Guatemalan men" in out
    draft = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    code, out = run(
        "protocol_drill",
        "--scenarios",
        str(SCENARIOS),
        "--version",
        str(draft.number),
        "--compare",
        str(version_in_force.number),
    )
    # The gap shows as the changed answer of exactly the scenarios it reaches.
    assert (
        "Two Guatemalan men in a farm labor camp, one 17: 1 answer differs (version 1 → 2)\n"
        "  placement: Emergency shelter, minors 12-17 → No rule answers this situation"
    ) in out
    assert "Adult woman leaves a Riverton massage business: No answers differ" in out
