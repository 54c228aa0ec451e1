"""Secrets that sign residents in, and app tokens: stored only as hashes, forgiving to type,
bounded in time and use (accounts.login_tokens)."""

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.login_tokens import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    case_link_mint,
    case_links_revoke,
    secret_hash,
    sign_in_link_mint,
    token_check,
    token_use,
)
from accounts.models import ApiToken, LoginToken
from tests.accounts.factories import UserFactory

CASE = "9b2f8f0e-5a59-4d3e-8d0c-3f4a8f9f1a11"
PERSON = "1c7e9b6a-0d1e-4e55-9a7b-2b1f0e5c6d22"


@pytest.fixture
def case_secret(strata):
    return case_link_mint(strata=strata, person_uuid=PERSON, case_uuid=CASE)


def test_a_case_link_is_stored_only_as_its_hash(case_secret):
    token = LoginToken.objects.get()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", case_secret)
    assert token.token_hash == secret_hash(case_secret) != case_secret
    assert case_secret.replace("-", "") not in str(LoginToken.objects.values().get())
    assert (str(token.subject), str(token.target)) == (PERSON, CASE)


def test_a_typed_secret_forgives_case_spaces_and_confusable_letters(case_secret):
    typed = case_secret.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert token_check(typed, LoginToken.Purpose.CASE_LINK).token == LoginToken.objects.get()


def test_a_case_link_works_for_thirty_days_and_not_one_day_more(case_secret):
    purpose = LoginToken.Purpose.CASE_LINK
    with time_machine.travel(timezone.now() + dt.timedelta(days=29, hours=23)):
        assert token_check(case_secret, purpose).problem == ""
    with time_machine.travel(timezone.now() + dt.timedelta(days=30, minutes=1)):
        assert token_check(case_secret, purpose).problem == "expired"


def test_a_case_link_is_reusable_until_its_case_links_are_revoked(case_secret):
    purpose = LoginToken.Purpose.CASE_LINK
    assert token_check(case_secret, purpose).problem == ""
    assert token_check(case_secret, purpose).problem == ""
    assert case_links_revoke(case_uuid=CASE) == 1
    assert token_check(case_secret, purpose).problem == "revoked"


def test_a_secret_opens_nothing_for_another_purpose(case_secret):
    assert token_check(case_secret, LoginToken.Purpose.SIGN_IN).problem == "unknown"


def test_a_sign_in_link_works_once_within_fifteen_minutes(db):
    raw = sign_in_link_mint(email="Olive@Example.test")
    check = token_check(raw, LoginToken.Purpose.SIGN_IN)
    assert check.token.email == "olive@example.test"
    assert token_use(check.token) is True
    assert token_use(check.token) is False
    assert token_check(raw, LoginToken.Purpose.SIGN_IN).problem == "used"
    late = sign_in_link_mint(email="olive@example.test")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert token_check(late, LoginToken.Purpose.SIGN_IN).problem == "expired"


def test_an_app_token_is_stored_hashed_and_stops_when_revoked(db):
    user = UserFactory()
    token, raw = api_token_create(user=user, name="Phone", resident_only=True)
    stored = ApiToken.objects.values().get()
    assert stored["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(stored)
    assert api_token_authenticate(raw) == token
    assert api_token_authenticate(raw + "x") is None
    api_token_revoke(token=token)
    assert api_token_authenticate(raw) is None


def test_an_app_token_expires_and_notes_its_use_at_most_every_five_minutes(db):
    _token, raw = api_token_create(user=UserFactory(), name="Phone", resident_only=False)
    api_token_authenticate(raw)
    first = ApiToken.objects.get().last_used_at
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        api_token_authenticate(raw)
        assert ApiToken.objects.get().last_used_at == first
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        assert api_token_authenticate(raw) is None


def test_an_inactive_users_token_authenticates_nobody(db):
    user = UserFactory()
    _token, raw = api_token_create(user=user, name="Phone", resident_only=True)
    user.is_active = False
    user.save()
    assert api_token_authenticate(raw) is None
