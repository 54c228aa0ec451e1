"""No two occupancies of one person in one role on one unit share a day: an exclusion
constraint on PostgreSQL (GiST over unit, person and role, which needs btree_gist, and the
period as an inclusive daterange, an open end running on for ever). On SQLite both operations
do nothing; Occupancy.clean() refuses the overlap there, as it does everywhere.
"""

import django.contrib.postgres.fields.ranges
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

import properties.models


class Migration(migrations.Migration):
    dependencies = [
        ("properties", "0004_form_k_file_checks"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.AddConstraint(
            model_name="occupancy",
            constraint=properties.models.PostgresExclusionConstraint(
                expressions=[
                    ("unit", "="),
                    ("person", "="),
                    ("role", "="),
                    (
                        models.Func(
                            models.F("starts_on"),
                            models.F("ends_on"),
                            django.contrib.postgres.fields.ranges.RangeBoundary(
                                inclusive_upper=True
                            ),
                            function="DATERANGE",
                            output_field=django.contrib.postgres.fields.ranges.DateRangeField(),
                        ),
                        "&&",
                    ),
                ],
                name="occupancy_no_overlapping_periods",
            ),
        ),
    ]
