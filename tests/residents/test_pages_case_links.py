"""Personal case links (``/r/<token>/``): a GET shows what the link opens and changes
nothing; confirming signs the person in for their own cases only; a refused link says what
to do next, and an expired one sends a fresh link to the person's own address."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.login_tokens import case_links_revoke, secret_hash
from accounts.models import AuditLog, LoginToken, User
from accounts.resident_session import RESIDENT_ONLY
from communications.models import OutboundEmail
from tests.residents.conftest import sign_in
from violations.services import violation_withdraw
from violations.services.case_links import REFUSALS, case_link_make

UNKNOWN = "AAAA-BBBB-CCCC-DDDD"


def text(response) -> str:
    """The page as a reader sees its words: entities decoded, white space collapsed."""
    return " ".join(html.unescape(response.content.decode()).split())


def state(raw: str) -> dict:
    token = LoginToken.objects.filter(token_hash=secret_hash(raw)).first()
    return {
        "token": model_to_dict(token) if token else None,
        "users": User.objects.count(),
        "sessions": Session.objects.count(),
        "audit": AuditLog.objects.count(),
        "emails": OutboundEmail.objects.count(),
    }


@pytest.fixture
def link_a(world):
    return case_link_make(world.cases.a, world.persons.olive)


def test_opening_a_link_shows_the_case_and_changes_nothing(client, world, link_a):
    before = state(link_a)
    response = client.get(f"/r/{link_a}/")
    assert response.status_code == 200
    page = text(response)
    assert "This link opens case VIO-20261101-101 of Harbour View." in page
    assert "Continue to your case" in page
    assert state(link_a) == before
    assert before["token"]["used_at"] is None
    assert "sessionid" not in response.cookies
    assert "_auth_user_id" not in client.session


def test_confirming_signs_the_person_in_for_residents_only_and_opens_the_case(
    client, world, link_a
):
    before = state(link_a)
    response = client.post(f"/r/{link_a}/")
    assert response.status_code == 302
    assert response["Location"] == f"/my/cases/{world.cases.a.uuid}/"
    assert int(client.session["_auth_user_id"]) == world.users["respondent_owner"].pk
    assert client.session[RESIDENT_ONLY] is True
    used = AuditLog.objects.get(action="resident.case_link_used")
    assert (used.actor, used.target_uuid) == (world.users["respondent_owner"], world.cases.a.uuid)
    assert AuditLog.objects.count() == before["audit"] + 1
    # A case link is reusable until it expires: confirming does not spend it.
    assert state(link_a)["token"] == before["token"]
    page = client.get(f"/my/cases/{world.cases.a.uuid}/")
    assert page.status_code == 200
    assert "Case VIO-20261101-101" in text(page)


def test_a_link_for_case_a_opens_nothing_of_another_persons_case(client, world, link_a):
    client.post(f"/r/{link_a}/")
    for case in (world.cases.t, world.cases.o):
        response = client.get(f"/my/cases/{case.uuid}/")
        assert response.status_code == 404
        assert case.reference not in response.content.decode()
    assert client.get(f"/my/cases/{world.cases.t.uuid}/respond/").status_code == 404


def test_a_staff_member_following_a_link_gets_a_resident_only_session(client, world, link_a):
    sign_in(client, world, "manager")
    assert client.get("/admin/").status_code == 200
    response = client.post(f"/r/{link_a}/")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.users["respondent_owner"].pk
    assert client.session[RESIDENT_ONLY] is True
    admin = client.get("/admin/")
    assert admin.status_code == 302
    assert admin["Location"].startswith("/admin/login/")


def test_an_expired_link_offers_a_fresh_one_and_changes_nothing(client, world, link_a):
    with time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False):
        before = state(link_a)
        response = client.get(f"/r/{link_a}/")
        assert response.status_code == 410
        page = text(response)
        assert str(REFUSALS["expired"]) in page
        assert "Email me a fresh link" in page
        assert f'action="/r/{link_a}/fresh/"' in response.content.decode()
        refused = client.post(f"/r/{link_a}/")
        assert refused.status_code == 410
        assert state(link_a) == before
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (lambda world: case_links_revoke(case_uuid=world.cases.a.uuid), "revoked"),
        (
            lambda world: violation_withdraw(
                case=world.cases.a, actor=world.users["manager"], reason="Resolved."
            ),
            "closed",
        ),
    ],
)
def test_a_revoked_link_or_one_of_a_closed_case_is_refused_with_a_way_to_sign_in(
    client, world, link_a, spoil, problem
):
    spoil(world)
    before = state(link_a)
    for response in (client.get(f"/r/{link_a}/"), client.post(f"/r/{link_a}/")):
        assert response.status_code == 410
        page = text(response)
        assert str(REFUSALS[problem]) in page
        assert 'href="/my/sign-in/"' in response.content.decode()
        assert "Email me a fresh link" not in page
    assert state(link_a) == before
    assert "_auth_user_id" not in client.session


def test_an_unknown_link_is_not_found_with_a_way_to_sign_in(client, world):
    response = client.get(f"/r/{UNKNOWN}/")
    assert response.status_code == 404
    assert str(REFUSALS["unknown"]) in text(response)
    assert 'href="/my/sign-in/"' in response.content.decode()


def test_a_fresh_link_goes_to_the_persons_own_address_once(client, world, link_a):
    with time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False):
        before = OutboundEmail.objects.count()
        response = client.post(f"/r/{link_a}/fresh/")
        assert response.status_code == 200
        assert (
            "If this link was yours, a fresh one is on its way to the address we have for you."
            in text(response)
        )
        email = OutboundEmail.objects.exclude(pk__in=_earlier(before)).get()
        assert (email.kind, email.to_address, email.sensitive) == (
            "login",
            "olive@example.test",
            True,
        )
        fresh = re.search(r"/r/([0-9A-Z-]+)/", email.body_text).group(1)
        assert fresh != link_a
        assert client.get(f"/r/{fresh}/").status_code == 200
        unknown = client.post(f"/r/{UNKNOWN}/fresh/")
        assert OutboundEmail.objects.count() == before + 1
    assert unknown.status_code == 200
    assert unknown.content == response.content


def test_a_fresh_link_is_not_sent_for_a_link_that_has_not_expired(client, world, link_a):
    before = OutboundEmail.objects.count()
    response = client.post(f"/r/{link_a}/fresh/")
    assert response.status_code == 200
    assert OutboundEmail.objects.count() == before


def test_a_fresh_link_answers_post_only(client, world, link_a):
    assert client.get(f"/r/{link_a}/fresh/").status_code == 405


def _earlier(count: int):
    return OutboundEmail.objects.order_by("pk").values_list("pk", flat=True)[:count]


def test_the_code_typed_at_r_moves_to_its_link_page_and_changes_nothing(client, world):
    page = client.get("/r/")
    assert page.status_code == 200
    assert 'name="code"' in page.text

    moved = client.get("/r/", {"code": " abcd-efgh-jkmn-pqrs "})

    assert moved.status_code == 302
    assert moved["Location"] == "/r/ABCD-EFGH-JKMN-PQRS/"
    assert "_auth_user_id" not in client.session


def test_fresh_links_are_limited_per_link(client, world, link_a, settings):
    from communications.models import OutboundEmail

    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sign_in"].split("/")[0])
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        answers = [client.post(f"/r/{link_a}/fresh/").status_code for _ in range(limit + 1)]

    assert answers == [200] * limit + [429]
    assert OutboundEmail.objects.filter(kind="login").count() == limit


def test_a_respelled_link_is_the_same_link_for_the_fresh_link_limit(
    client, world, link_a, settings
):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sign_in"].split("/")[0])
    spellings = [link_a, link_a.replace("-", ""), link_a.lower(), f"{link_a}-", link_a + "."]
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        answers = [
            client.post(f"/r/{spelling}/fresh/").status_code
            for spelling in (spellings * 2)[: limit + 1]
        ]

    assert answers[-1] == 429
    assert OutboundEmail.objects.filter(kind="login").count() <= limit


def test_the_audit_names_which_link_was_used(client, world, link_a):
    client.post(f"/r/{link_a}/")

    used = AuditLog.objects.get(action="resident.case_link_used")
    token = LoginToken.objects.get(token_hash=secret_hash(link_a))
    assert used.changes == {"person": str(world.persons.olive.uuid), "link": str(token.uuid)}
