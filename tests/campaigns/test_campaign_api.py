"""The announcement and campaign endpoints (docs/api.md): the announcements shown now in the
caller's own stratas, and a manager's campaigns with their progress, counted from the outbox
as ``campaign_progress`` counts it."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.login_tokens import api_token_create
from campaigns.models import Campaign, CampaignRecipient
from campaigns.selectors import campaign_progress
from campaigns.services import announcement_save
from communications.models import EmailKind, OutboundEmail
from tests.accounts.factories import UserFactory
from tests.communications.factories import OutboundEmailFactory
from tests.properties.factories import OccupancyFactory, PersonFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
ANNOUNCEMENTS = "/api/v1/announcements/"
CAMPAIGNS = "/api/v1/staff/campaigns/"


def post(actor, strata, title, *, priority="normal", starts=-HOUR, ends=None, body=None):
    now = timezone.now()
    return announcement_save(
        actor=actor,
        strata=strata,
        title=title,
        body_markdown=body or f"{title}.",
        priority=priority,
        starts_at=now + starts,
        ends_at=None if ends is None else now + ends,
    )


def resident_token(unit, email: str) -> dict:
    """A resident-only bearer token of a person of the unit's strata."""
    person = PersonFactory(strata=unit.strata, email=email)
    OccupancyFactory(unit=unit, person=person)
    person.user = UserFactory(email=email)
    person.save()
    _token, raw = api_token_create(user=person.user, name="phone", resident_only=True)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


# --- announcements --------------------------------------------------------------------------


@pytest.fixture
def posted(strata, other_strata, manager, other_manager):
    post(manager, strata, "Pool closed", priority="normal")
    post(manager, strata, "Fire alarm test", priority="urgent", starts=-2 * HOUR)
    post(manager, strata, "Not yet", starts=HOUR)
    post(manager, strata, "Over", starts=-3 * HOUR, ends=-HOUR)
    post(other_manager, other_strata, "Cedar Grove news")


def test_a_resident_gets_their_stratas_current_announcements_most_urgent_first(
    client, posted, unit
):
    response = client.get(ANNOUNCEMENTS, **resident_token(unit, "olive@example.test"))

    assert titles(response) == ["Fire alarm test", "Pool closed"]
    first = response.json()["results"][0]
    assert set(first) == {
        "uuid",
        "strata",
        "title",
        "body_html",
        "priority",
        "starts_at",
        "ends_at",
    }
    assert (first["strata"]["name"], first["priority"]) == ("Harbour View", "urgent")


def test_a_resident_of_another_strata_gets_only_theirs(client, posted, other_unit):
    response = client.get(ANNOUNCEMENTS, **resident_token(other_unit, "oscar@example.test"))

    assert titles(response) == ["Cedar Grove news"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("manager", ["Fire alarm test", "Pool closed"]),
        ("caretaker", ["Fire alarm test", "Pool closed"]),
        ("other_manager", ["Cedar Grove news"]),
        ("superuser", ["Fire alarm test", "Cedar Grove news", "Pool closed"]),
    ],
)
def test_staff_get_their_stratas_current_announcements(request, client, posted, who, expected):
    client.force_login(request.getfixturevalue(who))

    assert titles(client.get(ANNOUNCEMENTS)) == expected


def test_a_staff_members_resident_only_token_gets_only_their_home_stratas(client, posted, manager):
    _token, raw = api_token_create(user=manager, name="phone", resident_only=True)

    response = client.get(ANNOUNCEMENTS, HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert titles(response) == []


def test_the_body_is_the_sanitised_html(client, strata, manager, unit):
    post(
        manager,
        strata,
        "Water",
        body="**Off** Thursday <script>alert(1)</script> [x](javascript:alert(1))",
    )

    response = client.get(ANNOUNCEMENTS, **resident_token(unit, "olive@example.test"))

    body = response.json()["results"][0]["body_html"]
    assert "<strong>Off</strong>" in body
    assert "<script" not in body
    assert 'href="javascript' not in body


def test_announcements_need_a_sign_in(client, posted):
    assert client.get(ANNOUNCEMENTS).status_code == 401


# --- campaigns ------------------------------------------------------------------------------


def campaign_of(stratas, title: str, statuses: dict[str, int] | None = None) -> Campaign:
    """A sending campaign to ``stratas`` with one recipient per outbox row of ``statuses``
    and ``remaining`` recipients not yet queued."""
    statuses = dict(statuses or {})
    remaining = statuses.pop("remaining", 0)
    campaign = Campaign.objects.create(
        title=title,
        subject=title,
        body_markdown="Hello.",
        status=Campaign.Status.SENDING,
        started_at=timezone.now(),
    )
    campaign.stratas.set(stratas)
    n = 0
    for status, count in {**statuses, None: remaining}.items():
        for _ in range(count):
            n += 1
            address = f"{campaign.uuid.hex[:8]}-{n}@example.test"
            email = None
            if status is not None:
                email = OutboundEmailFactory(
                    strata=stratas[0],
                    kind=EmailKind.CAMPAIGN,
                    to_address=address,
                    about=campaign.uuid,
                    status=status,
                    dedup_key=campaign.key_prefix + address,
                )
            CampaignRecipient.objects.create(
                campaign=campaign, strata=stratas[0], address=address, email=email
            )
    return campaign


MIXED = {"sent": 3, "failed": 1, "unknown": 1, "suppressed": 1, "cancelled": 1, "remaining": 2}


def test_a_manager_lists_their_campaigns_with_progress(
    client, strata, other_strata, manager, other_manager
):
    own = campaign_of([strata], "Own newsletter", MIXED)
    campaign_of([other_strata], "Other newsletter", {"sent": 1})
    campaign_of([strata, other_strata], "Both stratas", {"sent": 1})
    client.force_login(manager)

    response = client.get(CAMPAIGNS)

    assert titles(response) == ["Own newsletter"]
    row = response.json()["results"][0]
    assert row["uuid"] == str(own.uuid)
    assert row["stratas"] == [{"uuid": str(strata.uuid), "name": "Harbour View"}]
    assert (row["kind"], row["status"]) == ("newsletter", "sending")
    assert row["progress"] == campaign_progress(own).as_dict()
    assert row["progress"] == {
        "total": 9,
        "sent": 3,
        "failed": 2,
        "suppressed": 1,
        "cancelled": 1,
        "remaining": 2,
        "done": 7,
        "percent": 77,
    }


def test_a_campaign_to_two_stratas_is_seen_only_by_who_sends_for_both(
    client, strata, other_strata, manager, other_manager, superuser
):
    campaign_of([strata, other_strata], "Both stratas")
    seen = {}
    for user in (manager, other_manager, superuser):
        client.force_login(user)
        seen[user.email] = titles(client.get(CAMPAIGNS))

    assert seen == {
        manager.email: [],
        other_manager.email: [],
        superuser.email: ["Both stratas"],
    }


def test_the_detail_shows_the_progress(client, strata, manager):
    campaign = campaign_of([strata], "Own newsletter", MIXED)
    OutboundEmail.objects.filter(about=campaign.uuid, status="failed").update(status="sent")
    client.force_login(manager)

    response = client.get(f"{CAMPAIGNS}{campaign.uuid}/")

    assert response.status_code == 200
    assert response.json()["progress"] == campaign_progress(campaign).as_dict()
    assert response.json()["progress"]["sent"] == 4


@pytest.mark.parametrize(("who", "status"), [("other_manager", 404), ("council_member", 404)])
def test_another_strata_or_a_council_member_gets_no_campaign(request, client, strata, who, status):
    campaign = campaign_of([strata], "Own newsletter", {"sent": 1})
    client.force_login(request.getfixturevalue(who))

    assert client.get(f"{CAMPAIGNS}{campaign.uuid}/").status_code == status
    assert titles(client.get(CAMPAIGNS)) == []


def test_a_resident_cannot_read_campaigns(client, strata, unit):
    campaign = campaign_of([strata], "Own newsletter", {"sent": 1})
    headers = resident_token(unit, "olive@example.test")

    assert client.get(CAMPAIGNS, **headers).status_code == 403
    assert client.get(f"{CAMPAIGNS}{campaign.uuid}/", **headers).status_code == 403
