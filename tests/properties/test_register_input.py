"""Bad register input is a field error where it is entered, never a 500 or a broken mailbox.

Duplicate stall and locker identifiers added on the unit page; line breaks in names (which go
into email headers: To, From) through the admin, the import and the model.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditLog, Strata, User
from properties.models import ParkingSpot, Person, StorageLocker
from tests.admin_forms import change_form_data
from tests.properties.factories import ParkingSpotFactory, PersonFactory
from tests.properties.test_register_io import upload

pytestmark = pytest.mark.django_db

HEADER_INJECTION = "Mal Lory\r\nBcc: everyone@example.test"


def add_inline_rows(data: dict, prefix: str, *identifiers: str) -> dict:
    data = dict(data)
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, identifier in enumerate(identifiers):
        data[f"{prefix}-{start + offset}-identifier"] = identifier
        data[f"{prefix}-{start + offset}-notes"] = ""
    data[f"{prefix}-TOTAL_FORMS"] = str(start + len(identifiers))
    return data


def inline_errors(response, prefix: str) -> list:
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    )
    return [form.errors.get("identifier") for form in formset.forms]


def test_a_duplicate_stall_added_on_the_unit_page_is_a_form_error(
    client, manager, strata, unit, unit_form
):
    ParkingSpotFactory(strata=strata, identifier="P-7")
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]),
        add_inline_rows(unit_form, "parking_spots", "p-7"),
    )

    assert response.status_code == 200
    assert inline_errors(response, "parking_spots") == [
        ["This strata already has one with this identifier."]
    ]
    assert list(ParkingSpot.objects.values_list("identifier", flat=True)) == ["P-7"]
    assert not AuditLog.objects.exists()


def test_the_same_locker_twice_on_the_unit_page_is_a_form_error(
    client, manager, unit, unit_form, other_strata
):
    StorageLocker.objects.create(strata=other_strata, identifier="S-1")  # another strata's: fine
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]),
        add_inline_rows(unit_form, "storage_lockers", "S-1", "s-1"),
    )

    assert response.status_code == 200
    assert inline_errors(response, "storage_lockers") == [
        None,
        ["This strata already has one with this identifier."],
    ]
    assert list(StorageLocker.objects.values_list("strata", flat=True)) == [other_strata.pk]
    assert not AuditLog.objects.exists()


def test_a_new_stall_on_the_unit_page_is_still_saved(client, manager, unit, unit_form):
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]),
        add_inline_rows(unit_form, "parking_spots", "P-8"),
    )

    assert response.status_code == 302
    spot = ParkingSpot.objects.get()
    assert (spot.identifier, spot.strata, spot.unit) == ("P-8", unit.strata, unit)


def test_a_line_break_in_a_persons_name_is_a_field_error_in_the_admin(
    client, manager, superuser, owner
):
    person = owner
    client.force_login(superuser)
    data = change_form_data(client.get(reverse("admin:properties_person_change", args=[person.pk])))
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_person_change", args=[person.pk]),
        {**data, "full_name": HEADER_INJECTION},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"full_name": ["This must be on one line."]}
    person.refresh_from_db()
    assert "\n" not in person.full_name
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("full_name", "Mal Lory\nBcc: everyone@example.test"),
        ("full_name", "Mal Lory\rBcc: everyone@example.test"),
        ("email", "mal@example.test\nBcc: everyone@example.test"),
    ],
)
def test_a_line_break_in_an_imported_name_or_email_is_a_row_error(
    client, manager, unit, column, value
):
    client.force_login(manager)
    cells = {"full_name": "Mal Lory", "email": "mal@example.test", column: value}
    quoted = {key: '"' + text.replace('"', '""') + '"' for key, text in cells.items()}

    response = upload(
        client,
        "person",
        "occupancy_uuid,strata,unit,role,starts_on,full_name,email\n"
        f",BCS1234,101,owner,2024-01-01,{quoted['full_name']},{quoted['email']}\n",
    )

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    [row] = response.context["result"].invalid_rows
    assert row.error_dict["full_name"] == [
        "Person: This must be on one line."
        if column == "full_name"
        else "Person: Enter a valid email address."
    ]
    assert not Person.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (lambda: PersonFactory.build(strata=Strata(pk=1)), "full_name"),
        (lambda: User(email="someone@example.test"), "full_name"),
        (lambda: Strata(name="Harbour", plan_number="BCS1"), "name"),
        (lambda: Strata(name="Harbour", plan_number="BCS1"), "sender_name"),
    ],
)
@pytest.mark.parametrize("line_break", ["\r", "\n", "\u2028"])
def test_names_used_in_email_headers_refuse_line_breaks(record, field, line_break):
    instance = record()
    setattr(instance, field, f"Harbour{line_break}Bcc: everyone@example.test")

    with pytest.raises(ValidationError) as refused:
        instance.clean_fields(exclude=[f.name for f in instance._meta.fields if f.name != field])

    assert refused.value.message_dict == {field: ["This must be on one line."]}
