"""Read events stored pending and sealed into their chain in Merkle batches (issue #15).

``AuditReadEvent`` holds the record reads (pending until the sequencer seals them);
``AuditReadCounter`` numbers each lane of each chain. The last operation (re)installs every
append-only trigger, these tables' included (see 0004's docstring: it stays the last operation
of the last audit migration).
"""

from django.db import migrations, models

from accord.audit.triggers import install_triggers


def install_append_only_triggers(apps, schema_editor):
    install_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_one_chain_per_task_force")]

    operations = [
        migrations.CreateModel(
            name="AuditReadEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(help_text="Orders every event of the deployment.")),
                ("chain", models.BigIntegerField(default=0, help_text="The task force's id; 0 for none.")),
                ("lane", models.SmallIntegerField(default=0)),
                ("lane_seq", models.BigIntegerField(help_text="The read's place in its lane, from 1.")),
                ("occurred_at", models.DateTimeField(db_index=True)),
                ("event", models.CharField(db_index=True, max_length=60)),
                ("outcome", models.CharField(default="success", max_length=20)),
                ("actor_id", models.BigIntegerField(blank=True, null=True)),
                ("actor_username", models.CharField(blank=True, max_length=150)),
                ("actor_agency_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("actor_roles", models.CharField(blank=True, max_length=300)),
                ("task_force_id", models.BigIntegerField(blank=True, null=True)),
                ("subject_agency_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("request_id", models.CharField(blank=True, max_length=64)),
                ("ip_address", models.CharField(blank=True, max_length=64)),
                ("object_type", models.CharField(blank=True, max_length=80)),
                ("object_id", models.CharField(blank=True, max_length=80)),
                ("fields", models.JSONField(blank=True, default=list)),
                ("purpose", models.CharField(blank=True, max_length=200)),
                ("detail", models.JSONField(blank=True, default=dict)),
                ("mac", models.CharField(max_length=64)),
                (
                    "batch",
                    models.BigIntegerField(
                        blank=True,
                        help_text="The chain_seq of the AUDIT_BATCH_SEALED event; empty while pending.",
                        null=True,
                    ),
                ),
                ("leaf_index", models.IntegerField(blank=True, null=True)),
            ],
            options={
                "ordering": ["seq"],
                "indexes": [
                            models.Index(fields=["seq"], name="audit_read_seq"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("chain", "lane", "lane_seq"), name="audit_read_lane_seq"
                    ),
                    models.UniqueConstraint(
                        fields=("chain", "batch", "leaf_index"), name="audit_read_leaf"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditReadCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("chain", models.BigIntegerField()),
                ("lane", models.SmallIntegerField()),
                ("last", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("chain", "lane"), name="audit_read_counter_lane"
                    )
                ],
            },
        ),
        # Keep last (see the module docstring).
        migrations.RunPython(install_append_only_triggers, migrations.RunPython.noop),
    ]
