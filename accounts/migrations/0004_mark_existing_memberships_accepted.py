"""Memberships made before acceptance existed were in force: mark them accepted, so nothing
that already worked breaks. The reverse leaves the dates (the column goes with 0003)."""

from django.db import migrations
from django.db.models import F


def mark_accepted(apps, schema_editor):
    StrataMembership = apps.get_model("accounts", "StrataMembership")
    StrataMembership.objects.filter(accepted_at__isnull=True).update(accepted_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_stratamembership_accepted_at")]

    operations = [migrations.RunPython(mark_accepted, migrations.RunPython.noop)]
