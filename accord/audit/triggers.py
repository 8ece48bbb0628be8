"""The database triggers that make the audit tables append-only (S16), per database vendor.

* events (``audit_auditevent``): no UPDATE, no DELETE (and no TRUNCATE on PostgreSQL);
* purge records (``audit_auditpurge``): the same — a purge is recorded once, never edited;
* read events (``audit_auditreadevent``): never deleted; updated only to seal a pending read
  (its batch set once, its MAC unchanged); the lanes' counters (``audit_auditreadcounter``):
  never deleted, never moved back;
* the chain heads (``audit_auditchainhead``, one per chain): updated by every write, so UPDATE
  stays allowed, but never to a lower sequence number (no rollback), and never deleted. (Moving
  a head to another chain is caught by its MAC, which covers the chain; migrations before 0005
  install these triggers on a table without that column, so no trigger may name it.)

Installing is idempotent (drop if present, then create), so the last audit migration can
(re)install them whatever earlier migrations did: on SQLite, any migration that alters a table
rebuilds it and silently drops its triggers. ``missing_triggers`` reads the catalog; the system
check ``accord.audit.E001`` and the tests use it so that a future migration cannot lose them
unnoticed. Also used by the guarded ``flush`` command (tests only) and the retention purge,
which lift them inside a transaction and put them back.
"""

from __future__ import annotations

from typing import Any

EVENTS, HEAD, PURGES = "audit_auditevent", "audit_auditchainhead", "audit_auditpurge"
READS, READ_COUNTERS = "audit_auditreadevent", "audit_auditreadcounter"

#: trigger name -> (table, timing/event clause, SQLite WHEN condition or "")
_ROW_TRIGGERS: dict[str, tuple[str, str, str]] = {
    "audit_event_no_update": (EVENTS, "BEFORE UPDATE", ""),
    "audit_event_no_delete": (EVENTS, "BEFORE DELETE", ""),
    "audit_purge_no_update": (PURGES, "BEFORE UPDATE", ""),
    "audit_purge_no_delete": (PURGES, "BEFORE DELETE", ""),
    "audit_head_no_delete": (HEAD, "BEFORE DELETE", ""),
    "audit_head_no_rollback": (HEAD, "BEFORE UPDATE", "NEW.seq < OLD.seq"),
    # read events (0006): sealed once (batch set from empty, the MAC unchanged), never deleted
    "audit_read_no_delete": (READS, "BEFORE DELETE", ""),
    "audit_read_sealed_once": (
        READS,
        "BEFORE UPDATE",
        "OLD.batch IS NOT NULL OR NEW.batch IS NULL OR NEW.mac <> OLD.mac",
    ),
    "audit_read_counter_no_delete": (READ_COUNTERS, "BEFORE DELETE", ""),
    "audit_read_counter_no_rollback": (READ_COUNTERS, "BEFORE UPDATE", "NEW.last < OLD.last"),
}
#: PostgreSQL only: TRUNCATE bypasses row triggers, so each table refuses it too.
_TRUNCATE_TRIGGERS: dict[str, str] = {
    "audit_event_no_truncate": EVENTS,
    "audit_purge_no_truncate": PURGES,
    "audit_head_no_truncate": HEAD,
    "audit_read_no_truncate": READS,
    "audit_read_counter_no_truncate": READ_COUNTERS,
}


def expected_triggers(vendor: str) -> dict[str, str]:
    """Trigger name -> table, for the database vendors that get triggers (others: none)."""
    if vendor == "sqlite":
        return {name: spec[0] for name, spec in _ROW_TRIGGERS.items()}
    if vendor == "postgresql":
        return {name: spec[0] for name, spec in _ROW_TRIGGERS.items()} | _TRUNCATE_TRIGGERS
    return {}


_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def _postgres_install() -> tuple[str, ...]:
    statements = [
        _POSTGRES_FUNCTION,
        *_postgres_remove_triggers(),
        # migration 0002's function, replaced by the one above for every table
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ]
    for name, (table, timing, condition) in _ROW_TRIGGERS.items():
        when = f" WHEN ({condition})" if condition else ""
        statements.append(
            f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW{when} "
            "EXECUTE FUNCTION audit_append_only()"
        )
    for name, table in _TRUNCATE_TRIGGERS.items():
        statements.append(
            f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
    return tuple(statements)


def _postgres_remove_triggers() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}"
        for name, table in expected_triggers("postgresql").items()
    ]


def _sqlite_install() -> tuple[str, ...]:
    statements = []
    for name, (table, timing, condition) in _ROW_TRIGGERS.items():
        when = f" WHEN {condition}" if condition else ""
        operation = timing.split()[-1]
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {name} {timing} ON {table}{when} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
        )
    return tuple(statements)


def _statements(vendor: str, *, install: bool) -> tuple[str, ...]:
    if vendor == "postgresql":
        if install:
            return _postgres_install()
        return (*_postgres_remove_triggers(), "DROP FUNCTION IF EXISTS audit_append_only()")
    if vendor == "sqlite":
        if install:
            return _sqlite_install()
        return tuple(f"DROP TRIGGER IF EXISTS {name}" for name in expected_triggers("sqlite"))
    return ()


def _absent_tables(connection: Any) -> set[str]:
    """Audit tables a later migration creates (earlier migrations install triggers too)."""
    return {READS, READ_COUNTERS} - set(connection.introspection.table_names())


def install_triggers(connection: Any) -> None:
    """Create every append-only trigger that is missing (idempotent); a table that does not
    exist yet (an earlier migration is running) gets its triggers from a later one."""
    absent = _absent_tables(connection)
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True):
            if not any(f" ON {table}" in statement for table in absent):
                cursor.execute(statement)


def remove_triggers(connection: Any) -> None:
    absent = _absent_tables(connection)
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False):
            if not any(f" ON {table}" in statement for table in absent):
                cursor.execute(statement)


def installed_triggers(connection: Any) -> dict[str, str]:
    """Trigger name -> table of the *enabled* triggers on the audit tables, read from the catalog."""
    tables = (EVENTS, HEAD, PURGES, READS, READ_COUNTERS)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN (%s, %s, %s, %s, %s)",
                tables,
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' "
                "AND c.relname IN (%s, %s, %s, %s, %s) "
                "AND pg_table_is_visible(c.oid)",
                tables,
            )
        else:
            return {}
        return dict(cursor.fetchall())


def missing_triggers(connection: Any) -> list[str]:
    """Names of the append-only triggers this database should have and does not (or disabled)."""
    installed = installed_triggers(connection)
    return sorted(
        name
        for name, table in expected_triggers(connection.vendor).items()
        if installed.get(name) != table
    )
