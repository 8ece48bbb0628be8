"""Refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit events at the database (S16)."""

from django.db import migrations

from accord.audit.triggers import install_triggers, remove_triggers


def forward(apps, schema_editor):
    install_triggers(schema_editor.connection)


def backward(apps, schema_editor):
    remove_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
