"""The register's invariants: database constraints and same-strata validation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import AuditLog
from properties.models import Occupancy, ParkingSpot, Unit
from properties.services import occupancy_end, register_record_archive, register_record_save
from tests.properties.factories import (
    OccupancyFactory,
    ParkingSpotFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def test_duplicate_unit_number_in_a_strata_is_refused_by_the_database(strata, unit):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(strata=strata, unit_number="101")
    assert Unit.objects.filter(strata=strata).count() == 1


def test_same_unit_number_in_another_strata_is_allowed(unit, other_strata):
    Unit.objects.create(strata=other_strata, unit_number="101")


def test_an_archived_unit_frees_its_number(strata, unit, manager):
    register_record_archive(record=unit, actor=manager)
    register_record_save(record=Unit(strata=strata, unit_number="101"), actor=manager)
    assert Unit.objects.filter(strata=strata, unit_number="101").count() == 2


def test_second_current_occupancy_of_the_same_role_is_refused_by_the_database(unit, owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.create(
            unit=unit, person=owner, role=Occupancy.Role.OWNER, starts_on=dt.date(2025, 1, 1)
        )
    assert Occupancy.objects.filter(unit=unit, person=owner).count() == 1


def test_an_ended_occupancy_followed_by_a_new_one_is_allowed(unit, manager):
    person = PersonFactory(strata=unit.strata)
    first = OccupancyFactory(
        unit=unit, person=person, role=Occupancy.Role.TENANT, starts_on=dt.date(2022, 1, 1)
    )
    occupancy_end(occupancy=first, actor=manager, ends_on=dt.date(2023, 1, 31))
    again = register_record_save(
        record=Occupancy(
            unit=unit, person=person, role=Occupancy.Role.TENANT, starts_on=dt.date(2025, 6, 1)
        ),
        actor=manager,
    )
    assert list(
        Occupancy.objects.filter(unit=unit, person=person)
        .order_by("starts_on")
        .values_list("starts_on", "ends_on")
    ) == [(dt.date(2022, 1, 1), dt.date(2023, 1, 31)), (again.starts_on, None)]


def test_an_overlapping_past_occupancy_is_refused_with_a_reason(unit, manager):
    person = PersonFactory(strata=unit.strata)
    OccupancyFactory(
        unit=unit,
        person=person,
        role=Occupancy.Role.TENANT,
        starts_on=dt.date(2022, 1, 1),
        ends_on=dt.date(2023, 12, 31),
    )
    with pytest.raises(ValidationError) as error:
        register_record_save(
            record=Occupancy(
                unit=unit,
                person=person,
                role=Occupancy.Role.TENANT,
                starts_on=dt.date(2023, 6, 1),
                ends_on=dt.date(2024, 6, 1),
            ),
            actor=manager,
        )
    assert "for part of this period" in error.value.messages[0]
    assert Occupancy.objects.filter(unit=unit, person=person).count() == 1


def test_occupancy_ending_before_it_starts_is_refused(unit, owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.create(
            unit=unit,
            person=owner,
            role=Occupancy.Role.AGENT,
            starts_on=dt.date(2025, 1, 2),
            ends_on=dt.date(2025, 1, 1),
        )


def test_occupancy_with_a_person_of_another_strata_is_refused(unit, other_strata, manager):
    stranger = PersonFactory(strata=other_strata)
    with pytest.raises(ValidationError) as error:
        register_record_save(
            record=Occupancy(
                unit=unit, person=stranger, role=Occupancy.Role.OWNER, starts_on=dt.date(2025, 1, 1)
            ),
            actor=manager,
        )
    assert "person" in error.value.message_dict
    assert not Occupancy.objects.filter(person=stranger).exists()
    assert not AuditLog.objects.exists()


def test_tenancy_with_a_landlord_of_another_strata_is_refused(unit, other_strata, manager):
    tenant = PersonFactory(strata=unit.strata)
    with pytest.raises(ValidationError) as error:
        register_record_save(
            record=Occupancy(
                unit=unit,
                person=tenant,
                role=Occupancy.Role.TENANT,
                landlord=PersonFactory(strata=other_strata),
                starts_on=dt.date(2025, 1, 1),
            ),
            actor=manager,
        )
    assert "landlord" in error.value.message_dict


def test_only_a_tenancy_has_a_landlord(unit, owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.create(
            unit=unit,
            person=PersonFactory(strata=unit.strata),
            role=Occupancy.Role.OWNER,
            landlord=owner,
            starts_on=dt.date(2025, 1, 1),
        )


def test_stall_assigned_to_a_unit_of_another_strata_is_refused(strata, other_unit, manager):
    with pytest.raises(ValidationError) as error:
        register_record_save(
            record=ParkingSpot(strata=strata, identifier="P-1", unit=other_unit), actor=manager
        )
    assert "unit" in error.value.message_dict
    assert not ParkingSpot.objects.exists()


def test_duplicate_stall_identifier_in_a_strata_is_refused(strata):
    ParkingSpotFactory(strata=strata, identifier="P-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ParkingSpot.objects.create(strata=strata, identifier="p-1")


def test_notice_email_needs_the_date_it_was_given(strata, manager):
    person = PersonFactory.build(strata=strata, email_for_notices="a@example.test")
    with pytest.raises(ValidationError):
        register_record_save(record=person, actor=manager)


def test_every_register_change_is_audited_with_what_changed(unit, manager):
    unit.floor = "1"
    register_record_save(record=unit, actor=manager, changed_fields=["floor"], before={"floor": ""})
    entry = AuditLog.objects.get()
    assert entry.action == "register.unit_changed"
    assert entry.actor == manager
    assert entry.strata == unit.strata
    assert entry.target_uuid == unit.uuid
    assert entry.changes == {"floor": {"from": "", "to": "1"}}


@pytest.mark.parametrize("role_fixture", ["council_member", "caretaker", "other_manager"])
def test_only_the_stratas_managers_may_change_the_register(request, unit, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    unit.floor = "9"
    with pytest.raises(PermissionDenied):
        register_record_save(record=unit, actor=actor, changed_fields=["floor"])
    unit.refresh_from_db()
    assert unit.floor == ""
    assert not AuditLog.objects.exists()


def test_archiving_a_unit_with_current_occupancies_is_refused(unit, owner, manager):
    with pytest.raises(ValidationError) as error:
        register_record_archive(record=unit, actor=manager)
    assert "end them before archiving" in error.value.messages[0]
    unit.refresh_from_db()
    assert unit.archived_at is None
