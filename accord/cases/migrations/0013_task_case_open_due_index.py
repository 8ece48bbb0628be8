"""The case list's overdue filter (issue 15, 1 million cases): when many tasks are overdue it
walks the list and looks up each case's open, late tasks through this index (case, status, due
time), instead of reading every overdue task of the deployment first."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_search_trigrams")]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["case", "status", "due_at"], name="task_case_status_due"),
        ),
    ]
