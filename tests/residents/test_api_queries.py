"""Every API list runs a fixed number of queries (docs/api.md): the count measured with 10
rows holds with 200, and no page holds more than its page size."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from campaigns.models import Announcement, Campaign, CampaignRecipient
from communications.models import EmailKind, OutboundEmail
from properties.models import Occupancy, Person, Unit
from tests.residents.conftest import sign_in
from violations.models import (
    Bylaw,
    CaseParty,
    Charge,
    DeliveryMethod,
    Evidence,
    Hearing,
    Letter,
    LetterDelivery,
    LetterKind,
    PartyRole,
    Status,
    Violation,
    ViolationCategory,
    ViolationEvent,
)

PAGE = 100


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def add_cases(world, start: int, n: int) -> None:
    """``n`` cases of unit 101 where Olive is the respondent, each with a hearing request,
    a resident-visible event and an internal one."""
    bylaw = world.cases.a.bylaws.get()
    cases = Violation.objects.bulk_create(
        Violation(
            strata=world.strata,
            unit=world.units.u101,
            reference=f"VIO-20260101-{start + i:03d}",
            status=Status.HEARING_REQUESTED,
            incident_on=dt.date(2026, 1, 1),
            description="Noise.",
        )
        for i in range(n)
    )
    Violation.bylaws.through.objects.bulk_create(
        Violation.bylaws.through(violation_id=case.pk, bylaw_id=bylaw.pk) for case in cases
    )
    parties = CaseParty.objects.bulk_create(
        CaseParty(case=case, person=world.persons.olive, role=PartyRole.RESPONDENT)
        for case in cases
    )
    Hearing.objects.bulk_create(
        Hearing(
            case_id=party.case_id,
            requested_by=party,
            requested_on=dt.date(2026, 1, 5),
            reason="In person.",
            hold_by=dt.date(2026, 2, 2),
        )
        for party in parties
    )
    ViolationEvent.objects.bulk_create(
        ViolationEvent(case=case, kind=kind, visible_to_resident=visible)
        for case in cases
        for kind, visible in (("receive_hearing_request", True), ("note", False))
    )


def add_charges(world, start: int, n: int) -> None:
    charge = world.charge
    Charge.objects.bulk_create(
        Charge(
            case=charge.case,
            decision=charge.decision,
            liable_person=world.persons.olive,
            unit=charge.unit,
            bylaw=charge.bylaw,
            amount=Decimal("50.00"),
            charged_on=dt.date(2026, 1, 1) + dt.timedelta(days=start + i),
            description="Continuing fine",
        )
        for i in range(n)
    )


def add_units(world, start: int, n: int) -> None:
    """``n`` units of Harbour View, each with an owner on the register."""
    units = Unit.objects.bulk_create(
        Unit(strata=world.strata, unit_number=f"9{start + i:03d}") for i in range(n)
    )
    persons = Person.objects.bulk_create(
        Person(strata=world.strata, full_name=f"Owner {start + i:03d}") for i in range(n)
    )
    Occupancy.objects.bulk_create(
        Occupancy(
            unit=unit, person=person, role=Occupancy.Role.OWNER, starts_on=dt.date(2020, 1, 1)
        )
        for unit, person in zip(units, persons, strict=True)
    )


def add_bylaws(world, start: int, n: int) -> list[Bylaw]:
    """``n`` active bylaws of Harbour View."""
    return Bylaw.objects.bulk_create(
        Bylaw(strata=world.strata, number=f"9.{start + i:03d}", title="Noise", text="No noise.")
        for i in range(n)
    )


def add_categories(world, start: int, n: int) -> None:
    """``n`` categories of Harbour View, each suggesting two bylaws of its own."""
    bylaws = add_bylaws(world, 1000 + 2 * start, 2 * n)
    categories = ViolationCategory.objects.bulk_create(
        ViolationCategory(strata=world.strata, name=f"Category {start + i:03d}") for i in range(n)
    )
    ViolationCategory.default_bylaws.through.objects.bulk_create(
        ViolationCategory.default_bylaws.through(
            violationcategory_id=category.pk, bylaw_id=bylaw.pk
        )
        for i, category in enumerate(categories)
        for bylaw in bylaws[2 * i : 2 * i + 2]
    )


def add_my_units(world, start: int, n: int) -> None:
    """``n`` units Olive owns, each with a tenant of her own."""
    add_units(world, start, n)
    Occupancy.objects.bulk_create(
        Occupancy(
            unit=unit,
            person=world.persons.olive,
            role=Occupancy.Role.OWNER,
            starts_on=dt.date(2020, 1, 1),
        )
        for unit in Unit.objects.filter(unit_number__startswith="9").exclude(
            occupancies__person=world.persons.olive
        )
    )


def add_tokens(world, start: int, n: int) -> None:
    ApiToken.objects.bulk_create(
        ApiToken(
            user=world.users["respondent_owner"],
            token_hash=f"{start + i:064d}",
            prefix=f"{start + i:08d}",
            name=f"Phone {start + i}",
            expires_at=timezone.now() + dt.timedelta(days=30),
        )
        for i in range(n)
    )


def add_letters(world, start: int, n: int) -> None:
    """``n`` issued letters of case A, each served on Olive by mail."""
    case, olive = world.cases.a, world.persons.olive
    party = case.parties.get(person=olive)
    letters = Letter.objects.bulk_create(
        Letter(
            case=case,
            kind=LetterKind.NOTICE,
            html="<p>Notice.</p>",
            pdf=f"letters/notice-{start + i}.pdf",
            issued_at=timezone.now(),
        )
        for i in range(n)
    )
    LetterDelivery.objects.bulk_create(
        LetterDelivery(letter=letter, party=party, person=olive, method=DeliveryMethod.MAIL)
        for letter in letters
    )


def add_evidence(world, start: int, n: int) -> None:
    """``n`` photos of case A shared with its parties."""
    Evidence.objects.bulk_create(
        Evidence(
            case=world.cases.a,
            original=f"evidence/original-{start + i}.jpg",
            resident_copy=f"evidence/copy-{start + i}.jpg",
            original_name=f"photo-{start + i}.jpg",
            size=100,
            kind="image",
            content_type="image/jpeg",
            sha256="0" * 64,
            source="staff",
            shared_with_parties=True,
        )
        for i in range(n)
    )


def add_announcements(world, start: int, n: int) -> None:
    """``n`` announcements of Harbour View shown now."""
    Announcement.objects.bulk_create(
        Announcement(
            strata=world.strata,
            title=f"Announcement {start + i:03d}",
            body_markdown="Text",
            body_html="<p>Text</p>",
            priority=("normal", "urgent")[i % 2],
            starts_at=timezone.now() - dt.timedelta(hours=1),
        )
        for i in range(n)
    )


def add_campaigns(world, start: int, n: int) -> None:
    """``n`` campaigns of Harbour View, each with a recipient sent to and one still to go."""
    campaigns = Campaign.objects.bulk_create(
        Campaign(title=f"Campaign {start + i:03d}", subject="News", body_markdown="Hello.")
        for i in range(n)
    )
    Campaign.stratas.through.objects.bulk_create(
        Campaign.stratas.through(campaign_id=campaign.pk, strata_id=world.strata.pk)
        for campaign in campaigns
    )
    emails = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            strata=world.strata,
            kind=EmailKind.CAMPAIGN,
            to_address="olive@example.test",
            from_email="news@example.test",
            subject="News",
            dedup_key=f"{campaign.key_prefix}olive@example.test",
            content_hash="0" * 64,
            status=OutboundEmail.Status.SENT,
            queued_at=timezone.now(),
            about=campaign.uuid,
        )
        for campaign in campaigns
    )
    CampaignRecipient.objects.bulk_create(
        CampaignRecipient(campaign=campaign, strata=world.strata, address=address, email=sent)
        for campaign, email in zip(campaigns, emails, strict=True)
        for address, sent in (("olive@example.test", email), ("cole@example.test", None))
    )


def case_a(rest: str):
    return lambda world: f"/api/v1/cases/{world.cases.a.uuid}/{rest}"


LISTS = [
    ("respondent_owner", "/api/v1/units/", add_my_units),
    ("respondent_owner", "/api/v1/auth/tokens/", add_tokens),
    ("respondent_owner", case_a("letters/"), add_letters),
    ("respondent_owner", case_a("evidence/"), add_evidence),
    ("respondent_owner", "/api/v1/cases/", add_cases),
    ("respondent_owner", "/api/v1/charges/", add_charges),
    ("manager", "/api/v1/staff/cases/", add_cases),
    ("manager", "/api/v1/staff/units/", add_units),
    ("manager", "/api/v1/staff/persons/", add_units),
    ("manager", "/api/v1/staff/bylaws/", add_bylaws),
    ("manager", "/api/v1/staff/categories/", add_categories),
    ("respondent_owner", "/api/v1/announcements/", add_announcements),
    ("manager", "/api/v1/staff/campaigns/", add_campaigns),
]


IDS = [add.__name__ for _a, _url, add in LISTS]


def path(url, world) -> str:
    return url(world) if callable(url) else url


@pytest.mark.parametrize(("actor", "url", "add"), LISTS, ids=IDS)
def test_a_list_runs_the_same_queries_for_10_rows_as_for_200(
    client, world, actor, url, add, django_assert_num_queries
):
    sign_in(client, world, actor)
    url = f"{path(url, world)}?page_size={PAGE}"
    add(world, 0, 10)
    client.get(url)  # the session's first use writes nothing measured below

    with CaptureQueriesContext(connection) as ten:
        small = client.get(url)
    add(world, 10, 190)
    with django_assert_num_queries(len(ten)):
        large = client.get(url)

    assert small.status_code == large.status_code == 200
    assert len(small.json()["results"]) >= 10
    assert large.json()["count"] >= 200
    assert len(large.json()["results"]) == PAGE


@pytest.mark.parametrize(("actor", "url", "add"), LISTS, ids=IDS)
def test_no_page_holds_more_than_the_largest_page_size(client, world, actor, url, add):
    sign_in(client, world, actor)
    add(world, 0, 120)

    answer = client.get(f"{path(url, world)}?page_size=500")

    assert len(answer.json()["results"]) == 100
    assert answer.json()["next"] is not None
