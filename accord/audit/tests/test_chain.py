"""The audit chain detects every kind of tampering (S16) and refuses writes when it cannot record (S17)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accord.audit.events import AuditEventType, Outcome
from accord.audit.models import AuditChainHead, AuditEvent
from accord.audit.services import audit_record
from accord.audit.verify import verify_chain
from accord.errors import AuditUnavailable

pytestmark = pytest.mark.django_db(transaction=True)


def _write_events(count: int = 5) -> list[Any]:  # chain events (AuditEvent)
    return [
        audit_record(
            event=AuditEventType.RECORD_UPDATED,
            username=f"user{n}",
            object_type="case",
            object_id=n,
            fields=["victim_first_name", "case_number"],
            purpose="test",
        )
        for n in range(1, count + 1)
    ]


def _raw(sql: str, params: list[object] | None = None) -> None:
    """Tamper the way an attacker with database access would: around the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params or [])


def test_intact_chain_verifies():
    _write_events(5)
    report = verify_chain()
    assert report.ok and report.events_checked == 5


def test_events_record_field_names_never_values():
    event = _write_events(1)[0]
    assert event.fields == ["case_number", "victim_first_name"]
    assert event.request_id  # every event carries a request (or job) id


def test_edited_event_is_detected():
    events = _write_events(5)
    _raw(
        "UPDATE audit_auditevent SET actor_username = %s WHERE seq = %s", ["mallory", events[2].seq]
    )
    report = verify_chain()
    assert not report.ok and report.broken_at_seq == 3 and "edited" in report.problem


def test_deleted_event_is_detected():
    _write_events(5)
    _raw("DELETE FROM audit_auditevent WHERE seq = 2")
    report = verify_chain()
    assert not report.ok and report.broken_at_seq == 2


def test_inserted_event_is_detected():
    events = _write_events(3)
    _raw("UPDATE audit_auditevent SET seq = seq + 10, chain_seq = chain_seq + 10 WHERE seq >= 2")
    _raw(
        "INSERT INTO audit_auditevent (seq, chain, chain_seq, occurred_at, event, outcome, "
        "actor_username, actor_roles, request_id, ip_address, object_type, object_id, fields, "
        "purpose, detail, prev_hash, hash) SELECT 2, chain, 2, occurred_at, event, outcome, "
        "'ghost', actor_roles, request_id, ip_address, object_type, object_id, fields, purpose, "
        "detail, hash, hash FROM audit_auditevent WHERE seq = 1"
    )
    _raw("UPDATE audit_auditevent SET seq = seq - 9, chain_seq = chain_seq - 9 WHERE seq >= 12")
    report = verify_chain()
    assert not report.ok and report.broken_at_seq == 2
    assert events  # the originals were written


def test_reordered_events_are_detected():
    _write_events(4)
    _raw("UPDATE audit_auditevent SET seq = -2, chain_seq = -2 WHERE seq = 2")
    _raw("UPDATE audit_auditevent SET seq = 2, chain_seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_auditevent SET seq = 3, chain_seq = 3 WHERE seq = -2")
    report = verify_chain()
    assert not report.ok and report.broken_at_seq == 2


def test_truncated_chain_is_detected():
    _write_events(5)
    _raw("DELETE FROM audit_auditevent WHERE seq >= 4")
    report = verify_chain()
    assert not report.ok and "truncated" in report.problem and report.events_checked == 3


def test_database_refuses_update_and_delete_of_audit_rows():
    _write_events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(actor_username="mallory")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()
    assert verify_chain().ok


def test_verify_command_exits_non_zero_on_a_broken_chain(capsys):
    _write_events(3)
    call_command("audit_verify")
    assert "3 events verified" in capsys.readouterr().out
    _raw("UPDATE audit_auditevent SET purpose = 'changed' WHERE seq = 1")
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify")
    assert excinfo.value.returncode == 1 and "#1" in str(excinfo.value)


def test_audit_write_failure_raises_audit_unavailable(monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEvent.objects, "create", broken)
    with pytest.raises(AuditUnavailable):
        audit_record(event=AuditEventType.RECORD_UPDATED, outcome=Outcome.SUCCESS)
    assert AuditChainHead.objects.filter(seq__gt=0).count() == 0


def test_retention_purge_is_audited_and_the_rest_of_the_chain_still_verifies(settings):
    import datetime as dt

    import time_machine

    from accord.audit.purge import audit_purge

    with time_machine.travel(dt.datetime(2024, 1, 10, tzinfo=dt.UTC)):
        _write_events(3)
    with time_machine.travel(dt.datetime(2026, 1, 10, tzinfo=dt.UTC)):
        _write_events(2)
        result = audit_purge(before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), operator="ops")
    assert result.events_removed == 3
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [4, 5, 6]
    assert AuditEvent.objects.get(seq=6).event == "audit_purged"
    assert verify_chain().ok


def test_purge_refuses_to_cut_into_the_retention_period():
    import datetime as dt

    from accord.audit.purge import audit_purge
    from accord.errors import ValidationError

    _write_events(2)
    with pytest.raises(ValidationError):
        audit_purge(before=dt.datetime.now(dt.UTC), operator="ops")
    assert AuditEvent.objects.count() == 2
