"""Signing in by email: the same answer whether or not the address is known, a link that
works once for the person chosen among those at the address, throttled asking, signing out,
and the password page for residents who set one."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from accounts.login_tokens import secret_hash, sign_in_link_mint
from accounts.models import AuditLog, LoginToken, User
from accounts.resident_session import RESIDENT_ONLY
from communications.models import OutboundEmail
from tests.properties.factories import PersonFactory
from tests.residents.conftest import sign_in

SENT = (
    "If that address is in our records, a sign-in link is on its way "
    "(it works once, for 15 minutes)."
)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def ask(client, address, capture):
    with capture(execute=True):
        return client.post("/my/sign-in/", {"email": address})


def emails_to(address: str):
    return OutboundEmail.objects.filter(to_address=address)


def test_the_sign_in_page_asks_for_an_email_address(client, world):
    response = client.get("/my/sign-in/")
    assert response.status_code == 200
    assert "Your email address" in text(response)
    assert 'name="email"' in response.content.decode()


def test_asking_answers_the_same_and_emails_only_a_known_address(
    client, world, django_capture_on_commit_callbacks, mailoutbox
):
    before = (OutboundEmail.objects.count(), AuditLog.objects.count(), LoginToken.objects.count())
    known = ask(client, "Olive@Example.test", django_capture_on_commit_callbacks)
    unknown = ask(client, "nobody@example.test", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    assert SENT in text(known)
    assert without_csrf(known) == without_csrf(unknown)
    email = emails_to("olive@example.test").get(template_name="properties.sign_in_link")
    assert (email.kind, email.sensitive) == ("login", True)
    assert not emails_to("nobody@example.test").exists()
    assert OutboundEmail.objects.count() == before[0] + 1
    # The service audits the link it sent; the page writes nothing of its own.
    assert AuditLog.objects.count() == before[1] + 1
    assert AuditLog.objects.filter(action="resident.sign_in_link_sent").count() == 1
    assert LoginToken.objects.count() == before[2] + 1
    # Sent at once (tasks are eager here), and its body blanked in the outbox once sent.
    assert email.body_text == ""
    (sent,) = mailoutbox
    assert sent.to == ["olive@example.test"]
    raw = re.search(r"/my/sign-in/([0-9A-Z-]+)/", sent.body).group(1)
    assert LoginToken.objects.get(token_hash=secret_hash(raw)).email == "olive@example.test"


def test_a_bad_address_is_refused_and_nothing_is_queued(
    client, world, django_capture_on_commit_callbacks
):
    before = (OutboundEmail.objects.count(), LoginToken.objects.count())
    response = ask(client, "not an address", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Enter a valid email address." in text(response)
    assert SENT not in text(response)
    assert (OutboundEmail.objects.count(), LoginToken.objects.count()) == before


def test_asking_too_often_for_one_address_from_one_client_is_throttled(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "sign_in": "2/hour",
        },
    }
    for _ in range(2):
        assert (
            ask(client, "olive@example.test", django_capture_on_commit_callbacks).status_code == 200
        )
    before = OutboundEmail.objects.count()
    limited = ask(client, "olive@example.test", django_capture_on_commit_callbacks)
    assert limited.status_code == 429
    assert "Too many sign-in links were asked for" in text(limited)
    assert SENT not in text(limited)
    assert OutboundEmail.objects.count() == before
    # A stranger's asks do not use up Olive's own: from her phone she still gets her link.
    with django_capture_on_commit_callbacks(execute=True):
        own = client.post("/my/sign-in/", {"email": "olive@example.test"}, REMOTE_ADDR="10.0.0.9")
    assert own.status_code == 200
    # An hour later the window has passed.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, seconds=1), tick=False):
        assert (
            ask(client, "olive@example.test", django_capture_on_commit_callbacks).status_code == 200
        )


def test_one_address_gets_at_most_four_allowances_from_all_clients(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "sign_in": "1/hour",
        },
    }
    answers = []
    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                client.post(
                    "/my/sign-in/", {"email": "olive@example.test"}, REMOTE_ADDR=f"10.0.0.{number}"
                ).status_code
            )

    assert answers == [200, 200, 200, 200, 429]
    assert emails_to("olive@example.test").filter(kind="login").count() == 4


def _state(raw: str) -> dict:
    return {
        "token": model_to_dict(LoginToken.objects.get(token_hash=secret_hash(raw))),
        "users": User.objects.count(),
        "sessions": Session.objects.count(),
        "audit": AuditLog.objects.count(),
    }


def test_a_sign_in_link_shows_a_confirm_page_and_a_get_changes_nothing(client, world):
    raw = sign_in_link_mint(email="olive@example.test")
    before = _state(raw)
    response = client.get(f"/my/sign-in/{raw}/")
    assert response.status_code == 200
    assert "Sign in as Olive Owner (Harbour View)." in text(response)
    assert f'value="{world.persons.olive.uuid}"' in response.content.decode()
    assert _state(raw) == before
    assert "_auth_user_id" not in client.session


def test_confirming_spends_the_link_once_and_signs_the_resident_in(client, world):
    raw = sign_in_link_mint(email="olive@example.test")
    response = client.post(f"/my/sign-in/{raw}/", {"person": str(world.persons.olive.uuid)})
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    assert int(client.session["_auth_user_id"]) == world.users["respondent_owner"].pk
    assert client.session[RESIDENT_ONLY] is True
    token = LoginToken.objects.get(token_hash=secret_hash(raw))
    assert token.used_at is not None
    signed = AuditLog.objects.get(action="resident.signed_in")
    assert (signed.actor, signed.target_uuid) == (
        world.users["respondent_owner"],
        world.persons.olive.uuid,
    )
    again = Client()
    for second in (
        again.get(f"/my/sign-in/{raw}/"),
        again.post(f"/my/sign-in/{raw}/", {"person": str(world.persons.olive.uuid)}),
    ):
        assert second.status_code == 410
        assert "This sign-in link has been used already" in text(second)
        assert 'href="/my/sign-in/"' in second.content.decode()
    assert "_auth_user_id" not in again.session
    LoginToken.objects.get(pk=token.pk, used_at=token.used_at)


def test_several_persons_at_one_address_choose_who_they_are(client, world):
    fay = PersonFactory(
        strata=world.strata,
        full_name="Fay Family",
        email="family@example.test",
        phone="604-555-0101",
    )
    finn = PersonFactory(
        strata=world.other_strata,
        full_name="Finn Family",
        email="",
        email_for_notices="family@example.test",
        email_for_notices_given_on=dt.date(2026, 1, 5),
        phone="604-555-0202",
    )
    raw = sign_in_link_mint(email="family@example.test")
    page = client.get(f"/my/sign-in/{raw}/")
    assert page.status_code == 200
    words = text(page)
    assert "Who are you?" in words
    assert "Fay Family — Harbour View" in words
    assert "Finn Family — Cedar Grove" in words
    for private in ("604-555-0101", "604-555-0202", "family@example.test", "Olive Owner"):
        assert private not in words
    before = _state(raw)
    # Olive is a person of the register, but not at this address.
    refused = client.post(f"/my/sign-in/{raw}/", {"person": str(world.persons.olive.uuid)})
    assert refused.status_code == 400
    assert "Choose one of the names listed." in text(refused)
    assert _state(raw) == before
    assert "_auth_user_id" not in client.session
    chosen = client.post(f"/my/sign-in/{raw}/", {"person": str(finn.uuid)})
    assert chosen.status_code == 302
    finn.refresh_from_db()
    fay.refresh_from_db()
    assert finn.user is not None and fay.user is None
    assert int(client.session["_auth_user_id"]) == finn.user.pk
    assert not finn.user.has_usable_password()


def test_an_expired_or_unknown_sign_in_link_is_refused(client, world):
    raw = sign_in_link_mint(email="olive@example.test")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16), tick=False):
        expired = client.post(f"/my/sign-in/{raw}/", {"person": str(world.persons.olive.uuid)})
    assert expired.status_code == 410
    assert "This sign-in link has expired: each one works for 15 minutes." in text(expired)
    assert LoginToken.objects.get(token_hash=secret_hash(raw)).used_at is None
    unknown = client.get("/my/sign-in/AAAA-BBBB-CCCC-DDDD/")
    assert unknown.status_code == 404
    assert "This sign-in link is not valid." in text(unknown)
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(client, world):
    sign_in(client, world, "respondent_owner")
    assert client.get("/my/sign-out/").status_code == 405
    response = client.post("/my/sign-out/")
    assert response.status_code == 302
    assert response["Location"] == "/my/sign-in/"
    assert "_auth_user_id" not in client.session
    assert client.get("/my/").status_code == 302


@pytest.mark.parametrize(
    "path", ["/my/", "/my/charges/", "/my/units/", "/my/preferences/", "/my/cases/{case}/"]
)
def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, world, path):
    path = path.format(case=world.cases.a.uuid)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/my/sign-in/?next={path}"


def test_the_password_page_answers_and_sends_residents_to_their_pages(client, world):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<input type="hidden" name="next" value="/my/">' in body
    assert 'href="/my/sign-in/"' in body and "Email me a sign-in link" in body
    assert 'href="/admin/login/"' in body and "Staff: sign in at the staff site" in body
    olive = world.users["respondent_owner"]
    olive.set_password("a long resident passphrase")
    olive.save()
    signed_in = client.post(
        "/accounts/login/",
        {
            "username": "olive@example.test",
            "password": "a long resident passphrase",
            "next": "/my/",
        },
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/my/"
    assert int(client.session["_auth_user_id"]) == olive.pk
