"""Tracking campaign email (issue 16, item 5): links go through a click redirect whose target
is signed with the email, so it redirects nowhere else; an open pixel; each event once."""

import json

import pytest
from django.core import signing
from django.test import Client

from communications.decoration import add_tracking
from communications.mail_links import (
    click_target,
    click_url,
    open_pixel_url,
    unsubscribe_url,
)
from communications.models import OutboundEmail, TrackingEvent
from tests.communications.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8000"
TARGET = "https://harbourview.example/agm?year=2027&item=4"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def anonymous():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def email():
    return OutboundEmailFactory(kind="campaign", status="sent")


def _path(url: str) -> str:
    return url.removeprefix(SITE)


def _token(url: str) -> str:
    return url.removeprefix(f"{SITE}/email/c/").removesuffix("/")


def _with_payload(token: str, payload: dict) -> str:
    """The token's signature on another payload."""
    signature = token.rsplit(":", 1)[1]
    return f"{signing.b64_encode(json.dumps(payload).encode()).decode()}:{signature}"


# --- the links --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "mailto:council@example.test",
        "/relative/path",
        "//evil.example/",
        "https://",
        "https://example.test/\r\nSet-Cookie: x=1",
        "https://example.test/" + "a" * 2000,
    ],
)
def test_only_absolute_http_links_can_be_signed(target):
    with pytest.raises(ValueError):
        click_url("4f36122b-e737-47c8-a462-3dae8b68cd04", target)


def test_a_click_token_names_its_email_and_target(email):
    assert click_target(_token(click_url(email.uuid, TARGET))) == (email.uuid, TARGET)


def test_add_tracking_rewrites_web_links_keeps_other_attributes_and_adds_one_pixel(email):
    unsubscribe = unsubscribe_url(email.uuid)
    email.body_html = (
        "<html><body>\n"
        '<p><a class="btn" href="https://harbourview.example/agm?year=2027&amp;item=4" '
        'target="_blank" data-x>AGM</a>\n'
        '<a href="mailto:council@example.test">Write</a> <a href="#top">Top</a> '
        '<a href="/relative">Here</a> <a href=HTTP://Example.test/Pool>Pool</a></p>\n'
        f'<!-- <a href="https://hidden.example/"> --><p><a href="{unsubscribe}">Stop</a></p>\n'
        "</body></html>"
    )

    add_tracking(email)
    add_tracking(email)  # a second call changes nothing

    agm, pool = click_url(email.uuid, TARGET), click_url(email.uuid, "HTTP://Example.test/Pool")
    assert email.body_html == (
        "<html><body>\n"
        f'<p><a class="btn" href="{agm}" target="_blank" data-x>AGM</a>\n'
        '<a href="mailto:council@example.test">Write</a> <a href="#top">Top</a> '
        f'<a href="/relative">Here</a> <a href="{pool}">Pool</a></p>\n'
        f'<!-- <a href="https://hidden.example/"> --><p><a href="{unsubscribe}">Stop</a></p>\n'
        f'<img src="{open_pixel_url(email.uuid)}" width="1" height="1" alt="" '
        'style="display:block;border:0"></body></html>'
    )


@pytest.mark.parametrize(
    ("kind", "sensitive"), [("notice", False), ("hearing_notice", False), ("login", True)]
)
def test_add_tracking_leaves_legal_email_and_sign_in_links_alone(kind, sensitive):
    row = OutboundEmail(kind=kind, sensitive=sensitive, body_html='<a href="https://x.test/">x</a>')

    add_tracking(row)

    assert row.body_html == '<a href="https://x.test/">x</a>'


# --- clicks -----------------------------------------------------------------------------------


def test_a_click_redirects_to_exactly_the_target_and_is_recorded_once(anonymous, email):
    path = _path(click_url(email.uuid, TARGET))

    first = anonymous.get(path)
    again = anonymous.get(path)

    assert (first.status_code, first["Location"]) == (302, TARGET)
    assert (again.status_code, again["Location"]) == (302, TARGET)
    assert "no-store" in first["Cache-Control"]
    event = TrackingEvent.objects.get()
    assert (event.email_id, event.kind, event.url) == (email.pk, "click", TARGET)


def test_each_link_of_an_email_is_recorded(anonymous, email):
    anonymous.get(_path(click_url(email.uuid, TARGET)))
    anonymous.get(_path(click_url(email.uuid, "https://harbourview.example/pool")))

    assert sorted(TrackingEvent.objects.values_list("url", flat=True)) == [
        TARGET,
        "https://harbourview.example/pool",
    ]


def _changed_url(email, other):
    token = _token(click_url(email.uuid, TARGET))
    return _with_payload(token, {"e": email.uuid.hex, "u": "https://evil.example/"})


def _changed_signature(email, other):
    token = _token(click_url(email.uuid, TARGET))
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def _other_emails_signature(email, other):
    """This email's payload under a signature made for another email's click."""
    theirs = _token(click_url(other.uuid, "https://evil.example/"))
    return _with_payload(theirs, {"e": email.uuid.hex, "u": "https://evil.example/"})


def _other_emails_payload(email, other):
    """Another email's click with this email's signature."""
    mine = _token(click_url(email.uuid, TARGET))
    return _with_payload(mine, {"e": other.uuid.hex, "u": TARGET})


def _unsubscribe_token(email, other):
    return unsubscribe_url(email.uuid).rstrip("/").rsplit("/", 1)[1]


def _pixel_token(email, other):
    return open_pixel_url(email.uuid).removesuffix(".gif").rsplit("/", 1)[1]


@pytest.mark.parametrize(
    "forge",
    [
        _changed_url,
        _changed_signature,
        _other_emails_signature,
        _other_emails_payload,
        _unsubscribe_token,
        _pixel_token,
        lambda email, other: "junk",
        lambda email, other: "%00:%00",
    ],
    ids=[
        "changed-url",
        "changed-signature",
        "other-emails-signature",
        "other-emails-payload",
        "unsubscribe-token",
        "pixel-token",
        "junk",
        "nul",
    ],
)
def test_a_tampered_click_is_a_400_page_and_records_nothing(anonymous, email, forge):
    other = OutboundEmailFactory(kind="campaign")

    response = anonymous.get(f"/email/c/{forge(email, other)}/")

    assert response.status_code == 400
    assert "This link is not valid." in response.content.decode()
    assert "Location" not in response
    assert not TrackingEvent.objects.exists()


def test_a_signed_click_of_no_stored_email_still_redirects_and_records_nothing(anonymous):
    row = OutboundEmail(kind="campaign")

    response = anonymous.get(_path(click_url(row.uuid, TARGET)))

    assert (response.status_code, response["Location"]) == (302, TARGET)
    assert not TrackingEvent.objects.exists()


# --- opens ------------------------------------------------------------------------------------


def test_the_open_pixel_records_one_open_and_is_never_cached(anonymous, email):
    path = _path(open_pixel_url(email.uuid))

    responses = [anonymous.get(path), anonymous.get(path)]

    for response in responses:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert response.content.startswith(b"GIF89a")
        assert "no-store" in response["Cache-Control"]
    event = TrackingEvent.objects.get()
    assert (event.email_id, event.kind, event.provider_event_id) == (
        email.pk,
        "open",
        f"open:{email.uuid}",
    )


@pytest.mark.parametrize("token", ["junk", "4f36122be73747c8a4623dae8b68cd04:forged", "%00"])
def test_a_bad_pixel_token_is_still_a_pixel_and_records_nothing(anonymous, email, token):
    response = anonymous.get(f"/email/o/{token}.gif")

    assert (response.status_code, response["Content-Type"]) == (200, "image/gif")
    assert not TrackingEvent.objects.exists()
