"""Where a letter on paper goes (SPA s.61(1)): to the recipient's own address — the postal
address they gave, else the unit they occupy — and never to the case's unit because they have
neither. A recipient with neither is "address needed" until someone gives one."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from communications.models import OutboundEmail
from properties.models import Occupancy
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory
from tests.violations.drive import FAST_HASHERS, T0, Driver, complaint, snapshot
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import DeliveryMethod, DeliveryStatus, Letter, LetterKind
from violations.services.serving import letter_serve

pytestmark = pytest.mark.django_db

STREET = "1 Main Street, Vancouver BC"  # the strata's address (tests.accounts.factories)
PO_BOX = "PO Box 77\nVancouver BC V6B 2A2"


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def unit_409(strata):
    return UnitFactory(strata=strata, unit_number="409", strata_lot_number=40)


def lives_in(unit, name, role=Occupancy.Role.TENANT, **person):
    return OccupancyFactory(
        unit=unit, role=role, person=PersonFactory(strata=unit.strata, full_name=name, **person)
    ).person


@pytest.fixture
def recipients(case, strata, unit_409, owner_for_notices, tenant):
    """Each kind of recipient of a letter about unit 101, none with an email for notices, and
    the address their paper copy must go to."""
    owner = owner_for_notices
    owner.email_for_notices, owner.email_for_notices_given_on = "", None
    owner.save()
    unit_202 = UnitFactory(strata=strata, unit_number="202", strata_lot_number=20)
    landlord = lives_in(unit_202, "Larry Landlord", role=Occupancy.Role.OWNER)
    Occupancy.objects.filter(person=tenant).update(landlord=landlord)
    return {
        "owner respondent": (owner, f"Unit 101, {STREET}"),
        "tenant": (tenant, f"Unit 101, {STREET}"),
        "landlord living elsewhere": (landlord, f"Unit 202, {STREET}"),
        "complainant living elsewhere": (
            lives_in(unit_409, "Cara Complainant"),
            f"Unit 409, {STREET}",
        ),
        "complainant with a postal address": (
            lives_in(unit_409, "Paul Postal", postal_address=PO_BOX),
            PO_BOX,
        ),
        "no occupancy and no address": (
            PersonFactory(strata=strata, full_name="Nell Nowhere"),
            "",
        ),
    }


@pytest.mark.parametrize("kind", LetterKind.values)
@pytest.mark.parametrize(
    "recipient",
    [
        "owner respondent",
        "tenant",
        "landlord living elsewhere",
        "complainant living elsewhere",
        "complainant with a postal address",
        "no occupancy and no address",
    ],
)
def test_paper_service_goes_to_the_recipients_own_address_never_the_cases_unit(
    case, manager, recipients, kind, recipient
):
    person, address = recipients[recipient]
    letter = Letter.objects.create(case=case, kind=kind, html="<p>A letter.</p>")

    letter_serve(letter, [(person, None)], manager, key=f"test-{kind}")

    service = letter.deliveries.get()
    assert (service.person, service.method, service.status, service.address) == (
        person,
        DeliveryMethod.MAIL,
        DeliveryStatus.PENDING,
        address,
    )
    lives_in_the_unit = person.occupancies.filter(unit=case.unit, ends_on__isnull=True).exists()
    assert lives_in_the_unit or "Unit 101" not in service.address


def test_two_complainants_in_409_are_acknowledged_at_409_not_at_the_unit_complained_of(
    strata, manager, noise_bylaw, unit_409
):
    unit_305 = UnitFactory(strata=strata, unit_number="305", strata_lot_number=30)
    lives_in(unit_305, "Rita Respondent", role=Occupancy.Role.OWNER)
    first = lives_in(unit_409, "Cara Complainant")
    second = lives_in(unit_409, "Carl Complainant")

    case = services.violation_report(
        actor=manager,
        unit=unit_305,
        bylaws=[noise_bylaw],
        incident_on=dt.date(2026, 11, 20),
        description="Loud music from 305.",
        complaint={**complaint(), "complainant": first, "complainant_name": ""},
    )
    services.violation_add_complaint(
        case=case,
        actor=manager,
        complaint={**complaint(), "complainant": second, "complainant_name": ""},
    )

    acknowledgements = case.letters.filter(kind=LetterKind.COMPLAINANT_ACKNOWLEDGEMENT)
    assert sorted(
        (s.person.full_name, s.method, s.address)
        for letter in acknowledgements
        for s in letter.deliveries.all()
    ) == [
        ("Cara Complainant", "mail", f"Unit 409, {STREET}"),
        ("Carl Complainant", "mail", f"Unit 409, {STREET}"),
    ]


def test_an_undelivered_email_becomes_paper_at_the_recipients_own_address(
    strata, manager, noise_bylaw, unit_409, case
):
    cara = lives_in(
        unit_409,
        "Cara Complainant",
        email_for_notices="cara@example.test",
        email_for_notices_given_on=dt.date(2025, 1, 1),
    )
    reported = services.violation_report(
        actor=manager,
        unit=case.unit,
        bylaws=[noise_bylaw],
        incident_on=dt.date(2026, 11, 20),
        description="Music again.",
        complaint={**complaint(), "complainant": cara, "complainant_name": ""},
    )
    OutboundEmail.objects.filter(about=reported.uuid).update(status=OutboundEmail.Status.FAILED)

    assert services.violation_services_check() == 1

    paper = reported.letters.get().deliveries.get(method=DeliveryMethod.MAIL)
    assert (paper.status, paper.address) == (DeliveryStatus.PENDING, f"Unit 409, {STREET}")


# --- address needed ------------------------------------------------------------------------


@pytest.fixture
def nowhere_landlord(case, tenant, manager, council_member):
    """Terry's landlord, with no unit and no address on the register, served the notice."""
    larry = PersonFactory(strata=case.strata, full_name="Larry Landlord")
    Occupancy.objects.filter(person=tenant).update(landlord=larry)
    Driver(actor=manager, council=[council_member]).to(
        case, "notice_sent", respondent_role="tenant", respondent=tenant
    )
    return case.letters.get(kind="notice").deliveries.get(person=larry)


def test_an_address_needed_service_cannot_be_recorded_as_mailed_until_an_address_is_given(
    case, manager, nowhere_landlord
):
    assert nowhere_landlord.address == ""
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_service(
            service=nowhere_landlord, actor=manager, method="mail", on_date=dt.date(2026, 11, 25)
        )

    assert refused.value.messages == [
        "There is no address to mail Larry Landlord's letter to (address needed). Give the "
        "address it was mailed to, or add the person's postal address to the register first."
    ]
    assert snapshot(case) == before
    nowhere_landlord.refresh_from_db()
    assert (nowhere_landlord.status, nowhere_landlord.address) == (DeliveryStatus.PENDING, "")

    services.violation_record_service(
        service=nowhere_landlord,
        actor=manager,
        method="mail",
        on_date=dt.date(2026, 11, 25),
        address="12 Elm Street\nBurnaby BC V5H 1A1",
    )

    nowhere_landlord.refresh_from_db()
    assert (
        nowhere_landlord.status,
        nowhere_landlord.address,
        nowhere_landlord.deemed_given_on,
    ) == (DeliveryStatus.SENT, "12 Elm Street\nBurnaby BC V5H 1A1", dt.date(2026, 11, 29))


def test_the_print_queue_shows_address_needed_and_refuses_to_record_it_as_mailed(
    client, case, manager, nowhere_landlord
):
    client.force_login(manager)
    queue = reverse("admin:violations_letterdelivery_changelist")

    page = client.get(queue)

    assert nowhere_landlord.pk in [s.pk for s in page.context["cl"].result_list]
    row = next(line for line in page.text.split("<tr") if "Larry Landlord" in line)
    assert "address needed" in row
    assert "Unit 101" not in row

    response = client.post(
        queue,
        {"action": "record_as_mailed", "_selected_action": [nowhere_landlord.pk], "index": 0},
    )
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        f"{case.reference}, Larry Landlord: not recorded. There is no address to mail Larry "
        "Landlord's letter to (address needed). Give the address it was mailed to, or add the "
        "person's postal address to the register first."
    ]
    nowhere_landlord.refresh_from_db()
    assert nowhere_landlord.status == DeliveryStatus.PENDING


def test_the_send_page_plans_address_needed_for_a_party_with_no_address(
    client, case, manager, tenant
):
    larry = PersonFactory(strata=case.strata, full_name="Larry Landlord")
    Occupancy.objects.filter(person=tenant).update(landlord=larry)
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="tenant", respondent=tenant
    )
    client.force_login(manager)

    page = client.get(
        reverse("admin:violations_violation_transition", args=[case.pk, "send_notice"])
    )

    plan = {row["party"].person.full_name: row["address"] for row in page.context["serve_plan"]}
    assert plan == {
        "Larry Landlord": "",
        "Olive Owner": "olive.notices@example.test",
        "Terry Tenant": f"Unit 101, {STREET}",
    }
    assert "address needed" in page.text
