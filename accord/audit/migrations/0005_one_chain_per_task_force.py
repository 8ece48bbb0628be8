"""One audit chain per task force, so writers for different task forces never wait on one row.

Issue #15. Every event gets ``chain`` (its task force's id, 0 for none) and ``chain_seq`` (its
place in that chain). The existing trail becomes chain 0 unchanged: ``chain_seq = seq``, which is
the form whose hash is the one it was written with (``accord.audit.chain._legacy_form``), and the
existing head and purge records keep their MACs. On PostgreSQL, ``seq`` now comes from the
sequence ``audit_event_seq``, started after the highest number in use, and the heads' id
sequence is moved past the old head's id (it was created with an explicit id).

Filling ``chain_seq`` updates every event, which the append-only triggers refuse: they are lifted
for that one statement, inside the migration's transaction, and the last operation reinstalls
them all (see 0004's docstring: it must stay the last operation of the last audit migration).
"""

from django.db import migrations, models

from accord.audit.triggers import install_triggers, remove_triggers


def number_existing_events(apps, schema_editor):
    connection = schema_editor.connection
    remove_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET chain_seq = seq")
    install_triggers(connection)


def create_event_sequence(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS audit_event_seq AS bigint")
        cursor.execute(
            "SELECT GREATEST("
            "(SELECT COALESCE(MAX(seq), 0) FROM audit_auditevent), "
            "(SELECT COALESCE(MAX(seq), 0) FROM audit_auditchainhead), "
            "(SELECT COALESCE(MAX(through_seq), 0) FROM audit_auditpurge))"
        )
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT setval('audit_event_seq', %s, false)", [highest + 1])
        # The single head was created with an explicit id (1), so the id sequence never moved:
        # the first task force's head would collide with it.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditchainhead', 'id'), "
            "COALESCE(MAX(id), 0) + 1, false) FROM audit_auditchainhead"
        )


def drop_event_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP SEQUENCE IF EXISTS audit_event_seq")


def install_append_only_triggers(apps, schema_editor):
    install_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_keyed_head_and_final_triggers")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.BigIntegerField(db_default=0, help_text="The task force's id; 0 for none."),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(
                default=0, help_text="The event's place in its chain, from 1."
            ),
            preserve_default=False,
        ),
        migrations.RunPython(number_existing_events, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_seq"), name="audit_event_chain_seq"
            ),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="chain",
            field=models.BigIntegerField(default=0, unique=True),
        ),
        migrations.AddField(
            model_name="auditpurge",
            name="chain",
            field=models.BigIntegerField(db_default=0),
        ),
        migrations.AlterModelOptions(
            name="auditpurge", options={"ordering": ["chain", "through_seq"]}
        ),
        migrations.RunPython(create_event_sequence, drop_event_sequence),
        # Keep last (see the module docstring).
        migrations.RunPython(install_append_only_triggers, migrations.RunPython.noop),
    ]
