"""DMN import into a draft: one decision table replaced; bad files change nothing (S24)."""

from __future__ import annotations

import pytest

from accord.core import LoadError
from accord.core.dmn import export_dmn
from accord.errors import ValidationError
from accord.protocols import services
from accord.protocols.models import ProtocolVersion

from .conftest import with_gap


def test_a_dmn_table_replaces_the_decision_and_keeps_its_service_output(
    task_force, coordinator, example_text
):
    from accord.core import load_protocol

    narrowed = load_protocol(with_gap(example_text))
    dmn = export_dmn(narrowed, ["placement"])
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_dmn_import(
        actor=coordinator, version=version, dmn_text=dmn, decision_id="placement"
    )
    version.refresh_from_db()
    placement = version.protocol.decisions["placement"]
    p2 = next(rule for rule in placement.rules if rule.id == "P2")
    (interval,) = p2.condition("victim_age").intervals or ()
    assert (interval.low, interval.high) == (12, 15)
    assert str(placement.outputs[0].kind) == "service"
    assert version.lock_version == 2
    assert version.protocol.decisions["charging"] is not None  # the rest is untouched


def test_a_malformed_dmn_file_changes_nothing(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    with pytest.raises(LoadError) as caught:
        services.protocol_dmn_import(
            actor=coordinator,
            version=version,
            dmn_text="<definitions><oops>",
            decision_id="placement",
        )
    assert caught.value.issues[0].line >= 1
    stored = ProtocolVersion.objects.get(pk=version.pk)
    assert stored.yaml_text == example_text and stored.lock_version == 1


def test_dmn_import_only_into_drafts(task_force, coordinator, example_text):
    from accord.core import load_protocol

    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_circulate(actor=coordinator, version=version)
    version.refresh_from_db()
    dmn = export_dmn(load_protocol(example_text), ["placement"])
    with pytest.raises(ValidationError):
        services.protocol_dmn_import(
            actor=coordinator, version=version, dmn_text=dmn, decision_id="placement"
        )


@pytest.mark.parametrize(
    ("dmn_text", "message", "line"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE definitions SYSTEM "http://example.invalid/x.dtd">\n'
            '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d"/>',
            "a DTD (<!DOCTYPE definitions>) is refused",
            2,
        ),
        (
            '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d">\n'
            + "<a>" * 50_000
            + "</a>" * 50_000
            + "</definitions>",
            "nested more than 64 levels deep",
            2,
        ),
    ],
)
def test_a_hostile_dmn_file_is_refused_naming_the_line_and_changes_nothing(
    task_force, coordinator, example_text, dmn_text, message, line
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    with pytest.raises(LoadError) as caught:
        services.protocol_dmn_import(
            actor=coordinator, version=version, dmn_text=dmn_text, decision_id="placement"
        )
    (issue,) = caught.value.issues
    assert message in issue.message and issue.line == line
    stored = ProtocolVersion.objects.get(pk=version.pk)
    assert stored.yaml_text == example_text and stored.lock_version == 1


def test_a_literal_expression_decision_is_refused_and_changes_nothing(
    task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    dmn = (
        '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="m" name="m" '
        'namespace="x"><inputData id="i" name="victim_age"><variable name="victim_age" '
        'typeRef="number"/></inputData><decision id="d" name="placement"><variable name="placement"/>'
        '<literalExpression><text>if victim_age &lt; 18 then "a" else "b"</text>'
        "</literalExpression></decision></definitions>"
    )
    with pytest.raises(LoadError) as caught:
        services.protocol_dmn_import(
            actor=coordinator, version=version, dmn_text=dmn, decision_id="placement"
        )
    assert "literal expression" in str(caught.value)
    version.refresh_from_db()
    assert version.yaml_text == example_text
