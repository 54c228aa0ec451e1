"""Schema rules the review asked for (issue 14 item 7).

- ``Violation.stated_deadline``: the deadline the notice states, a column of its own; it was
  the ``stated_deadline`` key of ``limits`` (an ISO datetime), moved here and taken out of
  the JSON. Reversing puts it back in ``limits``.
- One open hearing (no outcome yet) per case.
- A complaint names its complainant (a person or a name) or was seen by staff.
- An index on ``Violation.response_deadline``.

The data step runs last, after every ALTER TABLE, so that PostgreSQL has no pending trigger
events on the tables it alters.
"""

import datetime as dt

from django.db import migrations, models

KEY = "stated_deadline"
BATCH = 500


def deadline_to_column(apps, schema_editor):
    Violation = apps.get_model("violations", "Violation")
    moved = []
    for case in Violation.objects.filter(limits__has_key=KEY).only("pk", "limits").iterator(BATCH):
        stated = case.limits.pop(KEY)
        case.stated_deadline = dt.datetime.fromisoformat(stated) if stated else None
        moved.append(case)
    Violation.objects.bulk_update(moved, ["stated_deadline", "limits"], batch_size=BATCH)


def deadline_to_limits(apps, schema_editor):
    Violation = apps.get_model("violations", "Violation")
    moved = []
    cases = Violation.objects.filter(stated_deadline__isnull=False).only(
        "pk", "limits", "stated_deadline"
    )
    for case in cases.iterator(BATCH):
        case.limits = {**case.limits, KEY: case.stated_deadline.isoformat()}
        moved.append(case)
    Violation.objects.bulk_update(moved, ["limits"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("violations", "0008_letter_delivery_renamed_from_service"),
    ]

    operations = [
        migrations.AddField(
            model_name="violation",
            name="stated_deadline",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="deadline stated in the notice"
            ),
        ),
        migrations.AddIndex(
            model_name="violation",
            index=models.Index(fields=["response_deadline"], name="violation_resp_deadline_idx"),
        ),
        migrations.AddConstraint(
            model_name="hearing",
            constraint=models.UniqueConstraint(
                condition=models.Q(("outcome", "")),
                fields=("case",),
                name="hearing_one_open_per_case",
                violation_error_message="This case already has an open hearing request.",
            ),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("complainant__isnull", False),
                    models.Q(("complainant_name", ""), _negated=True),
                    ("channel", "staff_observation"),
                    _connector="OR",
                ),
                name="complaint_has_complainant",
                violation_error_message="Name the complainant (they are never shown to residents).",
            ),
        ),
        migrations.RunPython(deadline_to_column, deadline_to_limits),
    ]
