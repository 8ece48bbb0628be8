# ruff: noqa: S608  (the SQL is built from this file's constants only, never from input)
"""Trigram indexes for the case list's search (issue 15, measured at 1 million cases): a search
for part of a case number or of a pseudonym read every case and every victim (LIKE '%text%'
cannot use an ordinary index), 50-100 ms at 100,000 cases and ten times that at 1 million.

- SQLite: two FTS5 tables with the trigram tokenizer, ``cases_number_trigrams`` (rowid = case
  id, the case number) and ``cases_pseudonym_trigrams`` (rowid = potential victim id, the
  pseudonym, its case id), filled here from the rows already stored and kept equal to them by
  triggers on every insert, change and delete, whatever code writes.
- PostgreSQL: ``pg_trgm`` GIN indexes on ``UPPER(number)`` and ``UPPER(pseudonym)`` (the
  expression Django's ``icontains`` compares), so the planner uses them for the same query; if
  the extension cannot be created (no privilege), nothing is made and the search scans as before.

Only the case number and the pseudonym are copied: both are stored in clear already (a
pseudonym is not protected PII); no encrypted column is indexed.
"""

from django.db import migrations

#: (FTS table, source table, indexed column, extra unindexed columns)
SQLITE_TABLES = (
    ("cases_number_trigrams", "cases_case", "number", ()),
    ("cases_pseudonym_trigrams", "cases_potentialvictim", "pseudonym", ("case_id",)),
)
PG_INDEXES = (
    ("case_number_trgm", "cases_case", "number"),
    ("victim_pseudonym_trgm", "cases_potentialvictim", "pseudonym"),
)


def _sqlite_up() -> list[str]:
    statements = []
    for fts, table, column, extra in SQLITE_TABLES:
        columns = [column, *(f"{name} UNINDEXED" for name in extra)]
        names = ", ".join(["rowid", column, *extra])
        new = ", ".join(["NEW.id", f"NEW.{column}", *(f"NEW.{name}" for name in extra)])
        watched = ", ".join([column, *extra])
        sets = ", ".join(f"{name} = NEW.{name}" for name in (column, *extra))
        statements += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, tokenize='trigram')",
            f"INSERT INTO {fts} ({names}) SELECT id, {column}{''.join(', ' + e for e in extra)} "
            f"FROM {table}",
            f"CREATE TRIGGER {fts}_ins AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts} ({names}) VALUES ({new}); END",
            f"CREATE TRIGGER {fts}_upd AFTER UPDATE OF {watched} ON {table} BEGIN "
            f"UPDATE {fts} SET {sets} WHERE rowid = NEW.id; END",
            f"CREATE TRIGGER {fts}_del AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM {fts} WHERE rowid = OLD.id; END",
        ]
    return statements


def _sqlite_down() -> list[str]:
    statements = []
    for fts, _table, _column, _extra in SQLITE_TABLES:
        statements += [f"DROP TRIGGER {fts}_{op}" for op in ("ins", "upd", "del")]
        statements.append(f"DROP TABLE {fts}")
    return statements


def install(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in _sqlite_up():
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(using=connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:  # no privilege: the search keeps scanning
            return
        for name, table, column in PG_INDEXES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


def remove(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in _sqlite_down():
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        for name, _table, _column in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_task_open_agency_due_index")]

    operations = [migrations.RunPython(install, remove)]
