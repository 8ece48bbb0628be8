"""One audit chain per task force (issue #15): writers stop waiting on one row; tampering across
chains is still caught (S16).

Each task force's events form their own keyed chain with their own head; chain 0 holds events
of no task force and records every other chain's start. The attacks are played as in
``test_attacks``: around the append-only triggers, without the audit key.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.audit.checkpoint import checkpoint_read
from accord.audit.events import AuditEventType
from accord.audit.models import AuditChainHead, AuditEvent, AuditPurge
from accord.audit.services import audit_key, audit_record
from accord.audit.tests.test_attacks import _restore_head, _sql
from accord.audit.verify import verify_chain
from accord.errors import AuditUnavailable

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (CI runs it with DATABASE_URL)"
)
NORTH, SOUTH = 7, 12  # two task forces' ids


def _write(task_force: int | None, count: int) -> list[Any]:  # chain events (AuditEvent)
    return [
        audit_record(
            event=AuditEventType.RECORD_UPDATED,
            username=f"user{n}",
            object_type="case",
            object_id=n,
            task_force_id=task_force,
        )
        for n in range(1, count + 1)
    ]


def _chain(chain: int) -> list[tuple[int, str]]:
    return list(
        AuditEvent.objects.filter(chain=chain)
        .order_by("chain_seq")
        .values_list("chain_seq", "event")
    )


def test_each_task_force_writes_its_own_chain_and_chain_0_records_its_start():
    _write(NORTH, 2)
    _write(None, 1)
    _write(SOUTH, 1)
    _write(NORTH, 1)
    assert _chain(NORTH) == [(1, "record_updated"), (2, "record_updated"), (3, "record_updated")]
    assert _chain(SOUTH) == [(1, "record_updated")]
    assert _chain(0) == [
        (1, "audit_chain_started"),
        (2, "record_updated"),
        (3, "audit_chain_started"),
    ]
    started = AuditEvent.objects.filter(event="audit_chain_started").order_by("seq")
    assert [event.object_id for event in started] == [str(NORTH), str(SOUTH)]
    assert sorted(AuditChainHead.objects.values_list("chain", "seq")) == [
        (0, 3),
        (NORTH, 3),
        (SOUTH, 1),
    ]
    # seq still orders every event of the deployment, one number each
    seqs = list(AuditEvent.objects.values_list("seq", flat=True))
    assert len(set(seqs)) == 7
    report = verify_chain()
    assert report.ok and report.events_checked == 7
    assert "2 task force chain(s)" in str(report)


def test_swapping_two_chains_whole_heads_included_is_caught_by_the_hash():
    """Every link still matches inside each chain: only the hashed chain number tells."""
    _write(NORTH, 3)
    _write(SOUTH, 3)
    _sql(
        ("UPDATE audit_auditevent SET chain = -1 WHERE chain = %s", [NORTH]),
        ("UPDATE audit_auditevent SET chain = %s WHERE chain = %s", [NORTH, SOUTH]),
        ("UPDATE audit_auditevent SET chain = %s WHERE chain = -1", [SOUTH]),
        ("UPDATE audit_auditchainhead SET chain = -1 WHERE chain = %s", [NORTH]),
        ("UPDATE audit_auditchainhead SET chain = %s WHERE chain = %s", [NORTH, SOUTH]),
        ("UPDATE audit_auditchainhead SET chain = %s WHERE chain = -1", [SOUTH]),
    )
    report = verify_chain()
    assert not report.ok
    assert report.broken_chain == NORTH and report.broken_at_seq == 1
    assert "edited" in report.problem
    assert "of the chain of task force 7" in str(report)


def test_an_event_moved_into_another_task_forces_chain_fails_its_hash():
    """Same place number, relinked, head moved: only the hashed chain number tells."""
    north = _write(NORTH, 1)[0]
    _write(SOUTH, 2)
    moved = AuditEvent.objects.get(chain=SOUTH, chain_seq=2)
    _sql(
        (
            "UPDATE audit_auditevent SET chain = %s, prev_hash = %s WHERE seq = %s",
            [NORTH, north.hash, moved.seq],
        ),
        (
            "UPDATE audit_auditchainhead SET seq = 2, hash = %s WHERE chain = %s",
            [moved.hash, NORTH],
        ),
    )
    report = verify_chain()
    assert not report.ok
    assert report.broken_chain == NORTH and report.broken_at_seq == 2
    assert "edited" in report.problem


def test_deleting_a_whole_task_force_chain_head_included_is_caught():
    _write(NORTH, 3)
    _write(SOUTH, 2)
    _sql(
        ("DELETE FROM audit_auditevent WHERE chain = %s", [SOUTH]),
        ("DELETE FROM audit_auditchainhead WHERE chain = %s", [SOUTH]),
    )
    report = verify_chain()
    assert not report.ok and report.broken_chain == SOUTH
    assert "the whole chain was deleted" in report.problem


def test_events_in_a_chain_without_a_head_count_as_inserted():
    _write(NORTH, 2)
    _sql(
        "INSERT INTO audit_auditevent (seq, chain, chain_seq, occurred_at, event, outcome, "
        "actor_username, actor_roles, request_id, ip_address, object_type, object_id, fields, "
        "purpose, detail, prev_hash, hash) SELECT 1000, 99, 1, occurred_at, event, outcome, "
        "'ghost', actor_roles, request_id, ip_address, object_type, object_id, fields, purpose, "
        "detail, prev_hash, hash FROM audit_auditevent WHERE chain = 7 AND chain_seq = 1",
    )
    report = verify_chain()
    assert not report.ok and report.broken_chain == 99
    assert "have no chain head" in report.problem


def test_deleting_chain_0_head_while_task_force_chains_exist_is_caught():
    _write(NORTH, 1)
    _sql(
        "DELETE FROM audit_auditevent WHERE chain = 0",
        "DELETE FROM audit_auditchainhead WHERE chain = 0",
    )
    report = verify_chain()
    assert not report.ok and "chain head is missing" in report.problem


def test_a_checkpoint_signs_every_chain_and_catches_one_rolled_back(tmp_path: Path):
    _write(NORTH, 2)
    old_north = AuditChainHead.objects.filter(chain=NORTH).values("seq", "hash", "mac").get()
    _write(NORTH, 2)
    _write(SOUTH, 1)
    target = tmp_path / "cp.json"
    call_command("audit_checkpoint", "-o", str(target))
    checkpoint = checkpoint_read(target, key=audit_key())
    assert {chain for chain, _, _ in checkpoint.chains} == {NORTH, SOUTH}
    assert (NORTH, 4, AuditChainHead.objects.get(chain=NORTH).hash) in checkpoint.chains
    assert verify_chain(checkpoints=[checkpoint]).ok
    # NORTH rolled back to a genuine older head: its chain alone verifies, the checkpoint tells.
    restore_sql, params = _restore_head(old_north)
    _sql(
        ("DELETE FROM audit_auditevent WHERE chain = %s AND chain_seq > 2", [NORTH]),
        (restore_sql + " WHERE chain = %s", [*params, NORTH]),
    )
    assert verify_chain().ok
    report = verify_chain(checkpoints=[checkpoint])
    assert not report.ok and report.broken_chain == NORTH
    assert "saw the chain of task force 7 reach #4, but it now ends at #2" in report.problem


def test_a_purge_cuts_every_chain_and_each_restarts_after_its_record():
    import datetime as dt

    import time_machine

    from accord.audit.purge import audit_purge

    with time_machine.travel(dt.datetime(2024, 1, 10, tzinfo=dt.UTC)):
        _write(NORTH, 3)
        _write(None, 1)
    with time_machine.travel(dt.datetime(2026, 1, 10, tzinfo=dt.UTC)):
        _write(NORTH, 1)
        result = audit_purge(before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), operator="ops")
    assert result.events_removed == 5 and result.chains == 2  # 3 of NORTH, 2 of chain 0
    assert sorted(AuditPurge.objects.values_list("chain", "through_seq")) == [(0, 2), (NORTH, 3)]
    assert _chain(NORTH) == [(4, "record_updated")]
    report = verify_chain()
    assert report.ok, report
    # The started-chain record was purged with chain 0's start: NORTH still verifies on its own.
    _sql(("UPDATE audit_auditpurge SET through_seq = 4 WHERE chain = %s", [NORTH]))
    assert not verify_chain().ok


def test_the_database_refuses_changes_to_a_task_force_chain():
    _write(NORTH, 2)

    def refused(action) -> None:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            action()

    refused(lambda: AuditEvent.objects.filter(chain=NORTH).update(actor_username="mallory"))
    refused(lambda: AuditEvent.objects.filter(chain=NORTH).delete())
    refused(lambda: AuditChainHead.objects.filter(chain=NORTH).delete())
    refused(lambda: AuditChainHead.objects.filter(chain=NORTH).update(seq=1))
    assert verify_chain().ok


@on_postgresql
@pytest.mark.postgres
def test_on_postgresql_a_writer_holding_one_task_force_does_not_block_another():
    _write(NORTH, 1)
    _write(SOUTH, 1)
    holding, release = threading.Event(), threading.Event()

    def hold_north() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(
                    "SELECT 1 FROM audit_auditchainhead WHERE chain = %s FOR UPDATE", [NORTH]
                )
                holding.set()
                release.wait(30)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    holder = threading.Thread(target=hold_north)
    holder.start()
    try:
        assert holding.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        south = _write(SOUTH, 1)[0]  # not held up by NORTH's lock
        with pytest.raises(AuditUnavailable):
            _write(NORTH, 1)  # NORTH itself waits, and gives up at the timeout
        none_chain = _write(None, 1)[0]  # nor does chain 0 wait
    finally:
        release.set()
        holder.join(30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert south.chain_seq == 2 and none_chain.chain == 0
    assert verify_chain().ok


@given(
    writes=st.lists(st.sampled_from([None, NORTH, SOUTH, 3]), min_size=1, max_size=12),
    victim=st.integers(min_value=0, max_value=11),
    edit=st.sampled_from(
        [
            "UPDATE audit_auditevent SET actor_username = 'mallory' WHERE seq = %s",
            "UPDATE audit_auditevent SET object_id = '999' WHERE seq = %s",
            "UPDATE audit_auditevent SET purpose = 'changed' WHERE seq = %s",
        ]
    ),
)
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_interleaving_verifies_and_any_edited_event_is_caught(writes, victim, edit):
    _sql(
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_auditchainhead",
        "DELETE FROM audit_auditpurge",
    )
    for task_force in writes:
        _write(task_force, 1)
    events = list(AuditEvent.objects.order_by("seq"))
    report = verify_chain()
    assert report.ok, report
    assert report.events_checked == len(events)  # every write plus each chain's start
    for chain in {event.chain for event in events}:
        numbers = [event.chain_seq for event in events if event.chain == chain]
        assert numbers == list(range(1, len(numbers) + 1))  # in write order, no gaps
    edited = events[victim % len(events)]
    _sql((edit, [edited.seq]))
    report = verify_chain()
    assert not report.ok and "edited" in report.problem
    assert (report.broken_chain, report.broken_at_seq) == (edited.chain, edited.chain_seq)
