"""My units (names and roles, never contact details), my charges and balance, and my
preferences: newsletters, and the address for notices, whose giving is a legal act (SPA s.61):
dated in the strata, audited, and the managers told."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils.dateformat import format as date_format

from accounts.models import AuditLog
from accounts.strata_time import strata_today
from communications.models import OutboundEmail
from properties.models import Person
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory
from tests.residents.conftest import sign_in
from tests.violations.charges import charge_on
from violations.models import Charge, Payment


def text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(words).split())


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# --- units ----------------------------------------------------------------------------------


def test_my_units_name_the_people_on_them_by_name_and_role_only(client, world):
    sign_in(client, world, "respondent_owner")
    response = client.get("/my/units/")
    assert response.status_code == 200
    page = text(response)
    assert (
        "Unit 101, Harbour View Rex Recused · Occupant Cole Coowner · Owner Olive Owner · Owner"
    ) in page
    for private in ("cole@example.test", "olive@example.test", "604 555", "Unit 102", "Terry"):
        assert private not in page


def test_a_tenant_sees_their_unit_and_its_owner_and_nothing_else(client, world):
    sign_in(client, world, "tenant_respondent")
    page = text(client.get("/my/units/"))
    assert "Unit 102, Harbour View Larry Landlord · Owner Terry Tenant · Tenant" in page
    assert "Unit 101" not in page and "larry@example.test" not in page


def test_staff_with_no_register_record_have_no_units(client, world):
    sign_in(client, world, "manager")
    assert "No unit names you on the register." in text(client.get("/my/units/"))


def test_my_units_runs_the_same_queries_for_2_or_20_people(
    client, world, django_assert_num_queries
):
    sign_in(client, world, "unrelated_resident")
    unit = world.units.u104

    def grow(to):
        while unit.occupancies.count() < to:
            OccupancyFactory(unit=unit, person=PersonFactory(strata=world.strata))

    grow(2)
    few = _queries(client, "/my/units/")
    grow(20)
    with django_assert_num_queries(few):
        response = client.get("/my/units/")
    assert text(response).count("· Owner") == 20


# --- charges --------------------------------------------------------------------------------


def test_my_charges_show_what_was_paid_waived_and_is_owed(client, world):
    olive, manager = world.persons.olive, world.users["manager"]
    Payment.objects.create(
        charge=world.charge,
        amount=Decimal("50.25"),
        paid_on=dt.date(2026, 11, 22),
        method="eft",
        recorded_by=manager,
    )
    charge_on(
        world.units.u101,
        olive,
        manager,
        amount="1234.56",
        charged_on=dt.date(2026, 11, 23),
        description="Second fine for noise",
        reference="VIO-20261101-105",
    )
    sign_in(client, world, "respondent_owner")
    response = client.get("/my/charges/")
    assert response.status_code == 200
    page = text(response)
    assert "Balance owing: $1,384.31" in page
    assert (
        "November 20, 2026 · VIO-20261101-104 Fine for noise Amount $200.00 Paid $50.25 "
        "Waived $0.00 Balance $149.75"
    ) in page
    assert (
        "November 23, 2026 · VIO-20261101-105 Second fine for noise Amount $1,234.56 "
        "Paid $0.00 Waived $0.00 Balance $1,234.56"
    ) in page
    assert "<table" not in response.content.decode()


@pytest.mark.parametrize("actor", ["co_owner", "manager"])
def test_someone_liable_for_nothing_owes_nothing(client, world, actor):
    sign_in(client, world, actor)
    page = text(client.get("/my/charges/"))
    assert "Balance owing: $0.00" in page
    assert "You have no charges." in page
    assert "VIO-20261101-104" not in page


def test_my_charges_run_the_same_queries_for_10_or_200_charges(
    client, world, django_assert_num_queries
):
    sign_in(client, world, "respondent_owner")
    template = model_to_dict(world.charge, exclude=["id", "uuid", "proposal", "letter"])
    refs = {
        "case": world.charge.case,
        "decision": world.charge.decision,
        "liable_person": world.persons.olive,
        "unit": world.charge.unit,
        "bylaw": world.charge.bylaw,
        "created_by": world.users["manager"],
    }

    def grow(to):
        count = Charge.objects.filter(liable_person=world.persons.olive).count()
        made = Charge.objects.bulk_create(Charge(**{**template, **refs}) for _ in range(to - count))
        Payment.objects.bulk_create(
            Payment(
                charge=charge,
                amount=Decimal("1.00"),
                paid_on=dt.date(2026, 11, 21),
                method="cash",
                recorded_by=world.users["manager"],
            )
            for charge in made[::2]
        )

    grow(10)
    few = _queries(client, "/my/charges/")
    grow(200)
    with django_assert_num_queries(few):
        response = client.get("/my/charges/")
    page = text(response)
    assert page.count("VIO-20261101-104") == 200
    assert "Balance owing: $39,900.00" in page  # 200 charges of $200, less 5 + 95 payments of $1


# --- preferences ----------------------------------------------------------------------------


def _person_state(person) -> dict:
    return {
        "person": model_to_dict(Person.objects.get(pk=person.pk)),
        "audit": AuditLog.objects.count(),
        "emails": OutboundEmail.objects.count(),
    }


def test_the_preferences_page_explains_the_address_for_notices(client, world):
    sign_in(client, world, "respondent_owner")
    response = client.get("/my/preferences/")
    assert response.status_code == 200
    page = text(response)
    assert "Olive Owner, Harbour View" in page
    assert (
        "If you do, the strata may give you its legal notices by emailing them there from now "
        "on (Strata Property Act, section 61). The strata is told that you gave it, and the "
        "date is kept on record."
    ) in page
    assert "You have not given an address for notices." in page


def test_giving_an_address_for_notices_is_dated_audited_and_told_to_the_manager(client, world):
    olive = world.persons.olive
    sign_in(client, world, "respondent_owner")
    before = _person_state(olive)
    response = client.post(
        "/my/preferences/",
        {
            "person": str(olive.uuid),
            "action": "notice_address",
            "email_for_notices": "Olive.Notices@example.test",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/my/preferences/"
    olive.refresh_from_db()
    today = strata_today(world.strata)
    assert (olive.email_for_notices, olive.email_for_notices_given_on) == (
        "olive.notices@example.test",
        today,
    )
    entry = AuditLog.objects.get(action="resident.notice_address_given")
    assert (entry.actor, entry.target_uuid) == (world.users["respondent_owner"], olive.uuid)
    assert AuditLog.objects.count() == before["audit"] + 1
    told = OutboundEmail.objects.get(template_name="properties.notice_address_given")
    assert told.to_address == world.users["manager"].email
    assert OutboundEmail.objects.count() == before["emails"] + 1
    page = text(client.get("/my/preferences/"))
    assert "Notices will be emailed to olive.notices@example.test from now on." in page
    assert (
        f"Notices are emailed to olive.notices@example.test, given on "
        f"{date_format(today, 'F j, Y')}."
    ) in page


def test_withdrawing_the_address_for_notices_is_audited_and_told_too(client, world):
    olive = world.persons.olive
    sign_in(client, world, "respondent_owner")
    given = {"person": str(olive.uuid), "action": "notice_address"}
    client.post("/my/preferences/", {**given, "email_for_notices": "olive@example.test"})
    before = _person_state(olive)
    response = client.post("/my/preferences/", {**given, "email_for_notices": ""})
    assert response.status_code == 302
    olive.refresh_from_db()
    assert (olive.email_for_notices, olive.email_for_notices_given_on) == ("", None)
    assert AuditLog.objects.count() == before["audit"] + 1
    assert OutboundEmail.objects.count() == before["emails"] + 1
    page = text(client.get("/my/preferences/"))
    assert "Your address for notices is withdrawn." in page
    assert "You have not given an address for notices." in page


def test_a_bad_address_for_notices_is_refused_and_nothing_changes(client, world):
    olive = world.persons.olive
    sign_in(client, world, "respondent_owner")
    before = _person_state(olive)
    response = client.post(
        "/my/preferences/",
        {"person": str(olive.uuid), "action": "notice_address", "email_for_notices": "olive@"},
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in text(response)
    assert _person_state(olive) == before


def test_turning_newsletters_off_is_saved_and_audited(client, world):
    olive = world.persons.olive
    assert olive.newsletters is True
    sign_in(client, world, "respondent_owner")
    before = _person_state(olive)
    response = client.post("/my/preferences/", {"person": str(olive.uuid), "action": "newsletters"})
    assert response.status_code == 302
    olive.refresh_from_db()
    assert olive.newsletters is False
    assert AuditLog.objects.get(action="resident.newsletters_changed").changes == {
        "newsletters": False
    }
    assert AuditLog.objects.count() == before["audit"] + 1
    assert "Your newsletter choice is saved." in text(client.get("/my/preferences/"))


@pytest.mark.parametrize(
    "data",
    [
        {"action": "notice_address", "email_for_notices": "cole.notices@example.test"},
        {"action": "newsletters"},
    ],
)
def test_another_persons_preferences_cannot_be_changed(client, world, data):
    cole = world.persons.cole
    sign_in(client, world, "respondent_owner")
    before = _person_state(cole)
    response = client.post("/my/preferences/", {"person": str(cole.uuid), **data})
    assert response.status_code == 404
    assert _person_state(cole) == before


def test_staff_with_no_register_record_have_nothing_to_set(client, world):
    sign_in(client, world, "manager")
    assert "No register record names you, so there is nothing to set here." in text(
        client.get("/my/preferences/")
    )


def test_a_resident_with_records_in_two_stratas_sets_each_on_its_own(client, world):
    olive = world.persons.olive
    elsewhere = PersonFactory(
        strata=world.other_strata, full_name="Olive Owner", email="", user=olive.user
    )
    OccupancyFactory(unit=UnitFactory(strata=world.other_strata), person=elsewhere)
    sign_in(client, world, "respondent_owner")
    page = text(client.get("/my/preferences/"))
    assert "Olive Owner, Cedar Grove" in page and "Olive Owner, Harbour View" in page
    response = client.post(
        "/my/preferences/", {"person": str(elsewhere.uuid), "action": "newsletters"}
    )
    assert response.status_code == 302
    elsewhere.refresh_from_db()
    olive.refresh_from_db()
    assert (elsewhere.newsletters, olive.newsletters) == (False, True)
