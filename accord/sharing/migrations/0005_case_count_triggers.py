# ruff: noqa: S608  (the SQL is built from this file's constants only, never from input)
"""Database triggers that keep the case-count roll-ups (issue 15) from going stale: any write to a
case, or to the potential victims, referrals, tasks or immigration-relief records of a case, adds a
``CaseCountChange`` (its task force and opening moment) in the same transaction, whatever code
made it (a service, ``QuerySet.update``, ``bulk_create``, a cascade). The next read of that month
through the door counts it again. Rows already in the database need nothing: a month without a
roll-up is counted on first read (or by ``manage.py rebuild_case_counts``).
"""

from django.db import migrations

#: table -> the columns whose change alters a count.
RECORDS = {
    "cases_potentialvictim": ("case_id", "age", "gender"),
    "cases_referral": ("case_id", "accepted_at", "minutes_to_accept"),
    "cases_task": ("case_id", "status", "due_at", "completed_at", "visibility_class"),
    "cases_immigrationrelief": ("case_id", "kind", "status"),
}
CASE_COLUMNS = ("task_force_id", "opened_at", "stage", "incident_kind", "facts")
CHANGE = "sharing_casecountchange"


def _sqlite() -> tuple[list[str], list[str]]:
    up = [
        f"CREATE TRIGGER case_count_case_ins AFTER INSERT ON cases_case BEGIN "
        f"INSERT INTO {CHANGE} (task_force_id, opened_at) VALUES (NEW.task_force_id, NEW.opened_at); END",
        f"CREATE TRIGGER case_count_case_upd AFTER UPDATE OF {', '.join(CASE_COLUMNS)} ON cases_case "
        f"BEGIN INSERT INTO {CHANGE} (task_force_id, opened_at) VALUES "
        f"(OLD.task_force_id, OLD.opened_at), (NEW.task_force_id, NEW.opened_at); END",
        f"CREATE TRIGGER case_count_case_del AFTER DELETE ON cases_case BEGIN "
        f"INSERT INTO {CHANGE} (task_force_id, opened_at) VALUES (OLD.task_force_id, OLD.opened_at); END",
    ]
    down = ["DROP TRIGGER case_count_case_ins", "DROP TRIGGER case_count_case_upd"]
    down.append("DROP TRIGGER case_count_case_del")
    select = f"INSERT INTO {CHANGE} (task_force_id, opened_at) SELECT task_force_id, opened_at FROM cases_case"
    for table, columns in RECORDS.items():
        up += [
            f"CREATE TRIGGER {table}_count_ins AFTER INSERT ON {table} BEGIN "
            f"{select} WHERE id = NEW.case_id; END",
            f"CREATE TRIGGER {table}_count_upd AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"BEGIN {select} WHERE id IN (OLD.case_id, NEW.case_id); END",
            f"CREATE TRIGGER {table}_count_del AFTER DELETE ON {table} BEGIN "
            f"{select} WHERE id = OLD.case_id; END",
        ]
        down += [f"DROP TRIGGER {table}_count_{op}" for op in ("ins", "upd", "del")]
    return up, down


def _postgresql() -> tuple[list[str], list[str]]:
    up = [
        f"""CREATE FUNCTION case_count_case_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO {CHANGE} (task_force_id, opened_at) VALUES (OLD.task_force_id, OLD.opened_at);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO {CHANGE} (task_force_id, opened_at) VALUES (NEW.task_force_id, NEW.opened_at);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
        f"""CREATE FUNCTION case_count_record_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO {CHANGE} (task_force_id, opened_at)
      SELECT task_force_id, opened_at FROM cases_case WHERE id = OLD.case_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO {CHANGE} (task_force_id, opened_at)
      SELECT task_force_id, opened_at FROM cases_case WHERE id = NEW.case_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
        f"CREATE TRIGGER case_count_case AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(CASE_COLUMNS)} ON cases_case FOR EACH ROW "
        f"EXECUTE FUNCTION case_count_case_changed()",
    ]
    down = ["DROP TRIGGER case_count_case ON cases_case"]
    for table, columns in RECORDS.items():
        up.append(
            f"CREATE TRIGGER {table}_count AFTER INSERT OR DELETE OR UPDATE OF "
            f"{', '.join(columns)} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION case_count_record_changed()"
        )
        down.append(f"DROP TRIGGER {table}_count ON {table}")
    down += ["DROP FUNCTION case_count_case_changed()", "DROP FUNCTION case_count_record_changed()"]
    return up, down


def _statements(connection, direction: int) -> list[str]:
    if connection.vendor == "postgresql":
        return _postgresql()[direction]
    if connection.vendor == "sqlite":
        return _sqlite()[direction]
    raise RuntimeError(f"No case-count triggers for {connection.vendor}.")


def install(apps, schema_editor) -> None:
    for statement in _statements(schema_editor.connection, 0):
        schema_editor.execute(statement)


def remove(apps, schema_editor) -> None:
    for statement in _statements(schema_editor.connection, 1):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0004_case_count_rollups"),
        ("cases", "0008_case_number_counters"),
    ]

    operations = [migrations.RunPython(install, remove)]
