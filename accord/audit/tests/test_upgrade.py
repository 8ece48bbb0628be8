"""Upgrading to one chain per task force (migration 0005) keeps the trail written before it.

The trail of a single chain (head created with id 1, as the old code did) becomes chain 0
unchanged; it verifies, new task force chains start beside it, and writes go on.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accord.audit.chain import GENESIS_HASH, event_hash, head_mac
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.services import audit_key, audit_record
from accord.audit.verify import verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", target)])
    executor.loader.build_graph()


def test_a_trail_written_before_chains_verifies_and_grows_after_the_upgrade():
    _migrate("0004_keyed_head_and_final_triggers")
    key, digest = audit_key(), GENESIS_HASH
    when = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        for seq in (1, 2, 3):
            content: dict[str, object] = {
                "seq": seq,
                "occurred_at": when,
                "event": "record_read",
                "outcome": "success",
                "actor_id": None,
                "actor_username": "old",
                "actor_agency_id": None,
                "actor_roles": "",
                "task_force_id": 5,
                "subject_agency_id": None,
                "request_id": "",
                "ip_address": "",
                "object_type": "",
                "object_id": str(seq),
                "fields": [],
                "purpose": "",
                "detail": {},
            }
            new = event_hash(key=key, prev_hash=digest, content=content)
            cursor.execute(
                "INSERT INTO audit_auditevent (seq, occurred_at, event, outcome, actor_username, "
                "actor_roles, task_force_id, request_id, ip_address, object_type, object_id, "
                "fields, purpose, detail, prev_hash, hash) VALUES (%s, %s, 'record_read', "
                "'success', 'old', '', 5, '', '', '', %s, '[]', '', '{}', %s, %s)",
                [seq, when, str(seq), digest, new],
            )
            digest = new
        cursor.execute(
            "INSERT INTO audit_auditchainhead (id, seq, hash, mac, updated_at) "
            "VALUES (1, 3, %s, %s, %s)",
            [digest, head_mac(key=key, seq=3, hash=digest), when],
        )
    _migrate("0006_read_events_in_batches")  # through 0005 (chains) and 0006 (read batches)
    assert list(AuditEvent.objects.values_list("chain", "chain_seq")) == [(0, 1), (0, 2), (0, 3)]
    assert verify_chain().ok
    # The old head kept id 1: the first task force chain's head must not collide with it.
    audit_record(event=AuditEventType.RECORD_UPDATED, username="new", task_force_id=5)
    audit_record(event=AuditEventType.RECORD_UPDATED, username="new")
    report = verify_chain()
    assert report.ok and report.events_checked == 6, report
    assert list(AuditEvent.objects.order_by("seq").values_list("chain", "chain_seq"))[3:] == [
        (0, 4),
        (5, 1),
        (0, 5),
    ]
