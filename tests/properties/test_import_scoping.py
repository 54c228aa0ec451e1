"""Register imports never write into, or out of, a strata the importer may not edit.

A is Cedar Grove (VIS5678), B is Harbour View (BCS1234). The attacker manages B and is only a
caretaker (read-only) of A; each row names a record of A.
"""

import datetime as dt

import pytest
import tablib
from django.urls import reverse

from accounts.models import AuditLog, StrataMembership
from properties.models import Occupancy, Person, Unit
from properties.register_io import PersonOccupancyResource
from tests.accounts.factories import MembershipFactory
from tests.properties.factories import OccupancyFactory, PersonFactory
from tests.properties.test_register_io import upload

pytestmark = pytest.mark.django_db

OCCUPANCY_HEADER = (
    "occupancy_uuid,strata,unit,role,starts_on,ends_on,person_uuid,full_name,email,phone,"
    "postal_address,email_for_notices,email_for_notices_given_on,landlord_uuid,"
    "form_k_received_on,is_primary_contact,receives_newsletters\n"
)
MOVE_REFUSED = "Only an administrator may move a record between stratas."


def occupancy_row(occupancy_uuid, *, strata="BCS1234", unit="101", person_uuid="", name="Mal"):
    return (
        f"{occupancy_uuid},{strata},{unit},owner,2021-02-03,,{person_uuid},{name},"
        f"{name.lower()}@example.test,,,,,,,1,1\n"
    )


@pytest.fixture
def occupancy_of_a(other_unit):
    return OccupancyFactory(unit=other_unit, starts_on=dt.date(2020, 1, 1))


@pytest.fixture
def caretaker_of_a(manager, other_strata):
    """The attacker: manager of B (``manager``), caretaker of A."""
    MembershipFactory(user=manager, strata=other_strata, role=StrataMembership.Role.CARETAKER)
    return manager


@pytest.fixture
def manager_of_both(manager, other_strata):
    MembershipFactory(user=manager, strata=other_strata, role=StrataMembership.Role.MANAGER)
    return manager


def snapshot():
    """Every register value an import could change, and the audit log's size."""
    return (
        sorted(Occupancy.objects.values_list("uuid", "unit_id", "person_id", "role", "starts_on")),
        sorted(Person.objects.values_list("uuid", "strata_id", "full_name", "email")),
        sorted(Unit.objects.values_list("strata_id", "unit_number", "floor", "notes")),
        AuditLog.objects.count(),
    )


def assert_refused(response, message):
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert message in response.content.decode()


def test_caretaker_of_a_cannot_move_an_occupancy_of_a_into_b(
    client, caretaker_of_a, unit, occupancy_of_a
):
    before = snapshot()
    client.force_login(caretaker_of_a)

    response = upload(client, "person", OCCUPANCY_HEADER + occupancy_row(occupancy_of_a.uuid))

    assert_refused(response, "Only this strata&#x27;s managers can change its register.")
    assert snapshot() == before


def test_a_refused_row_writes_nothing_even_when_imported_for_real(
    caretaker_of_a, unit, occupancy_of_a
):
    """The confirm step re-imports the file: the same rule stops it there."""
    before = snapshot()
    dataset = tablib.Dataset().load(OCCUPANCY_HEADER + occupancy_row(occupancy_of_a.uuid), "csv")

    result = PersonOccupancyResource(user=caretaker_of_a).import_data(
        dataset, dry_run=False, use_transactions=True
    )

    assert result.has_validation_errors()
    assert snapshot() == before


def test_caretaker_of_a_cannot_change_a_unit_of_a(client, caretaker_of_a, unit, other_unit):
    before = snapshot()
    client.force_login(caretaker_of_a)

    response = upload(
        client,
        "unit",
        "strata,unit_number,strata_lot_number,floor,is_townhouse,phone,notes\n"
        "VIS5678,9,9,7,0,,moved\n"
        "BCS1234,9,9,7,0,,moved\n",
    )

    assert_refused(response, "No strata with plan number VIS5678 that you may import into.")
    assert snapshot() == before


def test_caretaker_of_a_cannot_take_a_person_of_a_into_b(
    client, caretaker_of_a, unit, occupancy_of_a
):
    person_of_a = occupancy_of_a.person
    before = snapshot()
    client.force_login(caretaker_of_a)

    response = upload(
        client,
        "person",
        OCCUPANCY_HEADER
        + occupancy_row("", person_uuid=person_of_a.uuid, name="Renamed")
        + occupancy_row("", strata="VIS5678", unit="9", person_uuid=person_of_a.uuid),
    )

    assert_refused(response, f"No person {person_of_a.uuid} in this strata.")
    assert snapshot() == before


def test_manager_of_both_stratas_cannot_move_an_occupancy_between_them(
    client, manager_of_both, unit, occupancy_of_a
):
    before = snapshot()
    client.force_login(manager_of_both)

    response = upload(client, "person", OCCUPANCY_HEADER + occupancy_row(occupancy_of_a.uuid))

    assert_refused(response, MOVE_REFUSED)
    assert snapshot() == before


def test_manager_of_both_stratas_cannot_move_a_person_in_the_admin(
    client, manager_of_both, strata, other_strata
):
    person = PersonFactory(strata=other_strata, full_name="Ada Avery", email="ada@example.test")
    before = snapshot()
    client.force_login(manager_of_both)

    response = client.post(
        reverse("admin:properties_person_change", args=[person.pk]),
        {
            "strata": strata.pk,
            "full_name": "Ada Avery",
            "email": "ada@example.test",
            "phone": person.phone,
            "occupancies-TOTAL_FORMS": "0",
            "occupancies-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Ada Avery belongs to strata VIS5678: it cannot be moved to BCS1234. " + MOVE_REFUSED
    ]
    assert snapshot() == before


def test_superuser_moves_an_occupancy_and_both_stratas_see_it_in_their_audit_log(
    client, superuser, strata, other_strata, unit, occupancy_of_a
):
    client.force_login(superuser)
    dry_run = upload(client, "person", OCCUPANCY_HEADER + occupancy_row(occupancy_of_a.uuid))
    confirm = dry_run.context["confirm_form"]
    assert confirm is not None, dry_run.context["result"].invalid_rows

    client.post(reverse("admin:properties_person_process_import"), confirm.initial)

    occupancy_of_a.refresh_from_db()
    assert (occupancy_of_a.unit, occupancy_of_a.person.strata) == (unit, strata)
    moved = AuditLog.objects.filter(
        action="register.occupancy_moved", target_uuid=occupancy_of_a.uuid
    )
    assert sorted(moved.values_list("strata__plan_number", flat=True)) == ["BCS1234", "VIS5678"]
    assert [entry.changes["strata"] for entry in moved] == [
        {"from": "VIS5678", "to": "BCS1234"}
    ] * 2
