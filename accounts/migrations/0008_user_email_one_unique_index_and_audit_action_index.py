"""One unique index on User.email, and an index for the audit log's action filter.

The email field's own unique index stays (Django's auth checks want USERNAME_FIELD unique);
the second one, on Lower("email"), goes. Its case-insensitivity is kept by storing every email
lower-cased: save() did already, and a check constraint now holds writes that bypass it. An
address stored otherwise (only a raw write could) is lower-cased first; the Lower() index made
sure no two addresses differ by case alone.
"""

from django.db import migrations, models
from django.db.models.functions import Lower


def lower_case_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.exclude(email=Lower("email")).update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_fine_payable_within_days_and_citations"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="user_email_ci_unique"),
        migrations.RunPython(lower_case_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", Lower("email"))), name="user_email_lower_case"
            ),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(
                fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
    ]
