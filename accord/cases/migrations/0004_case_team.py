"""The case team: each participant's part, how it joined, why, and who added it.

Existing rows get their part from what is known: the case's lead agency is the lead, a serving
provider stays the serving provider, others take their sector's part; the agency that opened
the case (or leads it) joined by opening it, the others by the plan.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SECTOR_PARTS = {
    "law_enforcement_local": "investigating",
    "law_enforcement_state": "investigating",
    "law_enforcement_federal": "investigating",
    "prosecution": "prosecuting",
    "child_protection": "child_protection",
    "legal_services": "legal_services",
    "interpreter": "interpreter",
}


def set_parts(apps, schema_editor):
    CaseParticipant = apps.get_model("cases", "CaseParticipant")
    rows = CaseParticipant.objects.select_related("case", "agency")
    for row in rows.iterator(chunk_size=500):
        if row.agency_id == row.case.lead_agency_id:
            row.part = "lead"
        elif row.is_serving_provider:
            row.part = "serving_provider"
        else:
            row.part = SECTOR_PARTS.get(row.agency.sector, "other")
        opening = row.agency_id in (row.case.produced_by_id, row.case.lead_agency_id)
        row.joined_via = "opened" if opening else "plan"
        row.save(update_fields=["part", "joined_via"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_relief"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="caseparticipant",
            options={"ordering": ["joined_at", "pk"]},
        ),
        migrations.AddField(
            model_name="caseparticipant",
            name="part",
            field=models.CharField(
                choices=[
                    ("lead", "Lead agency"),
                    ("investigating", "Investigating"),
                    ("prosecuting", "Prosecuting"),
                    ("serving_provider", "Serving provider"),
                    ("child_protection", "Child protection"),
                    ("legal_services", "Legal services"),
                    ("interpreter", "Interpreter"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=30,
            ),
        ),
        migrations.AddField(
            model_name="caseparticipant",
            name="joined_via",
            field=models.CharField(
                choices=[
                    ("opened", "Opened the case"),
                    ("plan", "Named by the response plan"),
                    ("referral", "A referral to it"),
                    ("task", "Given a task"),
                    ("added", "Added by the lead"),
                    ("hand_off", "Handed the lead"),
                    ("prosecution", "Took the case for prosecution"),
                ],
                default="plan",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="caseparticipant",
            name="reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="caseparticipant",
            name="added_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(set_parts, migrations.RunPython.noop),
    ]
