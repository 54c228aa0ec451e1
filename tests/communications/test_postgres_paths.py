"""What only PostgreSQL shows: the advisory lock under real threads, and the one statement that
records a sent row with the start of the next."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
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


def _claimed(names: str) -> list[OutboundEmail]:
    for name in names:
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
    return sending.claim(limit=10)


def test_a_sent_outcome_and_the_next_rows_start_are_one_statement(smtp_sink):
    rows = _claimed("abc")

    with CaptureQueriesContext(connection) as queries:
        sending.send_batch(rows)

    combined = [q for q in queries.captured_queries if q["sql"].startswith("WITH sent AS")]
    assert len(combined) == 2  # a's outcome with b's start, b's with c's; c's alone
    assert (
        list(OutboundEmail.objects.values_list("status", "attempt_started_at"))
        == [("sent", None)] * 3
    )
    assert len(smtp_sink.messages) == 3


@pytest.mark.reliability
def test_when_an_outcome_cannot_be_recorded_the_batch_stops_and_the_rest_wait_untried(
    smtp_sink, monkeypatch
):
    rows = _claimed("abcd")

    def broken(*outcome):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sending, "_mark_sent", broken)
    with pytest.raises(RuntimeError, match="went away"):
        sending.send_batch(rows)

    # a went out but its outcome was not recorded: it stays started, for the sweep to settle.
    rows = OutboundEmail.objects.order_by("to_address")
    assert [(r.to_address, r.status, r.attempt_started_at is not None) for r in rows] == [
        ("a@example.test", "sending", True),
        ("b@example.test", "queued", False),
        ("c@example.test", "queued", False),
        ("d@example.test", "queued", False),
    ]
    assert [to for _from, to, _raw in smtp_sink.messages] == [["a@example.test"]]
