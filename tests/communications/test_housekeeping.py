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


def _in_flight(row, at=NOON):
    """The worker began this row's SMTP conversation (and then died, or not)."""
    OutboundEmail.objects.filter(pk=row.pk).update(attempt_started_at=at)


@pytest.mark.reliability
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


@pytest.mark.reliability
def test_a_retry_waiting_for_its_backoff_is_not_lost():
    row = _queue()
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=NOON + dt.timedelta(minutes=10))
    assert outbox_sweep(now=NOON + dt.timedelta(minutes=5)).requeued == []
    assert outbox_sweep(now=NOON + dt.timedelta(minutes=12)).requeued == [row.pk]


@pytest.mark.reliability
def test_a_dead_workers_untried_rows_are_queued_again_and_its_in_flight_rows_settled_by_kind():
    untried_notice = _queue(kind="notice", key="k:untried-notice")
    untried_reminder = _queue(kind="reminder", key="k:untried-reminder", to="more@example.test")
    wire_notice = _queue(kind="notice", key="k:wire-notice")
    wire_reminder = _queue(kind="reminder", key="k:wire-reminder", to="other@example.test")
    _claim()
    _in_flight(wire_notice)
    _in_flight(wire_reminder)

    result = outbox_sweep(now=NOON + dt.timedelta(seconds=31))

    assert result.summary() == {
        "requeued": 0,
        "untried": 2,
        "resent_legal": 1,
        "unknown": 1,
        "failed": 0,
    }
    assert result.untried == [untried_notice.pk, untried_reminder.pk]
    assert result.resent_legal == [wire_notice.pk]
    assert sorted(result.to_enqueue) == sorted(
        [untried_notice.pk, untried_reminder.pk, wire_notice.pk]
    )
    rows = {row.dedup_key: row for row in OutboundEmail.objects.all()}
    # Only the rows on the wire keep the claim's attempt.
    assert {
        key: (row.status, row.attempts, row.lease_until, row.attempt_started_at, row.last_error)
        for key, row in rows.items()
    } == {
        "k:untried-notice": ("queued", 0, None, None, ""),
        "k:untried-reminder": ("queued", 0, None, None, ""),
        "k:wire-notice": (
            "queued",
            1,
            None,
            None,
            "The worker stopped while sending; sent again with the same Message-ID.",
        ),
        "k:wire-reminder": (
            "unknown",
            1,
            None,
            None,
            "The worker stopped while sending; the message may or may not have gone out, "
            "so it is not sent again.",
        ),
    }
    assert rows["k:untried-reminder"].next_attempt_at == NOON + dt.timedelta(seconds=31)
    assert rows["k:wire-notice"].message_id == wire_notice.message_id
    entry = AuditLog.objects.get()
    assert entry.action == "outbox.resent_after_lost_worker"
    assert entry.target_uuid == wire_notice.uuid
    assert entry.changes == {"attempts": 1, "message_id": wire_notice.message_id}


@pytest.mark.reliability
def test_an_untried_row_is_queued_again_after_every_lost_worker_and_never_fails_for_it(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    reminder = _queue(kind="reminder")
    for attempt in range(3):
        start = NOON + dt.timedelta(minutes=attempt)
        _claim(at=start)
        outbox_sweep(now=start + dt.timedelta(seconds=31))
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("queued", 0)
    assert not AuditLog.objects.exists()


@pytest.mark.reliability
def test_an_in_flight_legal_row_is_sent_again_with_the_same_message_id_and_an_audit_entry():
    notice = _queue(kind="notice", key="k:notice")
    _claim()
    _in_flight(notice)
    result = outbox_sweep(now=NOON + dt.timedelta(seconds=31))
    notice.refresh_from_db()
    assert result.resent_legal == [notice.pk]
    assert (notice.status, notice.lease_until, notice.attempts) == ("queued", None, 1)
    assert "same Message-ID" in notice.last_error
    entry = AuditLog.objects.get()
    assert entry.action == "outbox.resent_after_lost_worker"
    assert entry.target_uuid == notice.uuid
    assert entry.changes["message_id"] == notice.message_id


@pytest.mark.reliability
def test_an_in_flight_non_legal_row_becomes_unknown_and_is_not_sent_again():
    reminder = _queue(kind="reminder", key="k:reminder")
    _claim()
    _in_flight(reminder)
    result = outbox_sweep(now=NOON + dt.timedelta(seconds=31))
    reminder.refresh_from_db()
    assert (result.unknown, result.to_enqueue) == (1, [])
    assert (reminder.status, reminder.lease_until) == ("unknown", None)
    assert not AuditLog.objects.exists()


@pytest.mark.reliability
def test_a_legal_row_that_killed_its_worker_every_time_fails_in_the_end(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    notice = _queue()
    for attempt in range(2):
        start = NOON + dt.timedelta(minutes=attempt)
        _claim(at=start)
        _in_flight(notice, at=start)
        outbox_sweep(now=start + dt.timedelta(seconds=31))
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.attempt_started_at) == ("failed", 2, None)


@pytest.mark.reliability
def test_a_row_inside_its_lease_is_left_alone():
    row = _queue()
    _claim()
    _in_flight(row)
    result = outbox_sweep(now=NOON + dt.timedelta(seconds=29))
    assert result.summary() == {
        "requeued": 0,
        "untried": 0,
        "resent_legal": 0,
        "unknown": 0,
        "failed": 0,
    }
    assert OutboundEmail.objects.get().status == "sending"


@pytest.mark.reliability
def test_while_a_message_is_on_the_wire_it_is_the_only_row_started_without_an_outcome(
    smtp_sink, monkeypatch
):
    """What a SIGKILL at any moment would leave for the sweep: the rows before are recorded,
    the one being sent is started, the ones after were never tried."""
    for n in range(4):
        _queue(kind="reminder", key=f"k:{n}", to=f"r{n}@example.test")
    seen = []
    send_one = sending._send_one

    def snapshot_then_send(mailer, row):
        rows = OutboundEmail.objects.order_by("pk").values_list("status", "attempt_started_at")
        seen.append([(status, started is not None) for status, started in rows])
        return send_one(mailer, row)

    monkeypatch.setattr(sending, "_send_one", snapshot_then_send)
    with time_machine.travel(NOON, tick=False):
        result = sending.send_batch(sending.claim(limit=10))
    assert result.sent == 4
    on_the_wire, sent, claimed = ("sending", True), ("sent", False), ("sending", False)
    assert seen == [
        [on_the_wire, claimed, claimed, claimed],
        [sent, on_the_wire, claimed, claimed],
        [sent, sent, on_the_wire, claimed],
        [sent, sent, sent, on_the_wire],
    ]
    assert set(OutboundEmail.objects.values_list("status", "attempt_started_at")) == {
        ("sent", None)
    }


@pytest.mark.reliability
def test_sweep_outbox_command_sends_what_the_broker_lost(mailoutbox, capsys):
    _queue(at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    call_command("sweep_outbox")
    assert capsys.readouterr().out.strip() == (
        "Re-enqueued 1, claimed but never tried 0, legal emails sent again 0, "
        "marked unknown 0, failed 0."
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
