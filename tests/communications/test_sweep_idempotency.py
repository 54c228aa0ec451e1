"""The sweep's rule for a row whose worker died while it was on the wire, with and without a
provider that drops a repeat of an idempotency key (OUTBOX_IDEMPOTENCY_HEADER)."""

import datetime as dt

import pytest
import time_machine

from accounts.models import AuditLog
from communications import sending
from communications.housekeeping import outbox_sweep
from communications.models import OutboundEmail
from communications.services import queue_email

pytestmark = [pytest.mark.django_db, pytest.mark.reliability]
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
AFTER_LEASE = NOON + dt.timedelta(seconds=31)
KEY_HEADER = "X-Idempotency-Key"
RESENT_WITH_KEY = (
    "The worker stopped while sending; sent again with the same Message-ID and idempotency "
    "key, so the provider drops it if it had the first."
)


@pytest.fixture(autouse=True)
def _seconds_scale(settings):
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 60
    settings.OUTBOX_LEASE_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 5


@pytest.fixture
def keyed(settings):
    """A provider that drops a second message with a key it already accepted."""
    settings.OUTBOX_IDEMPOTENCY_HEADER = KEY_HEADER


@pytest.fixture
def unkeyed(settings):
    settings.OUTBOX_IDEMPOTENCY_HEADER = ""


def _on_the_wire(kind: str, key: str, to: str, at=NOON) -> OutboundEmail:
    """Queued, claimed, its SMTP conversation begun, and then its worker died."""
    with time_machine.travel(at, tick=False):
        row = queue_email(kind=kind, to=to, subject="Pool", body_text="Closed", dedup_key=key)
        sending.claim(ids=[row.pk], limit=1)
    OutboundEmail.objects.filter(pk=row.pk).update(attempt_started_at=at)
    return row


def _state(row: OutboundEmail) -> tuple:
    row.refresh_from_db()
    return (row.status, row.attempts, row.lease_until, row.attempt_started_at, row.last_error)


def test_with_an_idempotency_header_in_flight_rows_of_every_kind_are_sent_again(keyed):
    reminder = _on_the_wire("reminder", "reminder:1", "owner@example.test")
    campaign = _on_the_wire("campaign", "campaign:c1:tenant@example.test", "tenant@example.test")
    notice = _on_the_wire("notice", "violation:9:notice:a:v1", "owner@example.test")

    result = outbox_sweep(now=AFTER_LEASE)

    assert result.summary() == {
        "requeued": 0,
        "untried": 0,
        "resent_legal": 1,
        "resent_keyed": 2,
        "unknown": 0,
        "failed": 0,
    }
    assert result.resent_keyed == [reminder.pk, campaign.pk]
    assert sorted(result.to_enqueue) == sorted([reminder.pk, campaign.pk, notice.pk])
    assert _state(reminder) == ("queued", 1, None, None, RESENT_WITH_KEY)
    assert _state(campaign) == ("queued", 1, None, None, RESENT_WITH_KEY)
    assert reminder.next_attempt_at == AFTER_LEASE
    # A legal row keeps its own rule and audit action.
    assert _state(notice)[0] == "queued"
    entries = {
        entry.target_uuid: (entry.action, entry.changes)
        for entry in AuditLog.objects.filter(action__startswith="outbox.")
    }
    assert entries == {
        reminder.uuid: (
            "outbox.resent_with_idempotency_key",
            {"attempts": 1, "message_id": reminder.message_id, "idempotency_key": "reminder:1"},
        ),
        campaign.uuid: (
            "outbox.resent_with_idempotency_key",
            {
                "attempts": 1,
                "message_id": campaign.message_id,
                "idempotency_key": "campaign:c1:tenant@example.test",
            },
        ),
        notice.uuid: (
            "outbox.resent_after_lost_worker",
            {"attempts": 1, "message_id": notice.message_id},
        ),
    }


def test_the_resent_row_carries_the_same_message_id_and_key(keyed, mailoutbox):
    row = _on_the_wire("campaign", "campaign:c1:owner@example.test", "owner@example.test")
    outbox_sweep(now=AFTER_LEASE)

    result = sending.send_batch(sending.claim(ids=[row.pk], limit=1))

    assert (result.sent, _state(row)[:2]) == (1, ("sent", 2))
    [message] = mailoutbox
    headers = message.message()
    assert (headers["Message-ID"], headers[KEY_HEADER]) == (
        row.message_id,
        "campaign:c1:owner@example.test",
    )


def test_with_an_idempotency_header_a_row_that_keeps_killing_its_worker_fails(keyed, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    reminder = _on_the_wire("reminder", "reminder:1", "owner@example.test")
    outbox_sweep(now=AFTER_LEASE)
    later = NOON + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        sending.claim(ids=[reminder.pk], limit=1)
    OutboundEmail.objects.filter(pk=reminder.pk).update(attempt_started_at=later)

    result = outbox_sweep(now=later + dt.timedelta(seconds=31))

    assert (result.failed, result.resent_keyed) == (1, [])
    assert _state(reminder) == (
        "failed",
        2,
        None,
        None,
        "The worker stopped while sending, 2 times.",
    )


def test_without_an_idempotency_header_in_flight_non_legal_rows_become_unknown(unkeyed):
    reminder = _on_the_wire("reminder", "reminder:1", "owner@example.test")
    campaign = _on_the_wire("campaign", "campaign:c1:tenant@example.test", "tenant@example.test")
    notice = _on_the_wire("notice", "violation:9:notice:a:v1", "owner@example.test")

    result = outbox_sweep(now=AFTER_LEASE)

    assert result.summary() == {
        "requeued": 0,
        "untried": 0,
        "resent_legal": 1,
        "unknown": 2,
        "failed": 0,
    }
    assert result.to_enqueue == [notice.pk]
    unknown = (
        "unknown",
        1,
        None,
        None,
        "The worker stopped while sending; the message may or may not have gone out, so it "
        "is not sent again.",
    )
    assert (_state(reminder), _state(campaign)) == (unknown, unknown)
    assert list(AuditLog.objects.values_list("action", "target_uuid")) == [
        ("outbox.resent_after_lost_worker", notice.uuid)
    ]
