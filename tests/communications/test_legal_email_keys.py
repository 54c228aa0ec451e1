"""A legal email's explicit key is its identity: queueing a failed notice again under the same
key is a no-op (a re-serve is a new version of the key, or a staff retry of the same row),
never a silent second delivery (DESIGN §7.1)."""

import datetime as dt

import pytest
import time_machine
from anymail.exceptions import AnymailRecipientsRefused

from communications.models import DeliveryAttempt, OutboundEmail
from communications.services import queue_email
from tests.communications import scripted_backend

pytestmark = [pytest.mark.django_db, pytest.mark.reliability]
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
KEY = "violation:7d1c:notice:olive:v1"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def provider(settings):
    """The email provider, answering from a script (tests.communications.scripted_backend)."""
    return scripted_backend.install(settings)


def _notice(key=KEY):
    return queue_email(
        kind="notice",
        to="olive@example.test",
        subject="Notice of complaint",
        body_text="Particulars...",
        dedup_key=key,
    )


@pytest.fixture
def failed_notice(provider, django_capture_on_commit_callbacks):
    """Olive's notice, sent on commit and refused by the provider: failed for good."""
    provider.script["olive@example.test"] = [AnymailRecipientsRefused()]
    with django_capture_on_commit_callbacks(execute=True):
        row = _notice()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    return row


@pytest.mark.parametrize("kind", ["notice", "decision", "hearing_notice"])
def test_a_failed_legal_email_queued_again_under_its_key_is_not_sent_again(
    provider,
    django_capture_on_commit_callbacks,
    kind,
):
    provider.script["olive@example.test"] = [AnymailRecipientsRefused()]
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_email(
            kind=kind, to="olive@example.test", subject="Letter", body_text="Text", dedup_key=KEY
        )

    with (
        time_machine.travel(NOON + dt.timedelta(minutes=5), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        again = queue_email(
            kind=kind, to="olive@example.test", subject="Letter", body_text="Text", dedup_key=KEY
        )

    assert (again.pk, again.status, again.attempts) == (first.pk, "failed", 1)
    assert list(OutboundEmail.objects.values_list("dedup_key", "status")) == [(KEY, "failed")]
    assert callbacks == []  # no send was scheduled
    assert DeliveryAttempt.objects.count() == 1
    assert provider.sent == []


def test_a_failed_notice_queued_again_an_hour_later_is_still_the_same_row(
    failed_notice,
    provider,
    django_capture_on_commit_callbacks,
):
    # A derived key would allow a new attempt in the next hour; an explicit key never does.
    with (
        time_machine.travel(NOON + dt.timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        again = _notice()
    assert again.pk == failed_notice.pk
    assert OutboundEmail.objects.count() == 1
    assert provider.sent == []


def test_re_serving_a_failed_notice_is_a_new_version_of_its_key(
    failed_notice,
    provider,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        reserved = _notice(key="violation:7d1c:notice:olive:v2")
    reserved.refresh_from_db()
    assert reserved.pk != failed_notice.pk
    assert list(OutboundEmail.objects.order_by("pk").values_list("dedup_key", "status")) == [
        (KEY, "failed"),
        ("violation:7d1c:notice:olive:v2", "sent"),
    ]
    assert [m.to for m in provider.sent] == [["olive@example.test"]]
