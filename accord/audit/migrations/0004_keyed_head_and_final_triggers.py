"""Key the chain head and purge records with the audit key; append-only triggers on the final schema.

S16. Two holes closed here:

* On SQLite, 0003 altered ``audit_auditevent``, which SQLite does by rebuilding the table, and
  the triggers installed by 0002 went with the old table: UPDATE and DELETE of events succeeded.
  The last step below (re)installs every append-only trigger, idempotently, on the tables as
  they now are. **It must stay the last operation of the last audit migration**: a later
  migration that alters an audit table must end by calling ``install_triggers`` again. The test
  ``test_migrations_leave_every_append_only_trigger_in_place`` and the system check
  ``accord.audit.E001`` fail when it does not.
* The chain head and purge records carried no key: anyone able to write to the database could
  cut the chain and move the head, or forge a purge record. Each now carries an HMAC (``mac``)
  under a key derived from ``ACCORD_AUDIT_KEY``; existing rows are signed here, so verify the
  chain (``accord audit verify``) before upgrading.
"""

from django.conf import settings
from django.db import migrations, models

from accord.audit.chain import head_mac, purge_mac
from accord.audit.triggers import install_triggers


def sign_existing_rows(apps, schema_editor):
    heads = apps.get_model("audit", "AuditChainHead").objects.using(schema_editor.connection.alias)
    purges = apps.get_model("audit", "AuditPurge").objects.using(schema_editor.connection.alias)
    if not heads.exists() and not purges.exists():
        return
    key = getattr(settings, "ACCORD_AUDIT_KEY", "")
    if not key:
        raise RuntimeError(
            "ACCORD_AUDIT_KEY must be set to migrate a database that holds audit records."
        )
    key = key.encode() if isinstance(key, str) else key
    for head in heads:
        head.mac = head_mac(key=key, seq=head.seq, hash=head.hash)
        head.save(update_fields=["mac"])
    for purge in purges:
        purge.mac = purge_mac(
            key=key,
            through_seq=purge.through_seq,
            through_hash=purge.through_hash,
            cutoff=purge.cutoff,
            events_removed=purge.events_removed,
        )
        purge.save(update_fields=["mac"])


def install_append_only_triggers(apps, schema_editor):
    install_triggers(schema_editor.connection)


def back_to_0002_triggers(apps, schema_editor):
    """Back to 0003: only the event triggers of 0002, as they were."""
    from importlib import import_module

    from accord.audit.triggers import remove_triggers

    remove_triggers(schema_editor.connection)
    import_module("accord.audit.migrations.0002_append_only_triggers").forward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_purge_and_event_index")]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditpurge",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(sign_existing_rows, migrations.RunPython.noop),
        # Keep last (see the module docstring).
        migrations.RunPython(install_append_only_triggers, back_to_0002_triggers),
    ]
