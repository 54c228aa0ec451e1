"""Violation categories get a uuid (the API names records by uuid only): added empty, one
random uuid per existing row, then unique and required."""

import uuid

from django.db import migrations, models


def give_each_category_a_uuid(apps, schema_editor):
    ViolationCategory = apps.get_model("violations", "ViolationCategory")
    for category in ViolationCategory.objects.filter(uuid__isnull=True).only("pk"):
        ViolationCategory.objects.filter(pk=category.pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("violations", "0009_stated_deadline_column_and_constraints")]

    operations = [
        migrations.AddField(
            model_name="violationcategory",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_category_a_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="violationcategory",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
