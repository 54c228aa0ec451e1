"""No two occupancies of one person in one role on one unit share a day. The register service
refuses an overlap with a reason beside the start date, on every backend (admin, import and
services all pass through it); on PostgreSQL the database refuses it too, whoever writes."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import AuditLog
from properties.models import Occupancy
from properties.services import register_record_save
from tests.properties.factories import OccupancyFactory, PersonFactory

pytestmark = pytest.mark.django_db

TENANT = Occupancy.Role.TENANT


@pytest.fixture
def person(unit):
    return PersonFactory(strata=unit.strata, full_name="Petra Past")


@pytest.fixture
def past_tenancy(unit, person):
    """Petra rented unit 101 from 2022 to 31 May 2023."""
    return OccupancyFactory(
        unit=unit,
        person=person,
        role=TENANT,
        starts_on=dt.date(2022, 1, 1),
        ends_on=dt.date(2023, 5, 31),
    )


def tenancy(unit, person, starts_on, ends_on=None):
    return Occupancy(unit=unit, person=person, role=TENANT, starts_on=starts_on, ends_on=ends_on)


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        (dt.date(2023, 5, 31), None),  # starts on the last day of the other
        (dt.date(2021, 6, 1), dt.date(2022, 1, 1)),  # ends on the first day of the other
        (dt.date(2022, 3, 1), dt.date(2022, 4, 1)),  # inside the other
        (dt.date(2020, 1, 1), None),  # open, around the other
    ],
    ids=["start-on-last-day", "end-on-first-day", "inside", "around"],
)
def test_the_service_refuses_an_overlapping_occupancy_beside_its_start(
    unit, person, past_tenancy, manager, starts_on, ends_on
):
    with pytest.raises(ValidationError) as error:
        register_record_save(record=tenancy(unit, person, starts_on, ends_on), actor=manager)

    assert list(error.value.message_dict) == ["starts_on"]
    assert (
        "Petra Past already has the role Tenant on Unit 101 for part of this period"
        in (error.value.message_dict["starts_on"][0])
    )
    assert list(Occupancy.objects.filter(person=person)) == [past_tenancy]
    assert not AuditLog.objects.exists()


def test_the_service_refuses_extending_an_old_occupancy_into_a_newer_one(
    unit, person, past_tenancy, manager
):
    OccupancyFactory(unit=unit, person=person, role=TENANT, starts_on=dt.date(2024, 1, 1))
    past_tenancy.ends_on = dt.date(2024, 6, 30)

    with pytest.raises(ValidationError) as error:
        register_record_save(record=past_tenancy, actor=manager, changed_fields=["ends_on"])

    assert list(error.value.message_dict) == ["starts_on"]
    past_tenancy.refresh_from_db()
    assert past_tenancy.ends_on == dt.date(2023, 5, 31)


def test_a_tenancy_starting_the_day_after_the_last_one_ended_is_kept(
    unit, person, past_tenancy, manager
):
    again = register_record_save(record=tenancy(unit, person, dt.date(2023, 6, 1)), actor=manager)

    assert list(
        Occupancy.objects.filter(person=person).order_by("starts_on").values_list("pk", flat=True)
    ) == [past_tenancy.pk, again.pk]


def test_the_same_dates_in_another_role_are_kept(unit, person, past_tenancy, manager):
    as_occupant = Occupancy(
        unit=unit, person=person, role=Occupancy.Role.OCCUPANT, starts_on=dt.date(2022, 1, 1)
    )
    register_record_save(record=as_occupant, actor=manager)

    assert Occupancy.objects.filter(person=person).count() == 2


def test_an_import_row_overlapping_the_register_is_a_row_error(
    client, unit, person, past_tenancy, manager
):
    client.force_login(manager)
    response = client.post(
        reverse("admin:properties_person_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile(
                "register.csv",
                (
                    "occupancy_uuid,strata,unit,role,starts_on,ends_on,person_uuid,full_name,"
                    "email,phone,postal_address,email_for_notices,email_for_notices_given_on,"
                    "landlord_uuid,form_k_received_on,is_primary_contact,receives_newsletters\n"
                    f",BCS1234,101,tenant,2023-01-01,,{person.uuid},Petra Past,,,,,,,,0,1\n"
                ).encode(),
                "text/csv",
            ),
        },
    )

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    (row,) = response.context["result"].invalid_rows
    assert "for part of this period" in row.field_specific_errors["starts_on"][0]
    assert list(Occupancy.objects.filter(person=person)) == [past_tenancy]


@pytest.mark.postgres
def test_the_database_refuses_an_overlapping_occupancy_written_past_the_service(
    unit, person, past_tenancy
):
    with (
        pytest.raises(IntegrityError, match="occupancy_no_overlapping_periods"),
        transaction.atomic(),
    ):
        Occupancy.objects.create(
            unit=unit, person=person, role=TENANT, starts_on=dt.date(2023, 5, 31)
        )

    assert list(Occupancy.objects.filter(person=person)) == [past_tenancy]


@pytest.mark.postgres
def test_the_database_keeps_a_tenancy_starting_the_day_after_the_last_one_ended(
    unit, person, past_tenancy
):
    Occupancy.objects.create(unit=unit, person=person, role=TENANT, starts_on=dt.date(2023, 6, 1))

    assert Occupancy.objects.filter(person=person).count() == 2
