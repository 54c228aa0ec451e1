"""Register import and export through the admin: all-or-nothing imports, formula-safe cells."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats.base_formats import CSV

from accounts.models import AuditLog
from properties.models import Occupancy, Person, Unit
from properties.register_io import PersonOccupancyResource
from tests.properties.factories import OccupancyFactory, PersonFactory

pytestmark = pytest.mark.django_db


def upload(client, model: str, text: str):
    """Send a CSV to the admin's import page (the dry run)."""
    return client.post(
        reverse(f"admin:properties_{model}_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("register.csv", text.encode(), "text/csv"),
        },
    )


def upload_and_confirm(client, model: str, text: str):
    dry_run = upload(client, model, text)
    assert dry_run.status_code == 200
    confirm = dry_run.context["confirm_form"]
    assert confirm is not None, dry_run.context["result"].invalid_rows
    return client.post(reverse(f"admin:properties_{model}_process_import"), confirm.initial)


def test_manager_imports_units_and_each_is_audited(client, manager, strata):
    client.force_login(manager)
    response = upload_and_confirm(
        client,
        "unit",
        "strata,unit_number,strata_lot_number,floor,is_townhouse,phone,notes\n"
        "BCS1234,201,21,2,0,,\n"
        "bcs1234,TH1,22,,1,+1 604 555 0101,Corner townhouse\n",
    )
    assert response.status_code == 302
    units = Unit.objects.filter(strata=strata).order_by("unit_number")
    assert [(u.unit_number, u.strata_lot_number, u.is_townhouse, u.phone) for u in units] == [
        ("201", 21, False, ""),
        ("TH1", 22, True, "+1 604 555 0101"),
    ]
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["register.unit_created"] * 2


def test_an_import_with_a_bad_row_shows_each_error_and_imports_nothing(
    client, manager, strata, unit, other_strata
):
    client.force_login(manager)
    response = upload(
        client,
        "unit",
        "strata,unit_number,strata_lot_number,floor,is_townhouse,phone,notes\n"
        "BCS1234,301,31,3,0,,\n"
        "VIS5678,302,32,3,0,,\n"
        "BCS1234,303,not-a-number,3,0,,\n",
    )
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    page = response.content.decode()
    assert "No strata with plan number VIS5678 that you may import into." in page
    assert "not-a-number is not a number." in page
    assert list(Unit.objects.values_list("unit_number", flat=True)) == ["101"]
    assert not AuditLog.objects.exists()


def test_persons_with_occupancies_import_reuses_a_person_owning_two_units(
    client, manager, strata, unit
):
    landlord = PersonFactory(strata=strata, full_name="Lana Landlord")
    OccupancyFactory(unit=unit, person=landlord, role=Occupancy.Role.OWNER)
    Unit.objects.create(strata=strata, unit_number="102", strata_lot_number=2)
    client.force_login(manager)
    upload_and_confirm(
        client,
        "person",
        "occupancy_uuid,strata,unit,role,starts_on,ends_on,person_uuid,full_name,email,phone,"
        "postal_address,email_for_notices,email_for_notices_given_on,landlord_uuid,"
        "form_k_received_on,is_primary_contact,receives_newsletters\n"
        f",BCS1234,101,tenant,2025-09-01,,,Tina Tenant,tina@example.test,,,"
        f"tina@example.test,2025-08-30,{landlord.uuid},2025-08-25,1,1\n"
        ",BCS1234,101,owner,2024-01-01,,,Otto Owner,otto@example.test,,,,,,,0,1\n"
        ",BCS1234,102,owner,2024-01-01,,,Otto Owner,otto@example.test,,,,,,,0,1\n",
    )
    tina = Person.objects.get(full_name="Tina Tenant")
    tenancy = Occupancy.objects.get(person=tina)
    assert (tenancy.role, tenancy.landlord, tenancy.form_k_received_on) == (
        "tenant",
        landlord,
        dt.date(2025, 8, 25),
    )
    assert tina.email_for_notices_given_on == dt.date(2025, 8, 30)
    otto = Person.objects.get(full_name="Otto Owner")
    assert sorted(otto.occupancies.values_list("unit__unit_number", flat=True)) == ["101", "102"]


def test_export_is_formula_safe_and_survives_the_round_trip(client, manager, unit):
    person = PersonFactory(
        strata=unit.strata, full_name='=HYPERLINK("http://evil")', phone="+1 604 555 0199"
    )
    OccupancyFactory(unit=unit, person=person, role=Occupancy.Role.OWNER)
    exported = CSV().export_data(PersonOccupancyResource(user=manager).export())
    assert "'+1 604 555 0199" in exported
    assert "'=HYPERLINK" in exported

    client.force_login(manager)
    upload_and_confirm(client, "person", exported)
    person.refresh_from_db()
    assert person.phone == "+1 604 555 0199"
    assert person.full_name == '=HYPERLINK("http://evil")'
    assert Person.objects.count() == 1
    assert Occupancy.objects.count() == 1


def test_export_only_contains_the_users_stratas(manager, unit, other_unit):
    OccupancyFactory(unit=unit)
    OccupancyFactory(unit=other_unit)
    exported = CSV().export_data(PersonOccupancyResource(user=manager).export())
    assert "BCS1234" in exported
    assert "VIS5678" not in exported
