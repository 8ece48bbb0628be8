"""The audit tables are append-only in the database as the migrations leave it (S16).

On SQLite, migration 0003 rebuilt the events table and silently dropped the triggers 0002 had
installed. These tests migrate the audit app from nothing to its last migration and read the
database catalog, so a future migration that rebuilds a table without reinstalling the
triggers fails here (and in the system check ``accord.audit.E001``).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accord.audit.checks import check_append_only_triggers
from accord.audit.events import AuditEventType
from accord.audit.models import AuditChainHead, AuditEvent, AuditPurge
from accord.audit.services import audit_record
from accord.audit.triggers import expected_triggers, installed_triggers

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (CI runs it with DATABASE_URL)"
)


def _migrate_audit_from_zero() -> None:
    """Unapply every audit migration, then apply them all again, as a new installation would."""
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", None)])
    executor.loader.build_graph()
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "audit"]
    executor.migrate(leaves)


def _refused(action) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


def _write(count: int) -> None:
    for n in range(count):
        audit_record(event=AuditEventType.RECORD_UPDATED, username="u", object_id=n)


def test_migrations_leave_every_append_only_trigger_in_place():
    _migrate_audit_from_zero()
    installed = installed_triggers(connection)  # read from sqlite_master / pg_trigger
    assert installed == expected_triggers(connection.vendor)
    assert {
        "audit_auditevent",
        "audit_auditpurge",
        "audit_auditchainhead",
        "audit_auditreadevent",
        "audit_auditreadcounter",
    } == set(installed.values())


def test_after_migrating_from_zero_the_database_refuses_changes_to_audit_rows():
    _migrate_audit_from_zero()
    _write(3)
    AuditPurge.objects.create(
        through_seq=0, through_hash="0" * 64, cutoff="2020-01-01T00:00Z", events_removed=0
    )
    _refused(lambda: AuditEvent.objects.filter(seq=2).update(actor_username="mallory"))
    _refused(lambda: AuditEvent.objects.filter(seq=3).delete())
    _refused(lambda: AuditPurge.objects.update(through_seq=2))
    _refused(lambda: AuditPurge.objects.all().delete())
    _refused(lambda: AuditChainHead.objects.all().delete())
    _refused(lambda: AuditChainHead.objects.update(seq=1))  # moving the head back
    assert AuditEvent.objects.count() == 3
    assert AuditChainHead.objects.get().seq == 3
    _write(1)  # the head still moves forward
    assert AuditChainHead.objects.get().seq == 4


@on_postgresql
@pytest.mark.postgres
def test_postgresql_refuses_truncating_the_audit_tables():
    _migrate_audit_from_zero()
    _write(1)
    for table in ("audit_auditevent", "audit_auditpurge", "audit_auditchainhead"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == 1


def test_the_system_check_reports_a_missing_trigger_and_the_command_puts_it_back(capsys):
    assert check_append_only_triggers(databases=["default"]) == []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_delete ON audit_auditevent")
    errors = check_append_only_triggers(databases=["default"])
    assert [error.id for error in errors] == ["accord.audit.E001"]
    assert "audit_event_no_delete" in errors[0].msg

    with pytest.raises(CommandError) as excinfo:
        call_command("audit_triggers")
    assert excinfo.value.returncode == 1 and "audit_event_no_delete" in str(excinfo.value)
    call_command("audit_triggers", "--install")
    assert "append-only triggers in place" in capsys.readouterr().out
    assert check_append_only_triggers(databases=["default"]) == []
    _write(1)
    _refused(lambda: AuditEvent.objects.all().delete())


def test_verify_notes_missing_triggers_without_calling_the_chain_broken():
    from accord.audit.verify import verify_chain

    _write(2)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_purge_no_update")
        else:
            cursor.execute("DROP TRIGGER audit_purge_no_update ON audit_auditpurge")
    report = verify_chain()
    assert report.ok
    assert "audit_purge_no_update" in str(report) and "triggers --install" in str(report)
