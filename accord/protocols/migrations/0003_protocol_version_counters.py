"""Protocol version numbers come from a locked counter (issue 15): start each task force's
series after the highest version number already stored."""

from django.db import migrations
from django.db.models import Max


def forwards(apps, schema_editor):
    ProtocolVersion = apps.get_model("protocols", "ProtocolVersion")
    Counter = apps.get_model("accounts", "Counter")
    highest = ProtocolVersion.objects.values("task_force_id").annotate(top=Max("number"))
    for row in highest:
        Counter.objects.update_or_create(
            task_force_id=row["task_force_id"],
            name="protocol-version",
            defaults={"value": row["top"] or 0},
        )


def backwards(apps, schema_editor):
    apps.get_model("accounts", "Counter").objects.filter(name="protocol-version").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_counter_per_task_force_series"),
        ("protocols", "0002_acceptedrisk_drillscenario_signoff"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
