"""Repeat offenders are counted by the database (GROUP BY ... HAVING), in a fixed number of
queries however many offenders there are, and each strata's window ends on its own today."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.properties.factories import PersonFactory, UnitFactory
from tests.violations.drive import FAST_HASHERS
from tests.violations.factories import BylawFactory
from tests.violations.test_repeat_offenders import TODAY, decided
from violations.selectors.offenders import repeat_offenders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def add_offenders(strata, bylaw, numbers, *, cases=2):
    for i in numbers:
        unit = UnitFactory(strata=strata, unit_number=f"Q{i:03d}", strata_lot_number=700 + i)
        person = PersonFactory(strata=strata, full_name=f"Offender {i:03d}")
        for days in range(10, 10 * (cases + 1), 10):
            decided(unit, [person], days_ago=days, bylaw=bylaw)


def test_the_queries_do_not_grow_with_offenders_and_the_database_counts(
    strata, manager, django_assert_num_queries
):
    bylaw = BylawFactory(strata=strata)
    add_offenders(strata, bylaw, range(1, 4))
    add_offenders(strata, bylaw, range(900, 920), cases=1)  # under the threshold
    repeat_offenders(manager, threshold=2, today=TODAY)  # the user's stratas, cached on them
    with CaptureQueriesContext(connection) as few:
        found = repeat_offenders(manager, threshold=2, today=TODAY)
    assert (len(found["persons"]), len(found["units"])) == (3, 3)
    assert len(few) == 2
    grouped = [q["sql"] for q in few if "HAVING" in q["sql"] and "COUNT(" in q["sql"]]
    assert len(grouped) == 2  # persons and units: only the offenders' rows leave the database

    add_offenders(strata, bylaw, range(4, 61))
    with django_assert_num_queries(len(few)):
        found = repeat_offenders(manager, threshold=2, today=TODAY)

    assert (len(found["persons"]), len(found["units"])) == (60, 60)
    assert {row["count"] for row in (*found["persons"], *found["units"])} == {2}


def test_the_window_ends_on_the_stratas_own_today(strata, manager, unit, tenant):
    """At 18:00 in Vancouver on November 25, 2026 it is already the 26th in UTC: a meeting on
    the 26th is tomorrow, and the window's first day is November 25, 2025."""
    meetings = {
        days: decided(unit, [tenant], days_ago=days).pk for days in (-1, 0, 365, 366)
    }  # days before November 25, 2026
    evening = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)

    with time_machine.travel(evening, tick=False):
        [row] = repeat_offenders(manager, threshold=2)["persons"]

    assert [case.pk for case in row["cases"]] == [meetings[0], meetings[365]]
