"""The register's changelists filter by strata from the stratas the user works in (one query of
the strata table), never by scanning the register for the stratas it holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.properties.factories import (
    BikeLockerFactory,
    OccupancyFactory,
    ParkingSpotFactory,
    StorageLockerFactory,
)

pytestmark = pytest.mark.django_db

# changelist → the register table its rows come from
REGISTER_LISTS = {
    "properties_unit": "properties_unit",
    "properties_person": "properties_person",
    "properties_occupancy": "properties_occupancy",
    "properties_parkingspot": "properties_parkingspot",
    "properties_storagelocker": "properties_storagelocker",
    "properties_bikelocker": "properties_bikelocker",
}

MAX_QUERIES = {
    **dict.fromkeys(REGISTER_LISTS, 9),
    "properties_person": 10,
    "properties_occupancy": 11,
}


@pytest.fixture
def register(unit, owner, tenant, other_unit):
    """Rows of every list in the manager's strata and in another strata."""
    OccupancyFactory(unit=other_unit)
    for factory in (ParkingSpotFactory, StorageLockerFactory, BikeLockerFactory):
        factory(strata=unit.strata, unit=unit)
        factory(strata=other_unit.strata, unit=other_unit)


def strata_choices(response):
    spec = next(f for f in response.context["cl"].filter_specs if f.title == "strata")
    return spec.lookup_choices


@pytest.mark.parametrize("changelist", REGISTER_LISTS)
def test_register_strata_filter_reads_the_strata_table_only(
    client, manager, strata, register, django_assert_max_num_queries, changelist
):
    """As many queries as the related-only filters took (9, persons 10, occupancies 11), the
    strata filter's one reading the strata table alone."""
    client.force_login(manager)
    url = reverse(f"admin:{changelist}_changelist")
    client.get(url)  # warm process-wide caches

    with (
        CaptureQueriesContext(connection) as queries,
        django_assert_max_num_queries(MAX_QUERIES[changelist]),
    ):
        response = client.get(url)

    assert response.status_code == 200
    assert strata_choices(response) == [(str(strata.pk), "Harbour View")]
    strata_lists = [q["sql"] for q in queries if q["sql"].startswith('SELECT "accounts_strata"')]
    assert strata_lists
    assert [sql for sql in strata_lists if REGISTER_LISTS[changelist] in sql] == []
    # The occupancies' date hierarchy lists their years of start; nothing else is DISTINCT.
    distinct = [q["sql"].upper() for q in queries if "DISTINCT" in q["sql"].upper()]
    assert [sql for sql in distinct if "DATE_TRUNC('YEAR'" not in sql] == []


@pytest.mark.parametrize("changelist", REGISTER_LISTS)
def test_register_strata_filter_lists_that_stratas_rows(
    client, superuser, strata, register, changelist
):
    client.force_login(superuser)
    url = reverse(f"admin:{changelist}_changelist")

    response = client.get(url, {"strata": str(strata.pk)})

    listed = response.context["cl"].result_list
    assert listed
    for row in listed:
        assert (row.unit.strata_id if changelist.endswith("occupancy") else row.strata_id) == (
            strata.pk
        )
    assert len(strata_choices(response)) == 2
