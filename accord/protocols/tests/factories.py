"""Small protocols for tests of apps that need one in force (conflicts, training, ...)."""

from __future__ import annotations

from accord.core.model import COMMON_QUESTIONS


def minimal_protocol_text(extra: str = "") -> str:
    """A valid protocol: one trivial table per common question, followed by ``extra`` YAML."""
    lines = [
        "id: test-protocol",
        "title: Test protocol",
        "version: '1'",
        "task_force: tf-test",
        "factors:",
        "  danger: {type: boolean}",
        "decisions:",
    ]
    for name in COMMON_QUESTIONS:
        lines += [
            f"  {name}:",
            "    outputs: {answer: text}",
            "    rules:",
            "      - {id: R1, when: {danger: '-'}, then: {answer: ok}}",
        ]
    return "\n".join(lines) + "\n" + extra


def make_protocol_in_force(task_force, *, yaml_text: str, number: int = 1):
    from accord.protocols.models import ProtocolVersion

    return ProtocolVersion.objects.create(
        task_force=task_force,
        number=number,
        title="Test protocol",
        yaml_text=yaml_text,
        status="in_force",
    )
