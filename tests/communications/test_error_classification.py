"""How the outbox classifies a provider's (django-anymail) errors: transient ones retry with
backoff and hold the rest of the batch, permanent ones fail the row at once (DESIGN §7;
communications.sending.classify)."""

import datetime as dt

import pytest
import requests
import time_machine
from anymail.exceptions import (
    AnymailAPIError,
    AnymailRecipientsRefused,
    AnymailRequestsAPIError,
)

from communications import sending
from communications.models import DeliveryAttempt, OutboundEmail, Suppression
from communications.services import queue_email
from tests.communications import scripted_backend

pytestmark = [pytest.mark.django_db, pytest.mark.reliability]
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock_and_backoff(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 1800
    settings.OUTBOX_MAX_ATTEMPTS = 5
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def provider(settings):
    """The email provider, answering from a script (tests.communications.scripted_backend)."""
    return scripted_backend.install(settings)


def api_error(status: int) -> AnymailRequestsAPIError:
    """The error a requests-based ESP backend raises for an HTTP ``status`` answer."""
    response = requests.Response()
    response.status_code = status
    response.reason = "Reason"
    response._content = b'{"message": "from the provider"}'
    return AnymailRequestsAPIError("ESP API response error", response=response)


# --- classify() --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 599])
def test_a_provider_that_is_busy_or_down_is_transient_and_holds_the_batch(status):
    failure = sending.classify(api_error(status))
    assert (failure.transient, failure.stops_batch, failure.code) == (True, True, None)
    assert failure.error.startswith("ESP API response error\nESP API response ")
    assert f" {status} (Reason)" in failure.error


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 428, 430, 499])
def test_a_provider_refusing_the_request_is_permanent_and_the_batch_goes_on(status):
    failure = sending.classify(api_error(status))
    assert (failure.transient, failure.stops_batch, failure.code) == (False, False, None)


def test_a_provider_error_without_an_http_status_is_transient():
    # e.g. Amazon SES through boto3: the API call failed, no HTTP status is known.
    failure = sending.classify(AnymailAPIError("Connection reset by peer"))
    assert failure == sending._Failure(True, None, "Connection reset by peer", True)


def test_a_provider_refusing_every_recipient_is_permanent_and_the_batch_goes_on():
    failure = sending.classify(AnymailRecipientsRefused())
    assert failure == sending._Failure(
        False, None, "All message recipients were rejected or invalid", False
    )


def test_the_providers_answer_is_kept_whole_up_to_2000_characters():
    error = AnymailAPIError("x" * 2500)
    assert sending.classify(error).error == "x" * 2000


# --- through the outbox ------------------------------------------------------------------


def _queue(to, key):
    return queue_email(
        kind="notice", to=to, subject="Notice", body_text="Particulars", dedup_key=key
    )


def _send_due():
    return sending.send_batch(sending.claim(limit=10), worker="test")


def test_a_503_from_the_provider_retries_the_notice_after_the_backoff(provider):
    row = _queue("olive@example.test", "violation:1:notice:olive:v1")
    provider.script["olive@example.test"] = [api_error(503)]

    result = _send_due()

    row.refresh_from_db()
    assert (result.sent, result.failed, result.retrying) == (0, 0, [(row.pk, 30)])
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "queued",
        1,
        NOON + dt.timedelta(seconds=30),
    )
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.outcome, attempt.smtp_code) == ("transient", None)
    assert provider.sent == []

    with time_machine.travel(NOON + dt.timedelta(seconds=29), tick=False):
        assert sending.claim(limit=10) == []  # not due before the backoff ends
    with time_machine.travel(NOON + dt.timedelta(seconds=30), tick=False):
        result = _send_due()
    row.refresh_from_db()
    assert (result.sent, row.status, row.attempts) == (1, "sent", 2)
    assert [m.to for m in provider.sent] == [["olive@example.test"]]


def test_a_400_from_the_provider_fails_the_notice_at_once(provider):
    row = _queue("olive@example.test", "violation:1:notice:olive:v1")
    provider.script["olive@example.test"] = [api_error(400)]

    result = _send_due()

    row.refresh_from_db()
    assert (result.sent, result.failed, result.retrying) == (0, 1, [])
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    assert "ESP API response 400 (Reason)" in row.last_error
    assert DeliveryAttempt.objects.get().outcome == "permanent"
    assert provider.sent == []


def test_a_refused_recipient_fails_its_row_and_the_rest_of_the_batch_is_sent(provider):
    refused = _queue("gone@example.test", "violation:1:notice:gone:v1")
    other = _queue("olive@example.test", "violation:1:notice:olive:v1")
    provider.script["gone@example.test"] = [AnymailRecipientsRefused()]

    result = _send_due()

    assert (result.sent, result.failed, result.retrying) == (1, 1, [])
    assert dict(OutboundEmail.objects.values_list("pk", "status")) == {
        refused.pk: "failed",
        other.pk: "sent",
    }
    assert [m.to for m in provider.sent] == [["olive@example.test"]]


def test_a_busy_provider_holds_the_rest_of_the_batch_untried(provider):
    first = _queue("busy@example.test", "violation:1:notice:busy:v1")
    second = _queue("olive@example.test", "violation:1:notice:olive:v1")
    provider.script["busy@example.test"] = [api_error(429)]

    result = _send_due()

    assert (result.sent, result.failed) == (0, 0)
    assert sorted(result.retrying) == [(first.pk, 30), (second.pk, 30)]
    rows = {r.pk: r for r in OutboundEmail.objects.all()}
    assert (rows[first.pk].status, rows[first.pk].attempts) == ("queued", 1)
    assert (rows[second.pk].status, rows[second.pk].attempts) == ("queued", 0)  # untried
    assert list(DeliveryAttempt.objects.values_list("email_id", "outcome")) == [
        (first.pk, "transient")
    ]
    assert provider.sent == []


def test_a_transient_provider_error_on_the_last_attempt_fails_the_row(provider, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    row = _queue("olive@example.test", "violation:1:notice:olive:v1")
    provider.script["olive@example.test"] = [api_error(503)]

    result = _send_due()

    row.refresh_from_db()
    assert (result.failed, result.retrying, row.status, row.attempts) == (1, [], "failed", 1)
    assert DeliveryAttempt.objects.get().outcome == "transient"


def test_a_sign_in_link_that_fails_for_good_is_not_kept(provider, db):
    """A refused address: the email will never go out, so its link is blanked as on sending;
    an ordinary failed email keeps its body for staff to read."""
    link = queue_email(
        kind="notice",
        to="gone@example.test",
        subject="Notice",
        body_text="Particulars. Your link: https://strata.example/r/K7QH-M2XP-9TFA-W3RD/",
        dedup_key="violation:1:notice:gone:v1",
        sensitive=True,
    )
    plain = _queue("gone2@example.test", "violation:1:notice:gone2:v1")
    provider.script["gone@example.test"] = [AnymailRecipientsRefused()]
    provider.script["gone2@example.test"] = [AnymailRecipientsRefused()]

    _send_due()

    link.refresh_from_db()
    plain.refresh_from_db()
    assert (link.status, link.body_text, link.body_purged_at) == ("failed", "", NOON)
    assert (plain.status, plain.body_text, plain.body_purged_at) == ("failed", "Particulars", None)


def test_a_sign_in_link_suppressed_when_queued_is_not_kept(db):
    Suppression.objects.create(address="gone@example.test", reason="bounced", scope="all")

    row = queue_email(
        kind="login",
        to="gone@example.test",
        subject="Sign in",
        body_text="https://strata.example/my/sign-in/ABCD-EFGH-JKMN-PQRS/",
        sensitive=True,
    )

    assert (row.status, row.body_text, row.body_html) == ("suppressed", "", "")
