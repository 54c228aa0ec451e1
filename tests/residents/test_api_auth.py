"""Signing in to the REST API (docs/api.md): bearer tokens made from a session or a password,
stored only as hashes, listed without their secret, revoked; resident-only sign-ins kept off
the staff endpoints; the sign-in link asked for by email; the one error shape."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from accounts.login_tokens import api_token_create
from accounts.models import ApiToken
from accounts.resident_session import RESIDENT_ONLY
from communications.models import OutboundEmail
from tests.residents.conftest import sign_in

TOKENS = "/api/v1/auth/tokens/"
PASSWORD = "correct horse battery staple"
ERROR_KEYS = {"detail", "code", "fields"}


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def stored_anywhere(secret: str) -> list[str]:
    """The tables holding ``secret`` in any column."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the schema)
            if any(secret in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found


# --- making a token ------------------------------------------------------------------------


def test_a_resident_session_makes_a_resident_only_token_shown_once_and_stored_hashed(client, world):
    sign_in(client, world, "respondent_owner")

    answer = client.post(TOKENS, {"name": "Olive's phone"}, content_type="application/json")

    assert answer.status_code == 201
    token = ApiToken.objects.get()
    raw = answer.json()["token"]
    assert answer.json() == {
        "token": raw,
        "uuid": str(token.uuid),
        "name": "Olive's phone",
        "expires_at": token.expires_at.isoformat().replace("+00:00", "Z"),
        "resident_only": True,
    }
    assert (token.user, token.resident_only) == (world.users["respondent_owner"], True)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith("st_") and token.prefix == raw[3:11]
    assert stored_anywhere(raw) == []
    assert stored_anywhere(token.token_hash) == [ApiToken._meta.db_table]
    me = Client().get("/api/v1/me/", **bearer(raw))
    assert (me.status_code, me.json()["email"]) == (200, "olive@example.test")


def test_a_staff_password_makes_a_staff_token_that_reaches_the_staff_endpoints(world):
    answer = Client().post(
        TOKENS,
        {"email": "manager@example.test", "password": PASSWORD, "name": "Integration"},
        content_type="application/json",
    )

    assert answer.status_code == 201
    assert answer.json()["resident_only"] is False
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (world.users["manager"], "Integration")
    cases = Client().get("/api/v1/staff/cases/", **bearer(answer.json()["token"]))
    assert cases.status_code == 200


def test_a_staff_account_signed_in_by_a_resident_link_makes_a_resident_only_token(client, world):
    manager = world.users["manager"]
    client.force_login(manager)
    session = client.session
    session[RESIDENT_ONLY] = True
    session.save()

    answer = client.post(TOKENS, {}, content_type="application/json")

    assert (answer.status_code, answer.json()["resident_only"]) == (201, True)
    refused = Client().get("/api/v1/staff/cases/", **bearer(answer.json()["token"]))
    assert refused.status_code == 403


def test_a_wrong_password_answers_400_in_the_error_shape_and_makes_no_token(world):
    answer = Client().post(
        TOKENS,
        {"email": "manager@example.test", "password": "wrong"},
        content_type="application/json",
    )

    assert answer.status_code == 400
    message = "That email and password do not match an account."
    assert answer.json() == {
        "detail": message,
        "code": "invalid_credentials",
        "fields": {"non_field_errors": [message]},
    }
    assert not ApiToken.objects.exists()


def test_a_resident_without_a_password_gets_no_token_by_password(world):
    answer = Client().post(
        TOKENS,
        {"email": "olive@example.test", "password": ""},
        content_type="application/json",
    )

    assert answer.status_code == 400
    assert answer.json()["fields"] == {"password": ["This field may not be blank."]}
    assert not ApiToken.objects.exists()


def test_a_locked_out_address_answers_429_in_the_error_shape_even_with_the_right_password(
    world, monkeypatch
):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "sign_in", "1000/min")
    client = Client()
    failures = [
        client.post(
            TOKENS,
            {"email": "manager@example.test", "password": "wrong"},
            content_type="application/json",
        )
        for _attempt in range(settings.AXES_FAILURE_LIMIT)
    ]

    answer = client.post(
        TOKENS,
        {"email": "manager@example.test", "password": PASSWORD},
        content_type="application/json",
    )

    limit = settings.AXES_FAILURE_LIMIT
    assert [f.status_code for f in failures] == [400] * (limit - 1) + [429]
    assert answer.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert answer.json() == {
        "detail": f"Too many failed sign-ins: try again in {minutes} minutes.",
        "code": "locked_out",
        "fields": {},
    }
    assert not ApiToken.objects.exists()


def test_half_the_credentials_are_refused(world):
    answer = Client().post(
        TOKENS, {"email": "manager@example.test"}, content_type="application/json"
    )

    message = "Give both an email and a password, or neither to use the current sign-in."
    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": message, "code": "invalid", "fields": {"non_field_errors": [message]}},
    )
    assert not ApiToken.objects.exists()


def test_anonymous_without_credentials_answers_401_in_the_error_shape(world):
    answer = Client().post(TOKENS, {}, content_type="application/json")

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Bearer"
    assert answer.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }
    assert not ApiToken.objects.exists()


def test_a_session_post_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world, "respondent_owner")

    answer = client.post(TOKENS, {}, content_type="application/json")

    assert answer.status_code == 403
    assert set(answer.json()) == ERROR_KEYS
    assert answer.json()["code"] == "permission_denied"
    assert answer.json()["detail"].startswith("CSRF Failed")
    assert not ApiToken.objects.exists()


def test_making_tokens_is_throttled_in_the_error_shape(world):
    client = Client()
    sign_in(client, world, "respondent_owner")
    answers = [client.post(TOKENS, {}, content_type="application/json") for _ in range(6)]

    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert set(answers[-1].json()) == ERROR_KEYS
    assert answers[-1].json()["code"] == "throttled"
    assert ApiToken.objects.count() == 5


# --- listing and revoking ------------------------------------------------------------------


def test_my_tokens_are_listed_by_prefix_never_by_secret(world):
    olive, cole = world.users["respondent_owner"], world.users["co_owner"]
    phone, raw = api_token_create(user=olive, name="Phone", resident_only=True)
    old, _raw = api_token_create(user=olive, name="Old", resident_only=True)
    old.revoked_at = timezone.now()
    old.save()
    api_token_create(user=cole, name="Cole's", resident_only=True)

    answer = Client().get(TOKENS, **bearer(raw))

    phone.refresh_from_db()
    assert answer.status_code == 200
    assert answer.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "uuid": str(phone.uuid),
                "name": "Phone",
                "prefix": phone.prefix,
                "resident_only": True,
                "created_at": phone.created_at.isoformat().replace("+00:00", "Z"),
                "last_used_at": phone.last_used_at.isoformat().replace("+00:00", "Z"),
                "expires_at": phone.expires_at.isoformat().replace("+00:00", "Z"),
            }
        ],
    }
    assert raw not in answer.content.decode()
    assert phone.token_hash not in answer.content.decode()


def test_a_revoked_token_opens_nothing(world):
    token, raw = api_token_create(user=world.users["respondent_owner"], name="", resident_only=True)

    revoked = Client().delete(f"{TOKENS}{token.uuid}/", **bearer(raw))
    after = Client().get("/api/v1/cases/", **bearer(raw))

    assert revoked.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert after.status_code == 401
    assert after.json() == {
        "detail": "The token is not valid, expired or revoked.",
        "code": "authentication_failed",
        "fields": {},
    }


def test_an_expired_token_opens_nothing(world):
    _token, raw = api_token_create(
        user=world.users["respondent_owner"], name="", resident_only=True
    )

    later = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        answer = Client().get("/api/v1/cases/", **bearer(raw))

    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"


def test_another_users_token_cannot_be_revoked_and_looks_like_none(world):
    _mine, raw = api_token_create(user=world.users["respondent_owner"], name="", resident_only=True)
    coles, _raw = api_token_create(user=world.users["co_owner"], name="", resident_only=True)

    answer = Client().delete(f"{TOKENS}{coles.uuid}/", **bearer(raw))

    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found.", "code": "not_found", "fields": {}}
    coles.refresh_from_db()
    assert coles.revoked_at is None


# --- resident-only sign-ins and the staff endpoints ----------------------------------------

STAFF_ENDPOINTS = ["/api/v1/staff/cases/", "/api/v1/staff/units/", "/api/v1/staff/persons/"]
STAFF_REFUSAL = {
    "detail": "This needs a current staff role in a strata, signed in as staff.",
    "code": "permission_denied",
    "fields": {},
}


@pytest.mark.parametrize("url", STAFF_ENDPOINTS)
def test_a_resident_only_token_of_a_manager_is_refused_by_staff_endpoints(world, url):
    _token, raw = api_token_create(user=world.users["manager"], name="", resident_only=True)
    _token, staff_raw = api_token_create(user=world.users["manager"], name="", resident_only=False)

    refused = Client().get(url, **bearer(raw))
    allowed = Client().get(url, **bearer(staff_raw))

    assert (refused.status_code, refused.json()) == (403, STAFF_REFUSAL)
    assert allowed.status_code == 200


@pytest.mark.parametrize("url", STAFF_ENDPOINTS)
def test_a_resident_only_session_of_a_council_member_is_refused_by_staff_endpoints(
    client, world, url
):
    client.force_login(world.users["recused_council_member"])
    session = client.session
    session[RESIDENT_ONLY] = True
    session.save()

    answer = client.get(url)

    assert (answer.status_code, answer.json()) == (403, STAFF_REFUSAL)


def test_a_staff_complaint_by_a_resident_only_token_files_nothing(world):
    _token, raw = api_token_create(user=world.users["manager"], name="", resident_only=True)
    cases = world.strata.violations.count()

    answer = Client().post("/api/v1/staff/complaints/", {}, **bearer(raw))

    assert (answer.status_code, answer.json()) == (403, STAFF_REFUSAL)
    assert world.strata.violations.count() == cases


# --- a sign-in link by email ---------------------------------------------------------------

SENT = {"detail": "If that address is in our records, a sign-in link is on its way."}


def test_a_known_address_is_sent_a_link_after_the_answer(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        answer = Client().post(
            "/api/v1/auth/sign-in-link/",
            {"email": "Olive@Example.test"},
            content_type="application/json",
        )
    assert not OutboundEmail.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    assert (answer.status_code, answer.json()) == (202, SENT)
    email = OutboundEmail.objects.get()
    assert (email.to_address, email.template_name) == (
        "olive@example.test",
        "properties.sign_in_link",
    )


def test_an_unknown_address_gets_the_same_answer_and_no_email(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(
            "/api/v1/auth/sign-in-link/",
            {"email": "nobody@example.test"},
            content_type="application/json",
        )

    assert (answer.status_code, answer.json()) == (202, SENT)
    assert not OutboundEmail.objects.exists()


def test_a_malformed_address_is_refused_with_its_field(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = Client().post(
            "/api/v1/auth/sign-in-link/", {"email": "olive"}, content_type="application/json"
        )

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "Some fields need attention.",
            "code": "invalid",
            "fields": {"email": ["Enter a valid email address."]},
        },
    )
    assert callbacks == []


def test_asking_for_links_is_throttled(world, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answers = [
            client.post(
                "/api/v1/auth/sign-in-link/",
                {"email": "olive@example.test"},
                content_type="application/json",
            )
            for _ in range(6)
        ]

    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert answers[-1].json()["code"] == "throttled"
    assert len(callbacks) == 5


def test_the_sign_in_link_endpoint_takes_json_only_and_shares_the_pages_count(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "sign_in": "1/hour",
        },
    }
    url = "/api/v1/auth/sign-in-link/"
    assert client.post(url, {"email": "olive@example.test"}).status_code == 415

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"email": "olive@example.test"}, content_type="application/json")
        page = client.post("/my/sign-in/", {"email": "olive@example.test"})

    assert (first.status_code, page.status_code) == (202, 429)
