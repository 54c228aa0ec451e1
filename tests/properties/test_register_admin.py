"""Writes to the register through the admin: a manager's change is saved and audited once, and
a person of another strata cannot be put on a unit (the matrix in
``tests/test_admin_authorization.py`` covers who may open each page)."""

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from properties.models import Occupancy, Unit
from tests.admin_forms import change_form_data
from tests.properties.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_managers_change_of_a_unit_is_saved_and_audited_once(client, manager, unit, unit_form):
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]), {**unit_form, "floor": "3"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:properties_unit_changelist")
    unit.refresh_from_db()
    assert unit.floor == "3"
    entry = AuditLog.objects.get()
    assert entry.action == "register.unit_changed"
    assert entry.actor == manager
    assert entry.strata_id == unit.strata_id
    assert entry.target_uuid == unit.uuid
    assert entry.changes == {"floor": {"from": "", "to": "3"}}


def test_managers_change_of_a_person_is_saved_and_audited_once(client, manager, superuser, owner):
    client.force_login(superuser)
    data = change_form_data(client.get(reverse("admin:properties_person_change", args=[owner.pk])))
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_person_change", args=[owner.pk]),
        {**data, "phone": "+1 604 555 0199"},
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.phone == "+1 604 555 0199"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.target_uuid) == (
        "register.person_changed",
        manager,
        owner.uuid,
    )


def test_managers_new_unit_is_saved_and_audited_once(client, manager, strata):
    client.force_login(manager)
    empty_inlines = {
        f"{prefix}-{key}": "0"
        for prefix in (
            "occupancies",
            NEW_OCCUPANCY_PREFIX,
            "parking_spots",
            "storage_lockers",
            "bike_lockers",
        )
        for key in ("TOTAL_FORMS", "INITIAL_FORMS")
    }

    response = client.post(
        reverse("admin:properties_unit_add"),
        {"strata": strata.pk, "unit_number": "205", "strata_lot_number": "25", **empty_inlines},
    )

    assert response.status_code == 302
    unit = Unit.objects.get(strata=strata, unit_number="205")
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.target_uuid) == (
        "register.unit_created",
        manager,
        unit.uuid,
    )


def test_manager_cannot_put_an_occupancy_on_a_person_of_another_strata(
    client, manager, unit, owner, other_strata
):
    outsider = PersonFactory(strata=other_strata, full_name="Otto Outsider")
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_occupancy_add"),
        {
            "unit": unit.pk,
            "person": outsider.pk,
            "role": Occupancy.Role.OCCUPANT,
            "starts_on": "2025-01-01",
            "receives_newsletters": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "person": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not Occupancy.objects.filter(person=outsider).exists()
    assert not AuditLog.objects.exists()


# The unit page lists current occupancies first ("occupancies"), then the add-only inline.
NEW_OCCUPANCY_PREFIX = "occupancies-2"


def add_inline_occupancy(data: dict, **fields) -> dict:
    """``data`` with one more (new) row in the unit page's add-only occupancy inline."""
    prefix = NEW_OCCUPANCY_PREFIX
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    row = {"role": Occupancy.Role.OCCUPANT, "starts_on": "2025-01-01", **fields}
    return {
        **data,
        f"{prefix}-TOTAL_FORMS": str(index + 1),
        **{f"{prefix}-{index}-{name}": str(value) for name, value in row.items()},
    }


def test_manager_cannot_put_an_occupancy_on_a_person_of_another_strata_from_the_unit_page(
    client, manager, unit, unit_form, other_strata
):
    outsider = PersonFactory(strata=other_strata, full_name="Otto Outsider")
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]),
        add_inline_occupancy(unit_form, person=outsider.pk, unit=unit.pk),
    )

    assert response.status_code == 200
    occupancy_formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == NEW_OCCUPANCY_PREFIX
    )
    assert occupancy_formset.total_error_count() == 1
    assert "person" in occupancy_formset.forms[-1].errors
    assert not Occupancy.objects.filter(person=outsider).exists()
    assert not AuditLog.objects.exists()


def test_refusing_another_stratas_person_on_the_unit_page_does_not_name_them(
    client, manager, unit, unit_form, other_strata
):
    outsider = PersonFactory(strata=other_strata, full_name="Otto Outsider")
    client.force_login(manager)

    response = client.post(
        reverse("admin:properties_unit_change", args=[unit.pk]),
        add_inline_occupancy(unit_form, person=outsider.pk, unit=unit.pk),
    )

    assert response.status_code == 200
    assert "Otto Outsider" not in response.text
