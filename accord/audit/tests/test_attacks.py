"""An attacker who can write to the database cannot make ``accord audit verify`` say "intact" (S16).

Each test plays one attack the way someone holding the database (but not the audit key) would:
around the append-only triggers — dropped on SQLite, switched off with
``session_replication_role = replica`` on PostgreSQL — then shows verify refuses the result,
from the database alone where that is possible and with a checkpoint kept elsewhere where only
outside evidence can tell (a rolled-back or replaced database).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from accord.audit.checkpoint import checkpoint_read
from accord.audit.events import AuditEventType
from accord.audit.models import AuditChainHead, AuditEvent
from accord.audit.services import audit_key, audit_record
from accord.audit.triggers import remove_triggers
from accord.audit.verify import verify_chain

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (CI runs it with DATABASE_URL)"
)
#: What an attacker without the audit key can put in a MAC column: a guess, or a key of their own.
ATTACKER_KEY = b"not-the-audit-key"


def _write_events(count: int) -> list[Any]:  # chain events (AuditEvent)
    return [
        audit_record(event=AuditEventType.RECORD_UPDATED, username=f"user{n}", object_id=n)
        for n in range(1, count + 1)
    ]


@contextlib.contextmanager
def _around_triggers() -> Iterator[None]:
    """Write as an attacker: triggers dropped (SQLite) or replication role set (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = origin")
    else:
        remove_triggers(connection)
        yield


def _sql(*statements: str | tuple[str, list[object]]) -> None:
    """Run raw SQL as the attacker; a statement is text, or (text, parameters)."""
    with _around_triggers(), connection.cursor() as cursor:
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, [])
            cursor.execute(sql, params)


def _forged_mac(*parts: object) -> str:
    return hmac.new(ATTACKER_KEY, repr(parts).encode(), hashlib.sha256).hexdigest()


def _restore_head(saved: dict[str, object]) -> tuple[str, list[object]]:
    """Put back a head row copied earlier (a genuine one, MAC included): a rollback."""
    return (
        "UPDATE audit_auditchainhead SET seq = %s, hash = %s, mac = %s",
        [saved["seq"], saved["hash"], saved["mac"]],
    )


def _checkpoint(tmp_path: Path, name: str = "checkpoint.json") -> Path:
    target = tmp_path / name
    call_command("audit_checkpoint", "-o", str(target))
    return target


def _verify_with(*files: Path):
    return verify_chain(checkpoints=[checkpoint_read(f, key=audit_key()) for f in files])


# (a) Delete the tail and move the chain head back to match.


def _cut_tail_and_rewrite_head(*, keep: int, mac: str) -> None:
    kept = AuditEvent.objects.get(seq=keep)
    _sql(
        ("DELETE FROM audit_auditevent WHERE seq > %s", [keep]),
        ("UPDATE audit_auditchainhead SET seq = %s, hash = %s, mac = %s", [keep, kept.hash, mac]),
    )


def test_a_cut_tail_with_the_head_rewritten_is_detected():
    _write_events(6)
    _cut_tail_and_rewrite_head(keep=3, mac=_forged_mac(3))
    report = verify_chain()
    assert not report.ok
    assert "chain head was rewritten" in report.problem


def test_a_cut_tail_with_the_head_rewritten_but_its_old_mac_kept_is_detected():
    _write_events(6)
    _cut_tail_and_rewrite_head(keep=3, mac=AuditChainHead.objects.get().mac)
    assert not verify_chain().ok


@on_postgresql
@pytest.mark.postgres
def test_on_postgresql_a_cut_tail_under_replication_role_replica_is_detected():
    """``session_replication_role = replica`` silences the triggers; the keyed head still tells."""
    _write_events(6)
    _cut_tail_and_rewrite_head(keep=2, mac=_forged_mac(2))
    assert AuditEvent.objects.count() == 2  # the attack itself went through
    report = verify_chain()
    assert not report.ok and "chain head" in report.problem


def test_a_replayed_older_head_is_caught_by_a_checkpoint(tmp_path):
    """An old head row (copied before the cut) verifies on its own: the checkpoint is what tells."""
    _write_events(3)
    old_head = AuditChainHead.objects.values("seq", "hash", "mac").get()
    _write_events(3)
    checkpoint = _checkpoint(tmp_path)
    _sql("DELETE FROM audit_auditevent WHERE seq > 3", _restore_head(old_head))
    report = _verify_with(checkpoint)
    assert not report.ok
    assert report.broken_at_seq == 4 and "saw the chain reach #6" in report.problem


# (b) Delete the start of the chain and forge a purge record.


def test_a_cut_start_with_a_forged_purge_record_is_detected():
    events = _write_events(5)
    _sql(
        "DELETE FROM audit_auditevent WHERE seq <= 2",
        (
            "INSERT INTO audit_auditpurge (through_seq, through_hash, cutoff, events_removed, "
            "performed_at, performed_by, mac) VALUES (2, %s, %s, 2, %s, 'ops', %s)",
            [events[1].hash, "2020-01-01 00:00:00", "2020-01-01 00:00:00", _forged_mac(2)],
        ),
    )
    report = verify_chain()
    assert not report.ok
    assert "purge record through #2 was not written by Accord" in report.problem


def test_a_genuine_purge_record_edited_to_cover_more_events_is_detected(settings):
    import datetime as dt

    import time_machine

    from accord.audit.models import AuditPurge
    from accord.audit.purge import audit_purge

    with time_machine.travel(dt.datetime(2024, 1, 10, tzinfo=dt.UTC)):
        _write_events(2)
    with time_machine.travel(dt.datetime(2026, 1, 10, tzinfo=dt.UTC)):
        _write_events(3)
        audit_purge(before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), operator="ops")
    assert verify_chain().ok
    fourth = AuditEvent.objects.get(seq=4)
    _sql(
        "DELETE FROM audit_auditevent WHERE seq <= 4",
        ("UPDATE audit_auditpurge SET through_seq = 4, through_hash = %s", [fourth.hash]),
    )
    assert AuditPurge.objects.get().through_seq == 4
    report = verify_chain()
    assert not report.ok and "purge record through #4" in report.problem


# (c) Delete everything.


def test_deleting_every_audit_row_is_detected_when_accounts_exist(make_member):
    make_member("sam.okafor")
    _write_events(4)
    _sql("DELETE FROM audit_auditevent", "DELETE FROM audit_auditchainhead")
    report = verify_chain()
    assert not report.ok and "the audit trail is empty but 1 user account" in report.problem


def test_deleting_every_audit_row_is_detected_by_a_checkpoint(tmp_path):
    _write_events(4)
    checkpoint = _checkpoint(tmp_path)
    _sql(
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_auditchainhead",
        "DELETE FROM audit_auditpurge",
    )
    report = _verify_with(checkpoint)
    assert not report.ok
    assert "saw the chain reach #4, but it now ends at #0" in report.problem


def test_deleting_the_events_but_not_the_head_is_detected():
    _write_events(4)
    _sql("DELETE FROM audit_auditevent")
    report = verify_chain()
    assert not report.ok and "truncated" in report.problem


def test_deleting_the_head_but_not_the_events_is_detected():
    _write_events(2)
    _sql("DELETE FROM audit_auditchainhead")
    report = verify_chain()
    assert not report.ok and "chain head is missing" in report.problem
    assert str(report).startswith("audit chain BROKEN: the chain head is missing")


# (d) Replace the database, or empty it and let the chain start again.


def test_a_restarted_chain_shorter_than_the_checkpoint_is_detected(tmp_path):
    _write_events(5)
    checkpoint = _checkpoint(tmp_path)
    _sql("DELETE FROM audit_auditevent", "DELETE FROM audit_auditchainhead")
    _write_events(3)  # Accord carries on, from a new genesis, with valid hashes
    assert verify_chain().ok  # on its own, a fresh chain is a fresh chain
    report = _verify_with(checkpoint)
    assert not report.ok and "saw the chain reach #5, but it now ends at #3" in report.problem


def test_a_restarted_chain_longer_than_the_checkpoint_is_detected(tmp_path):
    _write_events(3)
    checkpoint = _checkpoint(tmp_path)  # event #3
    _sql("DELETE FROM audit_auditevent", "DELETE FROM audit_auditchainhead")
    _write_events(8)
    report = _verify_with(checkpoint)
    assert not report.ok and report.broken_at_seq == 3
    assert "history up to it was rewritten or the database replaced" in report.problem


def test_every_checkpoint_given_is_checked(tmp_path):
    _write_events(2)
    first = _checkpoint(tmp_path, "day-1.json")  # event #2; the checkpoint is recorded as #3
    older_head = AuditChainHead.objects.values("seq", "hash", "mac").get()
    _write_events(2)
    second = _checkpoint(tmp_path, "day-2.json")  # event #5
    _write_events(2)
    report = _verify_with(first, second)
    assert report.ok and report.checkpoints_matched == 2
    _sql(
        ("DELETE FROM audit_auditevent WHERE seq > %s", [older_head["seq"]]),
        _restore_head(older_head),
    )
    assert _verify_with(first).ok  # a rollback to a state before it: only newer ones tell
    report = _verify_with(first, second)
    assert not report.ok and "day-2.json" in report.problem


# (e) Events inserted beyond the head (writes move event and head together).


def test_an_event_appended_without_moving_the_head_is_detected():
    events = _write_events(3)
    _sql(
        "INSERT INTO audit_auditevent (seq, chain, chain_seq, occurred_at, event, outcome, "
        "actor_username, actor_roles, request_id, ip_address, object_type, object_id, fields, "
        "purpose, detail, prev_hash, hash) SELECT 4, chain, 4, occurred_at, event, outcome, "
        "'ghost', actor_roles, request_id, ip_address, object_type, object_id, fields, purpose, "
        "detail, hash, hash FROM audit_auditevent WHERE seq = 3",
    )
    report = verify_chain()
    assert not report.ok and "beyond the chain head" in report.problem
    assert events


def test_a_checkpoint_older_than_a_retention_purge_is_noted_not_failed(tmp_path):
    import datetime as dt

    import time_machine

    from accord.audit.purge import audit_purge

    with time_machine.travel(dt.datetime(2024, 1, 10, tzinfo=dt.UTC)):
        _write_events(2)
        inside = _checkpoint(tmp_path, "inside.json")  # #2; recorded as event #3
    with time_machine.travel(dt.datetime(2026, 1, 10, tzinfo=dt.UTC)):
        _write_events(2)
        audit_purge(before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), operator="ops")  # through #3
    report = _verify_with(inside)
    assert report.ok, report
    assert "removed by a retention purge" in str(report)
