"""The register import's preview: a valid dry run lists every row, new, changed or unchanged,
with the values it would import."""

import re

import pytest

from properties.models import Occupancy, Person
from tests.properties.test_register_io import upload

pytestmark = pytest.mark.django_db

PERSON_HEADER = (
    "occupancy_uuid,strata,unit,role,starts_on,ends_on,person_uuid,full_name,email,phone,"
    "postal_address,email_for_notices,email_for_notices_given_on,landlord_uuid,"
    "form_k_received_on,is_primary_contact,receives_newsletters\n"
)


def preview_rows(response) -> list[list[str]]:
    """The preview table's rows: the row's kind, then each cell's text (tags dropped) after
    the kind's own cell."""
    page = response.content.decode()
    table = re.search(r'<table class="import-preview">(.*?)</table>', page, re.S)
    assert table is not None, "the page has no preview table"
    rows = []
    for kind, body in re.findall(r'<tr class="(\w+)">(.*?)</tr>', table.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        rows.append([kind, *(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells[1:])])
    return rows


def test_unit_preview_lists_each_row_as_new_changed_or_unchanged(client, manager, strata, unit):
    client.force_login(manager)
    response = upload(
        client,
        "unit",
        "strata,unit_number,strata_lot_number,floor,is_townhouse,phone,notes\n"
        f"BCS1234,101,1,{unit.floor},0,{unit.phone},{unit.notes}\n"
        "BCS1234,201,21,2,0,,Corner suite\n",
    )
    assert response.status_code == 200
    assert response.context["confirm_form"] is not None
    assert preview_rows(response) == [
        ["skip", "BCS1234", "101", "1", unit.floor, "0", unit.phone, unit.notes],
        ["new", "BCS1234", "201", "21", "2", "0", "", "Corner suite"],
    ]


def test_person_preview_shows_each_rows_person_and_occupancy(client, manager, strata, unit):
    client.force_login(manager)
    response = upload(
        client,
        "person",
        PERSON_HEADER
        + ",BCS1234,101,owner,2024-01-01,,,Otto Owner,otto@example.test,604 555 0101,,,,,,1,0\n",
    )
    assert response.status_code == 200
    assert response.context["confirm_form"] is not None
    [row] = preview_rows(response)
    occupancy_uuid, person_uuid = row[1], row[7]
    assert row == [
        "new",
        occupancy_uuid,
        "BCS1234",
        "101",
        "owner",
        "2024-01-01",
        "",
        person_uuid,
        "Otto Owner",
        "otto@example.test",
        "604 555 0101",
        "",
        "",
        "",
        "",
        "",
        "1",
        "0",
    ]
    assert occupancy_uuid and person_uuid
    # A dry run: nothing of it stays.
    assert not Person.objects.filter(full_name="Otto Owner").exists()
    assert not Occupancy.objects.exists()


def test_person_preview_marks_a_changed_row_as_an_update(client, manager, strata, unit, owner):
    occupancy = Occupancy.objects.get(person=owner)
    client.force_login(manager)
    response = upload(
        client,
        "person",
        PERSON_HEADER
        + f"{occupancy.uuid},BCS1234,101,owner,2019-05-01,,{owner.uuid},{owner.full_name},"
        f"{owner.email},,,,,,,0,0\n",
    )
    assert response.status_code == 200
    [row] = preview_rows(response)
    assert row[:10] == [
        "update",
        str(occupancy.uuid),
        "BCS1234",
        "101",
        "owner",
        "2019-05-01",
        "",
        str(owner.uuid),
        owner.full_name,
        owner.email,
    ]
