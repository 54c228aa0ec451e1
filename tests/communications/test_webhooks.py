"""Provider webhooks (django-anymail, Postmark's payloads): bounces and complaints suppress the
address once however often the provider replays them, opens and clicks are recorded, and a
request without the secret, or about a message that is not ours, changes nothing."""

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from anymail.signals import AnymailTrackingEvent
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from communications.models import OutboundEmail, Suppression, TrackingEvent
from communications.webhooks import tracking_received
from tests.communications.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db

SECRET = "postmark-hooks:Wq7-correct-horse"
URL = "/email/webhooks/postmark/tracking/"
POSTMARK_ID = "883953f4-6105-42a2-a16a-77a8eac79483"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}


@pytest.fixture
def sent():
    """A reminder the provider accepted under its own id (``sending`` stored it)."""
    return OutboundEmailFactory(
        to_address="olive@example.test",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now() - dt.timedelta(hours=2),
        provider_message_id=POSTMARK_ID,
    )


def _when(hours_ago: int = 1) -> str:
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def bounce(message_id=POSTMARK_ID, *, record_id=4323372036854775807, type_="HardBounce"):
    """Postmark's bounce webhook, as its documentation shows it."""
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": record_id,
        "Type": type_,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "olive@example.test",
        "From": "noreply@strata.example",
        "BouncedAt": _when(),
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Pool closes on Friday",
        "Content": "Return-Path: <>\r\nReceived: ...",
    }


def spam_complaint(message_id=POSTMARK_ID):
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "outbound",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": "olive@example.test",
        "From": "noreply@strata.example",
        "BouncedAt": _when(),
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Pool closes on Friday",
        "Content": "<Abuse report dump>",
    }


def engagement(record_type: str, **extra):
    """Postmark's open and click webhooks: no event id of their own."""
    return {
        "RecordType": record_type,
        "MessageStream": "outbound",
        "Metadata": {},
        "Recipient": "olive@example.test",
        "MessageID": POSTMARK_ID,
        "ReceivedAt": _when(),
        "Platform": "WebMail",
        "Tag": "",
        "UserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        "OS": {"Name": "Windows 10", "Family": "Windows", "Company": "Microsoft Corporation"},
        "Client": {"Name": "Chrome 120", "Family": "Chrome", "Company": "Google"},
        "Geo": {"CountryISOCode": "CA", "Country": "Canada", "City": "Vancouver"},
        **extra,
    }


def post(client, payload, *, secret=SECRET):
    headers = {}
    if secret is not None:
        token = base64.b64encode(secret.encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {token}"
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **headers)


def recorded():
    return list(
        TrackingEvent.objects.order_by("id").values_list("email_id", "kind", "provider_event_id")
    )


def suppressions():
    return list(Suppression.objects.values_list("address", "reason", "scope"))


def test_the_webhook_url_is_anymails_postmark_tracking_view():
    assert reverse("anymail:postmark_tracking_webhook") == URL


def test_a_postmark_bounce_suppresses_the_address_once_however_often_it_is_replayed(client, sent):
    payload = bounce()

    first = post(client, payload)
    replay = post(client, payload)

    assert (first.status_code, replay.status_code) == (200, 200)
    assert recorded() == [(sent.pk, "bounce", "Postmark:4323372036854775807")]
    assert suppressions() == [("olive@example.test", "bounced", "all")]
    assert AuditLog.objects.filter(action="outbox.suppressed").count() == 1


def test_a_second_bounce_record_of_the_same_email_is_a_second_event_but_one_suppression(
    client, sent
):
    post(client, bounce(record_id=1))
    post(client, bounce(record_id=2))

    assert [kind for _email, kind, _key in recorded()] == ["bounce", "bounce"]
    assert suppressions() == [("olive@example.test", "bounced", "all")]


def test_a_spam_complaint_suppresses_all_but_legal_email(client, sent):
    response = post(client, spam_complaint())

    assert response.status_code == 200
    assert recorded() == [(sent.pk, "complaint", "Postmark:42")]
    assert suppressions() == [("olive@example.test", "complained", "all")]


def test_an_open_is_recorded_once_per_payload_and_suppresses_nothing(client, sent):
    payload = engagement("Open", FirstOpen=True, ReadSeconds=5)

    post(client, payload)
    post(client, payload)
    post(client, {**payload, "FirstOpen": False, "ReceivedAt": _when(0)})

    events = list(TrackingEvent.objects.order_by("id"))
    assert [(e.email, e.kind, e.url) for e in events] == [(sent, "open", ""), (sent, "open", "")]
    assert all(e.provider_event_id.startswith("Postmark:sha256:") for e in events)
    assert suppressions() == []


def test_a_click_records_the_link(client, sent):
    post(client, engagement("Click", ClickLocation="HTML", OriginalLink="https://example.test/a"))

    event = TrackingEvent.objects.get()
    assert (event.email, event.kind, event.url) == (sent, "click", "https://example.test/a")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(bounce(type_="Transient"), id="a transient bounce is deferred"),
        pytest.param(
            {
                "RecordType": "Delivery",
                "MessageStream": "outbound",
                "ServerID": 23,
                "MessageID": POSTMARK_ID,
                "Recipient": "olive@example.test",
                "Tag": "",
                "DeliveredAt": "2026-01-05T16:33:54Z",
                "Details": "Test delivery webhook details",
                "Metadata": {},
            },
            id="delivered",
        ),
    ],
)
def test_deferred_and_delivered_events_record_nothing(client, sent, payload):
    assert post(client, payload).status_code == 200
    assert (recorded(), suppressions()) == ([], [])


def test_an_event_about_a_message_that_is_not_ours_is_answered_and_ignored(client, sent):
    response = post(client, bounce(message_id="00000000-0000-0000-0000-000000000000"))

    assert response.status_code == 200
    assert (recorded(), suppressions()) == ([], [])


@pytest.mark.parametrize(
    "secret", [None, "postmark-hooks:wrong", f"{SECRET}x"], ids=["none", "wrong", "longer"]
)
def test_a_request_without_the_secret_is_refused_and_changes_nothing(client, sent, secret):
    response = post(client, bounce(), secret=secret)

    assert response.status_code == 400
    assert (recorded(), suppressions()) == ([], [])


def test_without_a_configured_secret_the_site_starts_with_a_random_one_nobody_knows():
    """ANYMAIL_WEBHOOK_SECRET unset: settings load, and each process stands in a fresh random
    secret, so the webhook URLs refuse every request (as the wrong secret above is)."""
    script = "from stratatracker import settings; print(settings.ANYMAIL['WEBHOOK_SECRET'])"
    env = {**os.environ, "ANYMAIL_WEBHOOK_SECRET": "", "ANYMAIL": ""}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs[0] != runs[1]
    assert all(len(secret) >= 40 for secret in runs)


def test_an_esp_that_echoes_our_message_id_finds_the_email_by_it():
    """No provider id stored (an SMTP relay's bare reply), but the event quotes our
    Message-ID; with no event id, the raw event's digest is the key."""
    email = OutboundEmailFactory(status=OutboundEmail.Status.SENT, provider_message_id="250 OK")
    event = AnymailTrackingEvent(
        event_type="bounced",
        message_id=email.message_id,
        timestamp=timezone.now(),
        esp_event={"event": "bounce", "smtp-id": email.message_id},
    )

    tracking_received(sender=None, event=event, esp_name="SendGrid")
    tracking_received(sender=None, event=event, esp_name="SendGrid")

    recorded_event = TrackingEvent.objects.get()
    assert (recorded_event.email, recorded_event.kind) == (email, "bounce")
    assert recorded_event.provider_event_id.startswith("SendGrid:sha256:")


def test_a_provider_id_several_emails_share_names_none_of_them():
    OutboundEmailFactory.create_batch(2, provider_message_id="250 OK")
    event = AnymailTrackingEvent(event_type="bounced", message_id="250 OK", esp_event={})

    tracking_received(sender=None, event=event, esp_name="SMTP")

    assert (recorded(), suppressions()) == ([], [])


@pytest.mark.parametrize("esp", ["mailgun", "amazon_ses", "mandrill", "sendgrid"])
def test_providers_we_do_not_support_have_no_webhook_url(client, esp):
    response = client.post(
        f"/email/webhooks/{esp}/tracking/", data="{}", content_type="application/json"
    )

    assert response.status_code == 404
