"""The sweep (lost broker messages, dead workers) and the retention cleanup, on a moved clock."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import AuditLog
from communications import sending
from communications.housekeeping import outbox_purge_bodies, outbox_sweep
from communications.models import OutboundEmail
from communications.services import queue_email

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _seconds_scale(settings):
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 60
    settings.OUTBOX_LEASE_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 5


def _queue(kind="notice", key="k:1", to="owner@example.test", at=NOON):
    with time_machine.travel(at, tick=False):
        return queue_email(kind=kind, to=to, subject="Subject", body_text="Body", dedup_key=key)


def _claim(at=NOON):
    with time_machine.travel(at, tick=False):
        return sending.claim(limit=100)


def test_queued_rows_the_broker_lost_are_enqueued_again_once_per_interval():
    lost = _queue(key="k:lost")
    fresh = _queue(key="k:fresh", at=NOON + dt.timedelta(seconds=50))
    result = outbox_sweep(now=NOON + dt.timedelta(seconds=61))
    assert result.requeued == [lost.pk]
    assert fresh.pk not in result.to_enqueue
    # The next sweep a few seconds later leaves the row to the message it just sent.
    again = outbox_sweep(now=NOON + dt.timedelta(seconds=70))
    assert again.requeued == []
    assert set(outbox_sweep(now=NOON + dt.timedelta(seconds=200)).requeued) == {lost.pk, fresh.pk}


def test_a_retry_waiting_for_its_backoff_is_not_lost():
    row = _queue()
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=NOON + dt.timedelta(minutes=10))
    assert outbox_sweep(now=NOON + dt.timedelta(minutes=5)).requeued == []
    assert outbox_sweep(now=NOON + dt.timedelta(minutes=12)).requeued == [row.pk]


def test_an_expired_legal_row_is_sent_again_with_the_same_message_id_and_an_audit_entry():
    notice = _queue(kind="notice", key="k:notice")
    _claim()
    result = outbox_sweep(now=NOON + dt.timedelta(seconds=31))
    notice.refresh_from_db()
    assert result.resent_legal == [notice.pk]
    assert (notice.status, notice.lease_until, notice.attempts) == ("queued", None, 1)
    assert "same Message-ID" in notice.last_error
    entry = AuditLog.objects.get()
    assert entry.action == "outbox.resent_after_lost_worker"
    assert entry.target_uuid == notice.uuid
    assert entry.changes["message_id"] == notice.message_id


def test_an_expired_non_legal_row_becomes_unknown_and_is_not_sent_again():
    reminder = _queue(kind="reminder", key="k:reminder")
    _claim()
    result = outbox_sweep(now=NOON + dt.timedelta(seconds=31))
    reminder.refresh_from_db()
    assert (result.unknown, result.to_enqueue) == (1, [])
    assert (reminder.status, reminder.lease_until) == ("unknown", None)
    assert not AuditLog.objects.exists()


def test_a_legal_row_that_killed_its_worker_every_time_fails_in_the_end(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    notice = _queue()
    for attempt in range(2):
        start = NOON + dt.timedelta(minutes=attempt)
        _claim(at=start)
        outbox_sweep(now=start + dt.timedelta(seconds=31))
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", 2)


def test_a_row_inside_its_lease_is_left_alone():
    _queue()
    _claim()
    result = outbox_sweep(now=NOON + dt.timedelta(seconds=29))
    assert result.summary() == {"requeued": 0, "resent_legal": 0, "unknown": 0, "failed": 0}
    assert OutboundEmail.objects.get().status == "sending"


def test_sweep_outbox_command_sends_what_the_broker_lost(mailoutbox, capsys):
    _queue(at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    call_command("sweep_outbox")
    assert capsys.readouterr().out.strip() == (
        "Re-enqueued 1, legal emails sent again 0, marked unknown 0, failed 0."
    )
    assert OutboundEmail.objects.get().status == "sent"
    assert len(mailoutbox) == 1


def test_bodies_are_purged_after_the_retention_period_and_metadata_kept(settings):
    settings.OUTBOX_BODY_RETENTION_DAYS = 90
    old = _queue(key="k:old", at=NOON - dt.timedelta(days=100))
    OutboundEmail.objects.filter(pk=old.pk).update(
        status="sent", sent_at=NOON - dt.timedelta(days=91)
    )
    recent = _queue(key="k:recent", at=NOON - dt.timedelta(days=10))
    OutboundEmail.objects.filter(pk=recent.pk).update(
        status="sent", sent_at=NOON - dt.timedelta(days=10)
    )
    waiting = _queue(key="k:waiting", at=NOON - dt.timedelta(days=100))
    assert outbox_purge_bodies(now=NOON) == 1
    old.refresh_from_db()
    assert (old.body_text, old.body_html, old.body_purged_at) == ("", "", NOON)
    assert (old.subject, old.dedup_key, old.status) == ("Subject", "k:old", "sent")
    assert OutboundEmail.objects.get(pk=recent.pk).body_text == "Body"
    assert OutboundEmail.objects.get(pk=waiting.pk).body_text == "Body"
    assert outbox_purge_bodies(now=NOON) == 0


def test_purge_outbox_bodies_command_reports_the_count(capsys):
    call_command("purge_outbox_bodies")
    assert capsys.readouterr().out.strip() == "Purged the bodies of 0 emails older than 90 days."
