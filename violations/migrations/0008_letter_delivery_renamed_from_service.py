"""The record of serving a letter on a person is a ``LetterDelivery`` (it was ``Service``, which a
reader confused with the services layer). The table is renamed and its rows kept; audit
entries written before this keep the target type ``violations.service`` (the log is
append-only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("violations", "0007_entry_corrections"),
    ]

    operations = [
        migrations.RenameModel("Service", "LetterDelivery"),
        migrations.AlterField(
            model_name="letterdelivery",
            name="letter",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="violations.letter",
            ),
        ),
        migrations.AlterField(
            model_name="letterdelivery",
            name="party",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="violations.caseparty",
            ),
        ),
    ]
