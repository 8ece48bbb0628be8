"""Signed checkpoints: what ``accord audit checkpoint`` writes and how ``verify`` treats a bad one.

Exit codes from the operator's chair (``accord.cli.main``): 0 intact, 1 broken, 2 bad usage or
an unusable checkpoint file, always one sentence naming the file, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from accord.audit.checkpoint import CheckpointInvalid, checkpoint_dumps, checkpoint_loads
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.services import audit_record
from accord.audit.triggers import remove_triggers
from accord.cli import main

pytestmark = pytest.mark.django_db(transaction=True)


def _write_events(count: int) -> None:
    for n in range(count):
        audit_record(event=AuditEventType.RECORD_UPDATED, username="u", object_id=n)


def _accord(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _checkpoint_file(capsys, tmp_path: Path, name: str = "cp.json") -> Path:
    target = tmp_path / name
    code, out, err = _accord(capsys, "audit", "checkpoint", "-o", str(target))
    assert code == 0, err
    assert f"written to {target}" in out
    return target


def test_a_checkpoint_is_small_readable_json_naming_the_verified_end_of_the_chain(capsys, tmp_path):
    _write_events(4)
    target = _checkpoint_file(capsys, tmp_path)
    fields = json.loads(target.read_text())
    assert fields["format"] == "accord-audit-checkpoint/2"
    assert fields["seq"] == 4 and fields["hash"] == AuditEvent.objects.get(seq=4).hash
    assert "Event #4" in fields["statement"]
    assert set(fields) == {
        "format",
        "statement",
        "seq",
        "hash",
        "written_at",
        "key_fingerprint",
        "signature",
        "chains",
    }
    assert fields["chains"] == []  # no task force has recorded anything
    assert target.stat().st_size < 1000
    # Writing one is itself audited.
    recorded = AuditEvent.objects.get(seq=5)
    assert recorded.event == "audit_checkpoint_written" and recorded.detail["seq"] == 4

    code, out, _ = _accord(capsys, "audit", "verify", "--checkpoint", str(target))
    assert code == 0 and "1 checkpoint(s) matched" in out


def test_checkpoint_prints_to_standard_output_without_a_file(capsys):
    _write_events(2)
    code, out, _ = _accord(capsys, "audit", "checkpoint")
    assert code == 0 and json.loads(out)["seq"] == 2


def test_checkpoint_never_overwrites_an_existing_file(capsys, tmp_path):
    _write_events(1)
    target = tmp_path / "cp.json"
    target.write_text("older witness")
    code, _, err = _accord(capsys, "audit", "checkpoint", "-o", str(target))
    assert code == 2 and str(target) in err and "never overwrites" in err
    assert target.read_text() == "older witness"


def test_checkpoint_refuses_to_sign_a_broken_chain(capsys, tmp_path):
    _write_events(3)
    remove_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET purpose = 'rewritten' WHERE seq = 2")
    target = tmp_path / "cp.json"
    code, _, err = _accord(capsys, "audit", "checkpoint", "-o", str(target))
    assert code == 1 and "no checkpoint written" in err and "#2" in err
    assert not target.exists()


def test_checkpoint_of_an_empty_trail_is_refused(capsys, tmp_path):
    code, _, err = _accord(capsys, "audit", "checkpoint", "-o", str(tmp_path / "cp.json"))
    assert code == 2 and "empty" in err


def test_verify_exit_code_is_1_for_a_broken_chain(capsys, tmp_path):
    _write_events(3)
    checkpoint = _checkpoint_file(capsys, tmp_path)
    remove_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
        cursor.execute("DELETE FROM audit_auditchainhead")
    code, _, err = _accord(capsys, "audit", "verify", "--checkpoint", str(checkpoint))
    assert code == 1 and "BROKEN" in err and str(checkpoint) in err


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda f: f.update(seq=f["seq"] - 1), "signature does not match"),
        (lambda f: f.update(hash="0" * 64), "signature does not match"),
        (lambda f: f.update(written_at="2020-01-01T00:00:00+00:00"), "signature does not match"),
        (lambda f: f.update(signature="f" * 64), "signature does not match"),
        (lambda f: f.update(key_fingerprint="0123456789abcdef"), "another audit key"),
        (lambda f: f.pop("signature"), "lacks signature"),
        (lambda f: f.update(seq="4"), '"seq" must be a whole number'),
        (lambda f: f.update(format="something/2"), '"format" is not'),
        (lambda f: f.update(witness="me"), "unknown fields: witness"),
    ],
)
def test_a_checkpoint_edited_by_hand_is_refused_with_exit_code_2(capsys, tmp_path, edit, why):
    _write_events(4)
    target = _checkpoint_file(capsys, tmp_path)
    fields = json.loads(target.read_text())
    edit(fields)
    target.write_text(json.dumps(fields, indent=2))
    code, out, err = _accord(capsys, "audit", "verify", "--checkpoint", str(target))
    assert code == 2
    assert str(target) in err and why in err
    assert "Traceback" not in err and "intact" not in out


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "not JSON"),
        (b"not json at all", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"{" + b" " * (5 * 1024 * 1024) + b"}", "larger than any checkpoint"),
    ],
)
def test_a_file_that_is_no_checkpoint_is_refused_with_exit_code_2(capsys, tmp_path, content, why):
    _write_events(1)
    target = tmp_path / "odd.json"
    target.write_bytes(content)
    code, _, err = _accord(capsys, "audit", "verify", "--checkpoint", str(target))
    assert code == 2 and str(target) in err and why in err


def test_a_missing_checkpoint_file_and_bad_options_are_usage_errors(capsys, tmp_path):
    _write_events(1)
    missing = tmp_path / "nowhere.json"
    code, _, err = _accord(capsys, "audit", "verify", "--checkpoint", str(missing))
    assert code == 2 and str(missing) in err and "cannot read" in err
    code, _, err = _accord(capsys, "audit", "verify", "--no-such-option")
    assert code == 2 and "unrecognized arguments" in err
    code, _, err = _accord(capsys, "audit", "verify", "--checkpoint")
    assert code == 2 and "Traceback" not in err


def test_verify_takes_several_checkpoints_in_one_or_many_options(capsys, tmp_path):
    _write_events(2)
    first = _checkpoint_file(capsys, tmp_path, "a.json")
    second = _checkpoint_file(capsys, tmp_path, "b.json")
    third = _checkpoint_file(capsys, tmp_path, "c.json")
    code, out, _ = _accord(
        capsys,
        "audit",
        "verify",
        "--checkpoint",
        str(first),
        str(second),
        "--checkpoint",
        str(third),
    )
    assert code == 0 and "3 checkpoint(s) matched" in out


def test_a_checkpoint_signed_under_another_key_is_told_apart():
    from datetime import UTC, datetime

    text = checkpoint_dumps(
        key=b"another-installation", seq=3, hash="a" * 64, now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    with pytest.raises(CheckpointInvalid, match="another audit key"):
        checkpoint_loads(text, key=b"test-only-audit-key", source="their.json")
    assert checkpoint_loads(text, key=b"another-installation", source="x").seq == 3
