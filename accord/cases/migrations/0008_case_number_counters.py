"""Case numbers come from a locked counter (issue 15): start each task force's series of a
year after the highest case number already stored."""

from django.db import migrations
from django.db.models import Max


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Counter = apps.get_model("accounts", "Counter")
    highest = Case.objects.values("task_force_id", "year").annotate(top=Max("sequence"))
    for row in highest:
        Counter.objects.update_or_create(
            task_force_id=row["task_force_id"],
            name=f"case-{row['year']}",
            defaults={"value": row["top"] or 0},
        )


def backwards(apps, schema_editor):
    apps.get_model("accounts", "Counter").objects.filter(name__startswith="case-").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_counter_per_task_force_series"),
        ("cases", "0007_case_list_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
