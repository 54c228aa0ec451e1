"""Hearing notices for a new date: a service of a replaced letter can be superseded (out of the
print queue, never deleted), and a letter records the earlier one it says it replaces."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("violations", "0005_paper_attachments"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="service",
            name="service_status_valid",
        ),
        migrations.AddField(
            model_name="letter",
            name="replaces",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaced_by",
                to="violations.letter",
                verbose_name="replaces",
            ),
        ),
        migrations.AlterField(
            model_name="service",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Email queued, not yet accepted by the mail server"),
                    ("pending", "To serve on paper"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("bounced", "Bounced"),
                    ("superseded", "Superseded by a later letter"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["queued", "pending", "sent", "failed", "bounced", "superseded"])
                ),
                name="service_status_valid",
            ),
        ),
    ]
