"""What only PostgreSQL shows: the advisory lock under real threads, the background recorder."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.utils import timezone

from communications import sending
from communications.models import OutboundEmail
from communications.services import queue_email

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_requests_with_the_same_content_and_different_keys_send_it_once(settings):
    settings.OUTBOX_WINDOW_SECONDS = 600

    def caller(number):
        try:
            with transaction.atomic():
                queue_email(
                    kind="campaign",
                    to="owner@example.test",
                    subject="Pool closed",
                    body_text="The pool is closed on Friday.",
                    dedup_key=f"campaign:{number}:owner",
                )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(caller, range(8)))
    statuses = sorted(OutboundEmail.objects.values_list("status", flat=True))
    assert statuses == ["duplicate"] * 7 + ["sent"]


def test_outcomes_are_recorded_by_the_background_recorder_outside_a_transaction(smtp_sink):
    for name in "abc":
        queue_email(
            kind="notice",
            to=f"{name}@example.test",
            subject="S",
            body_text="B",
            dedup_key=f"k:{name}",
        )
    assert connection.vendor == "postgresql" and not connection.in_atomic_block
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert len(smtp_sink.messages) == 3


@pytest.mark.reliability
def test_when_the_recorder_fails_the_batch_stops_and_the_rest_wait_untried(smtp_sink, monkeypatch):
    for name in "abcd":
        OutboundEmail.objects.create(
            kind="notice",
            to_address=f"{name}@example.test",
            from_email="x@example.test",
            subject="S",
            body_text="B",
            dedup_key=f"k:{name}",
            content_hash="h",
            queued_at=timezone.now() - dt.timedelta(seconds=1),
        )

    def broken(*outcome):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sending, "_mark_sent", broken)
    rows = sending.claim(limit=10)
    with pytest.raises(RuntimeError, match="went away"):
        sending.send_batch(rows)
    statuses = dict(OutboundEmail.objects.values_list("to_address", "status"))
    sent_but_unrecorded = [a for a, s in statuses.items() if s == "sending"]
    returned = [a for a, s in statuses.items() if s == "queued"]
    assert len(smtp_sink.messages) == len(sent_but_unrecorded) <= 3
    assert len(returned) == 4 - len(sent_but_unrecorded) >= 1
