"""The guided decision editor: rows to the model and back, saved through the YAML editor's
write path, audited, refused on a stale lock, errors on the field that is wrong."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.audit.testing import assert_audited
from accord.core import load_protocol
from accord.core.model import HitPolicy
from accord.core.verify import FindingKind
from accord.errors import ConflictError, PermissionDenied
from accord.protocols import editor, services
from accord.protocols.models import ProtocolVersion

from .conftest import EXAMPLE, with_gap

pytestmark = pytest.mark.django_db

PROTOCOL = load_protocol(EXAMPLE.read_text(encoding="utf-8"))


def _edit(protocol, decision_id, change):
    """Rows of a decision as the page shows them, changed by ``change``, back to a decision."""
    decision = protocol.decisions[decision_id]
    rows = editor.rows_from_decision(protocol, decision)
    change(rows)
    return editor.rows_to_decision(
        protocol,
        decision,
        rows,
        hit_policy=decision.hit_policy,
        choices=editor.output_choices(protocol, decision),
    )


@pytest.mark.parametrize("decision_id", sorted(PROTOCOL.decisions))
def test_rows_of_an_unchanged_table_give_back_the_same_decision(decision_id):
    assert _edit(PROTOCOL, decision_id, lambda rows: None) == PROTOCOL.decisions[decision_id]


def _narrow_p2(rows):
    rows[1].cells[0].high = "15"  # P2: minors 12-17 becomes 12-15


def test_a_guided_edit_reads_back_from_the_yaml_as_the_same_model(coordinator, task_force):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=EXAMPLE.read_text(encoding="utf-8")
    )
    edited = _edit(version.protocol, "placement", _narrow_p2)
    services.protocol_decision_update(
        actor=coordinator, version=version, decision=edited, expected_lock_version=1
    )
    version.refresh_from_db()
    reread = load_protocol(version.yaml_text)
    expected = dataclasses.replace(PROTOCOL, decisions={**PROTOCOL.decisions, "placement": edited})
    assert reread == expected
    assert "[12..15]" in version.yaml_text
    assert version.lock_version == 2
    assert_audited(
        "protocol_decision_edited",
        object_type="protocol_version",
        object_id=version.pk,
        actor=coordinator,
    )


def test_a_yaml_edit_shows_in_the_guided_rows_and_saves_back_unchanged(coordinator, task_force):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=EXAMPLE.read_text(encoding="utf-8")
    )
    version = services.protocol_version_update(
        actor=coordinator,
        version=version,
        yaml_text=with_gap(version.yaml_text),
        expected_lock_version=version.lock_version,
    )
    rows = editor.rows_from_decision(version.protocol, version.protocol.decisions["placement"])
    assert (rows[1].cells[0].low, rows[1].cells[0].high) == ("12", "15")
    from_yaml = version.protocol
    unchanged = _edit(from_yaml, "placement", lambda rows: None)
    services.protocol_decision_update(
        actor=coordinator,
        version=version,
        decision=unchanged,
        expected_lock_version=version.lock_version,
    )
    version.refresh_from_db()
    assert load_protocol(version.yaml_text) == from_yaml


def test_a_save_from_a_stale_page_is_refused_and_nothing_changes(coordinator, task_force):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=EXAMPLE.read_text(encoding="utf-8")
    )
    edited = _edit(version.protocol, "placement", _narrow_p2)
    services.protocol_decision_update(
        actor=coordinator, version=version, decision=edited, expected_lock_version=1
    )
    stored = ProtocolVersion.objects.get(pk=version.pk).yaml_text
    other = _edit(PROTOCOL, "placement", lambda rows: rows.pop())
    with pytest.raises(ConflictError):
        services.protocol_decision_update(
            actor=coordinator, version=version, decision=other, expected_lock_version=1
        )
    assert ProtocolVersion.objects.get(pk=version.pk).yaml_text == stored


def test_only_the_coordinator_edits_a_decision(coordinator, make_member, task_force):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=EXAMPLE.read_text(encoding="utf-8")
    )
    advocate = make_member("advocate", roles=["advocate"], agency_slug="harbor-light")
    with pytest.raises(PermissionDenied):
        services.protocol_decision_update(
            actor=advocate,
            version=version,
            decision=PROTOCOL.decisions["placement"],
            expected_lock_version=1,
        )


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [
        ("20", "10", "is above"),
        ("5", "300", "outside the possible values"),
        ("x", "", "not a number"),
        ("1.5", "", "whole number"),
    ],
)
def test_a_bad_range_gets_an_error_on_its_cell_and_nothing_else(low, high, words):
    decision = PROTOCOL.decisions["placement"]
    rows = editor.rows_from_decision(PROTOCOL, decision)
    rows[0].cells[0].low, rows[0].cells[0].high = low, high
    with pytest.raises(editor.EditorError):
        editor.rows_to_decision(
            PROTOCOL,
            decision,
            rows,
            hit_policy=decision.hit_policy,
            choices=editor.output_choices(PROTOCOL, decision),
        )
    assert words in rows[0].cells[0].error
    assert [r.has_errors for r in rows] == [True] + [False] * (len(rows) - 1)
    assert (rows[0].cells[0].low, rows[0].cells[0].high) == (low, high)  # what was typed stays


def test_a_value_outside_the_domain_and_an_unknown_answer_are_refused_on_their_fields():
    decision = PROTOCOL.decisions["placement"]
    rows = editor.rows_from_decision(PROTOCOL, decision)
    rows[2].cells[1].values = ["martian"]
    rows[3].outputs[0].value = "no-such-service"
    rows[4].outputs[0].value = ""
    with pytest.raises(editor.EditorError):
        editor.rows_to_decision(
            PROTOCOL,
            decision,
            rows,
            hit_policy=decision.hit_policy,
            choices=editor.output_choices(PROTOCOL, decision),
        )
    assert "martian" in rows[2].cells[1].error
    assert "listed answers" in rows[3].outputs[0].error
    assert "choose what this rule answers" in rows[4].outputs[0].error


def test_answering_a_gap_adds_a_rule_for_exactly_that_situation_and_the_gap_goes():
    narrowed = _edit(PROTOCOL, "placement", _narrow_p2)
    protocol = dataclasses.replace(
        PROTOCOL, decisions={**PROTOCOL.decisions, "placement": narrowed}
    )
    gaps = editor.gap_findings(editor.decision_findings(protocol, narrowed))
    assert len(gaps) == 1
    row = editor.row_from_region(protocol, narrowed, gaps[0].box or {})
    assert (row.cells[0].mode, row.cells[0].low, row.cells[0].high) == ("range", "16", "17")
    assert row.cells[1].mode == "any" and row.outputs[0].value == ""
    rows = editor.rows_from_decision(protocol, narrowed)
    rows.append(row)
    choices = editor.output_choices(protocol, narrowed)
    with pytest.raises(editor.EditorError):  # the answer must be chosen first
        editor.rows_to_decision(
            protocol, narrowed, rows, hit_policy=HitPolicy.UNIQUE, choices=choices
        )
    row.outputs[0].value = "riverside-youth-shelter"
    row.outputs[0].error = ""
    answered = editor.rows_to_decision(
        protocol, narrowed, rows, hit_policy=HitPolicy.UNIQUE, choices=choices
    )
    assert answered.rules[-1].id == "P6"
    findings = editor.decision_findings(protocol, answered)
    assert not [f for f in findings if f.kind in (FindingKind.GAP, FindingKind.OVERLAP)]


def test_a_service_from_the_task_force_directory_is_added_to_the_protocol_directory():
    decision = PROTOCOL.decisions["placement"]
    extra = editor.Choice("new-shelter", "New Shelter, all ages", "new-org")
    choices = {"service": [*editor.output_choices(PROTOCOL, decision)["service"], extra]}
    rows = editor.rows_from_decision(PROTOCOL, decision)
    rows[0].outputs[0].value = "new-shelter"
    edited = editor.rows_to_decision(
        PROTOCOL, decision, rows, hit_policy=decision.hit_policy, choices=choices
    )
    added = editor.directory_additions(PROTOCOL, edited, choices)
    assert added["new-shelter"].name == "New Shelter, all ages"
    assert added["new-shelter"].organization == "new-org"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=120), min_size=2, max_size=2),
    st.sets(st.sampled_from(["female", "male", "nonbinary"])),
)
def test_any_valid_cell_reads_back_from_the_yaml_as_the_same_condition(bounds, genders):
    """A narrowed age range and any set of genders survive dump and load unchanged."""
    from accord.core import dump_protocol

    low, high = sorted(bounds)

    def change(rows):
        rows[0].cells[0].low, rows[0].cells[0].high = str(low), str(high)
        rows[0].cells[1].mode = "values" if genders else "any"
        rows[0].cells[1].values = sorted(genders)

    edited = _edit(PROTOCOL, "placement", change)
    protocol = dataclasses.replace(PROTOCOL, decisions={**PROTOCOL.decisions, "placement": edited})
    reread = load_protocol(dump_protocol(protocol))
    assert reread.decisions["placement"] == edited
    condition = reread.decisions["placement"].rules[0].condition("victim_gender")
    assert condition.is_any == (len(genders) in (0, 3))


def test_the_page_after_a_save_does_not_load_the_text_again(coordinator, task_force, monkeypatch):
    """The service hands the protocol it loaded to the version cache (a 200-rule protocol
    takes most of a second to load); what the cache gives back is that very text's model."""
    from accord.protocols import models

    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=EXAMPLE.read_text(encoding="utf-8")
    )
    edited = _edit(version.protocol, "placement", _narrow_p2)
    services.protocol_decision_update(
        actor=coordinator, version=version, decision=edited, expected_lock_version=1
    )

    def no_load(*args, **kwargs):
        raise AssertionError("the saved text was loaded again")

    monkeypatch.setattr(models, "load_protocol", no_load)
    stored = ProtocolVersion.objects.get(pk=version.pk)
    assert stored.protocol.decisions["placement"] == edited
    assert stored.protocol == load_protocol(stored.yaml_text)
