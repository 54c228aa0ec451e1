"""How a letter was served on paper (SPA s.61(1)), who did it and when, and the date the Act
deems it given (s.61(3))."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from properties.models import Occupancy
from tests.properties.factories import PersonFactory
from tests.violations.drive import FAST_HASHERS, T0, Driver, snapshot
from violations import services
from violations.domain import rule_pack
from violations.domain.workflow import TransitionRefused
from violations.models import DeliveryMethod, DeliveryStatus

pytestmark = pytest.mark.django_db

NOV_25 = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def terrys_copy(case, tenant, manager, council_member):
    """The notice, sent: Terry (no email for notices, living in unit 101) waits on paper."""
    Driver(actor=manager, council=[council_member]).to(
        case, "notice_sent", respondent_role="tenant", respondent=tenant
    )
    return case.letters.get(kind="notice").deliveries.get(person=tenant)


# SPA s.61(3): everything but leaving it with the person is deemed given 4 days later.
DEEMED = {
    "hand_person": NOV_25,
    "adult_occupant": dt.date(2026, 11, 29),
    "under_door": dt.date(2026, 11, 29),
    "mail_slot": dt.date(2026, 11, 29),
    "mail": dt.date(2026, 11, 29),
}


def test_the_act_deems_each_method_given_on_its_own_date():
    assert {m: rule_pack.deemed_given_on(m, NOV_25) for m in DeliveryMethod.values} == {
        **DEEMED,
        "email": dt.date(2026, 11, 29),
    }


@pytest.mark.parametrize("method", sorted(DEEMED))
def test_recording_a_paper_service_keeps_the_method_who_when_and_the_deemed_date(
    case, manager, terrys_copy, method
):
    services.violation_record_service(
        service=terrys_copy,
        actor=manager,
        method=method,
        on_date=NOV_25,
        delivered_by="Carl Caretaker",
    )

    terrys_copy.refresh_from_db()
    assert (
        terrys_copy.method,
        terrys_copy.status,
        terrys_copy.deemed_given_on,
        terrys_copy.delivered_by,
        terrys_copy.recorded_by,
        terrys_copy.recorded_at,
        terrys_copy.address,
    ) == (
        method,
        DeliveryStatus.SENT,
        DEEMED[method],
        "Carl Caretaker",
        manager,
        T0,
        "Unit 101, 1 Main Street, Vancouver BC",
    )
    event = case.events.get(kind="record_service")
    assert {k: event.data[k] for k in ("method", "on", "deemed_given_on", "delivered_by")} == {
        "method": method,
        "on": "2026-11-25",
        "deemed_given_on": DEEMED[method].isoformat(),
        "delivered_by": "Carl Caretaker",
    }


def test_who_delivered_it_defaults_to_the_person_recording(manager, terrys_copy):
    services.violation_record_service(
        service=terrys_copy, actor=manager, method="under_door", on_date=NOV_25
    )
    terrys_copy.refresh_from_db()
    assert terrys_copy.delivered_by == manager.full_name


@pytest.mark.parametrize("method", ["adult_occupant", "under_door", "mail_slot"])
def test_a_person_who_gave_an_address_is_not_served_at_the_strata_lot(
    case, manager, tenant, terrys_copy, method
):
    tenant.postal_address = "PO Box 9\nVancouver BC V6B 3A3"
    tenant.save()
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_service(
            service=terrys_copy, actor=manager, method=method, on_date=NOV_25
        )

    assert refused.value.messages == [
        "Terry Tenant gave an address for notices (SPA s.61(1)(a)): serve them by handing it "
        "to them or by mail to that address."
    ]
    assert snapshot(case) == before


def test_a_person_with_no_strata_lot_cannot_be_served_under_its_door(case, manager, tenant):
    larry = PersonFactory(strata=case.strata, full_name="Larry Landlord")
    Occupancy.objects.filter(person=tenant).update(landlord=larry)
    Driver(actor=manager).to(case, "notice_sent", respondent_role="tenant", respondent=tenant)
    larrys_copy = case.letters.get(kind="notice").deliveries.get(person=larry)
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_service(
            service=larrys_copy, actor=manager, method="under_door", on_date=NOV_25
        )

    assert refused.value.messages == [
        "Larry Landlord has no strata lot on the register to leave it at: hand it to them, or "
        "mail it."
    ]
    assert snapshot(case) == before


def test_email_is_not_a_way_to_record_paper_service(case, manager, terrys_copy):
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_service(
            service=terrys_copy, actor=manager, method="email", on_date=NOV_25
        )
    assert refused.value.messages == [
        "Record how the letter was served on paper: handed to the person, left with an adult "
        "occupant, put under the door, put through the mail slot or in the mailbox, or mailed."
    ]
    assert snapshot(case) == before


def test_the_record_service_form_offers_every_paper_method_of_section_61(
    client, case, manager, terrys_copy
):
    client.force_login(manager)
    url = reverse("admin:violations_violation_transition", args=[case.pk, "record_service"])

    page = client.get(url)

    assert [value for value, _label in page.context["form"].fields["method"].choices] == [
        "hand_person",
        "adult_occupant",
        "under_door",
        "mail_slot",
        "mail",
    ]
    assert "record it as mailed" not in page.text.lower()

    response = client.post(
        url,
        {
            "service": terrys_copy.pk,
            "method": "mail_slot",
            "on_date": "2026-11-25",
            "delivered_by": "Carl Caretaker",
            "address": "",
        },
    )

    assert response.status_code == 302
    terrys_copy.refresh_from_db()
    assert (terrys_copy.method, terrys_copy.deemed_given_on, terrys_copy.delivered_by) == (
        "mail_slot",
        dt.date(2026, 11, 29),
        "Carl Caretaker",
    )


def test_the_case_page_shows_how_who_and_when(client, case, manager, terrys_copy):
    services.violation_record_service(
        service=terrys_copy,
        actor=manager,
        method="adult_occupant",
        on_date=NOV_25,
        delivered_by="Carl Caretaker",
    )
    client.force_login(manager)

    page = client.get(reverse("admin:violations_violation_change", args=[case.pk]))

    row = next(line for line in page.text.split("<tr") if "Left with an adult occupant" in line)
    assert "Carl Caretaker" in row
