"""The outbox end to end: PostgreSQL, real Celery workers on Redis, a real aiosmtpd sink.

What the issue must show: concurrent queueing, the content window, suppressions, transient
and permanent SMTP errors, a flushed broker, and a worker killed with SIGKILL mid-batch. The
fault tests are marked ``reliability`` (``pytest -m reliability``).
"""

import collections
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import audit_log_record
from accounts.models import AuditLog
from communications.housekeeping import outbox_sweep
from communications.models import DeliveryAttempt, OutboundEmail
from communications.services import queue_email, suppression_add
from communications.tasks import enqueue_send
from tests.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
FAST = {
    "OUTBOX_BACKOFF_BASE_SECONDS": "1",
    "OUTBOX_BACKOFF_CAP_SECONDS": "2",
    "OUTBOX_LEASE_SECONDS": "4",
    "CELERY_VISIBILITY_TIMEOUT": "30",
}


@pytest.fixture
def worker_env(smtp_sink):
    return {"EMAIL_URL": smtp_sink.url, **FAST}


def _queue(kind, to, key, *, subject="Subject", body="Body"):
    return queue_email(kind=kind, to=to, subject=subject, body_text=body, dedup_key=key)


def _statuses() -> dict[str, str]:
    return dict(OutboundEmail.objects.values_list("dedup_key", "status"))


def _settled(*keys: str):
    """Every named row has left queued/sending."""

    def check():
        rows = OutboundEmail.objects.filter(dedup_key__in=keys)
        return (
            rows.count() == len(keys) and not rows.filter(status__in=("queued", "sending")).exists()
        )

    return check


def _drained(sink):
    """Queue a sentinel behind everything else; once it is sent, the worker is idle."""
    sentinel = f"sentinel:{timezone.now().timestamp()}"
    with transaction.atomic():
        _queue("system", "sentinel@example.test", sentinel, body=sentinel)
    wait_until(_settled(sentinel), timeout=60, message="the worker did not drain its queue")


def test_the_same_email_queued_100_times_from_8_threads_is_one_row_and_one_delivery(
    worker_launcher, worker_env, smtp_sink
):
    worker_launcher.start(worker_env)

    def caller(number):
        try:
            with transaction.atomic():
                audit_log_record(actor=None, action="test.caller_committed", changes={"n": number})
                _queue("reminder", "owner@example.test", "reminder:case-7:owner", body="Due")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(caller, range(100)))

    assert AuditLog.objects.filter(action="test.caller_committed").count() == 100
    row = OutboundEmail.objects.get()
    wait_until(_settled(row.dedup_key), timeout=60)
    _drained(smtp_sink)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert [m for m in smtp_sink.message_ids() if m == row.message_id] == [row.message_id]
    assert smtp_sink.data_attempts["owner@example.test"] == 1


def test_window_duplicates_co_owner_notices_and_suppressions_with_a_real_worker(
    worker_launcher, worker_env, smtp_sink, settings
):
    settings.OUTBOX_WINDOW_SECONDS = 600
    now = timezone.now()
    with transaction.atomic():  # all queued before any worker runs
        _queue("campaign", "owner@example.test", "campaign:1:owner", body="Pool closes")
        _queue("campaign", "owner@example.test", "campaign:2:owner", body="Pool closes")
        _queue("notice", "family@example.test", "violation:9:notice:owner-a:v1")
        _queue("notice", "family@example.test", "violation:9:notice:owner-b:v1")
        suppression_add(address="gone@example.test", reason="unsubscribed", scope="newsletters")
        _queue("campaign", "gone@example.test", "campaign:1:gone")
        _queue("notice", "gone@example.test", "violation:9:notice:gone:v1")
    with time_machine.travel(now + dt.timedelta(seconds=601)), transaction.atomic():
        _queue("campaign", "owner@example.test", "campaign:3:owner", body="Pool closes")
    worker_launcher.start(worker_env)
    wait_until(_settled(*_statuses()), timeout=60)
    assert _statuses() == {
        "campaign:1:owner": "sent",
        "campaign:2:owner": "duplicate",
        "campaign:3:owner": "sent",
        "violation:9:notice:owner-a:v1": "sent",
        "violation:9:notice:owner-b:v1": "sent",
        "campaign:1:gone": "suppressed",
        "violation:9:notice:gone:v1": "sent",
    }
    _drained(smtp_sink)
    delivered = collections.Counter(to for _f, [to], _raw in smtp_sink.messages)
    assert delivered == {
        "owner@example.test": 2,
        "family@example.test": 2,
        "gone@example.test": 1,
        "sentinel@example.test": 1,
    }


@pytest.mark.reliability
def test_451_twice_then_250_and_550_once_with_a_real_worker(worker_launcher, worker_env, smtp_sink):
    smtp_sink.script["slow@example.test"] = ["451 4.3.0 Try later"] * 2
    smtp_sink.script["nobody@example.test"] = ["550 5.1.1 No such user"]
    worker_launcher.start(worker_env)
    with transaction.atomic():
        slow = _queue("notice", "slow@example.test", "violation:1:notice:a:v1")
        gone = _queue("notice", "nobody@example.test", "violation:1:notice:b:v1")
    wait_until(_settled(slow.dedup_key, gone.dedup_key), timeout=60)
    _drained(smtp_sink)
    slow.refresh_from_db()
    gone.refresh_from_db()
    assert (slow.status, slow.attempts) == ("sent", 3)
    assert list(
        DeliveryAttempt.objects.filter(email=slow).values_list("number", "outcome", "smtp_code")
    ) == [(1, "transient", 451), (2, "transient", 451), (3, "sent", 250)]
    assert (gone.status, gone.attempts, gone.last_error) == (
        "failed",
        1,
        "550 5.1.1 No such user",
    )
    assert smtp_sink.data_attempts["slow@example.test"] == 3
    assert smtp_sink.data_attempts["nobody@example.test"] == 1


@pytest.mark.reliability
def test_after_redis_is_flushed_the_sweep_enqueues_again_and_all_are_delivered_once(
    worker_launcher, worker_env, smtp_sink, settings
):
    with transaction.atomic():
        keys = [
            _queue("notice", f"owner{n}@example.test", f"violation:{n}:notice:p:v1").dedup_key
            for n in range(20)
        ]
    worker_launcher.flush()  # the broker lost every message
    worker_launcher.start(worker_env)
    assert OutboundEmail.objects.filter(status="queued").count() == 20
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 0
    result = outbox_sweep()
    assert len(result.requeued) == 20
    enqueue_send(result.to_enqueue)
    wait_until(_settled(*keys), timeout=60)
    _drained(smtp_sink)
    assert set(_statuses().values()) == {"sent"}
    counts = collections.Counter(smtp_sink.message_ids())
    assert len(counts) == 21 and set(counts.values()) == {1}


def _batch_states(pks: list[int], batch: int) -> list[str] | None:
    """The batch (one task's rows, in send order) holding the claimed rows, each row as
    ``sent``, ``in flight`` (attempt started, no outcome) or ``claimed`` (never tried); None
    while no row is claimed."""
    rows = {
        pk: (status, started)
        for pk, status, started in OutboundEmail.objects.filter(pk__in=pks).values_list(
            "pk", "status", "attempt_started_at"
        )
    }
    claimed = [index for index, pk in enumerate(pks) if rows[pk][0] == "sending"]
    if not claimed:
        return None
    first = claimed[0] // batch * batch
    assert claimed[-1] < first + batch, "prefetch 1: one batch at a time"
    states = []
    for pk in pks[first : first + batch]:
        status, started = rows[pk]
        if status == "sending":
            status = "in flight" if started else "claimed"
        states.append(status)
    return states


@pytest.mark.reliability
def test_a_worker_killed_with_sigkill_mid_batch_loses_nothing(
    worker_launcher, worker_env, smtp_sink, settings
):
    """Every email is delivered, whatever its kind; only the one on the wire at the kill is
    ambiguous, and at most that one is delivered twice (a notice, with one Message-ID)."""
    total, batch = 1000, 40
    env = {**worker_env, "OUTBOX_BATCH_SIZE": str(batch)}
    settings.OUTBOX_BATCH_SIZE = batch
    with transaction.atomic():
        rows = [
            _queue(kind, f"r{n}@example.test", f"{kind}:{n}", body=f"Message {n}")
            for n, kind in enumerate(["notice", "reminder"] * (total // 2))
        ]
    pks = [row.pk for row in rows]  # enqueued in this order, one task per batch
    smtp_sink.delay = 0.005  # a few milliseconds per message: the kill lands mid-batch
    first = worker_launcher.start(env)

    def well_into_a_batch():
        if not OutboundEmail.objects.filter(status="sent")[199:200].exists():
            return False
        states = _batch_states(pks, batch) or []
        # Two recorded, half never tried: over 100 ms before the batch can end.
        return states.count("sent") >= 2 and states.count("claimed") >= batch // 2

    wait_until(well_into_a_batch, timeout=120, interval=0.01, message="no kill point reached")
    worker_launcher.kill(first)

    at_kill = _batch_states(pks, batch)
    assert at_kill is not None, "the batch ended before the kill landed: a loaded machine?"
    sent_before = at_kill.count("sent")
    on_the_wire = at_kill.count("in flight")
    never_tried = at_kill.count("claimed")
    # Mid-batch: the first rows recorded, at most one on the wire, the rest never tried.
    assert (
        at_kill == ["sent"] * sent_before + ["in flight"] * on_the_wire + ["claimed"] * never_tried
    )
    assert sent_before >= 1
    assert on_the_wire <= 1
    assert never_tried >= 1
    in_flight = OutboundEmail.objects.filter(
        status="sending", attempt_started_at__isnull=False
    ).first()

    # The sweep runs once the dead worker's lease is over, before a fresh worker starts.
    lease = settings.OUTBOX_LEASE_SECONDS = int(FAST["OUTBOX_LEASE_SECONDS"])
    sweep = outbox_sweep(now=timezone.now() + dt.timedelta(seconds=lease + 1))
    assert len(sweep.untried) == never_tried
    worker_launcher.start(env)
    enqueue_send(sweep.to_enqueue)
    wait_until(_settled(*(row.dedup_key for row in rows)), timeout=180, message="not settled")
    _drained(smtp_sink)

    delivered = collections.Counter(smtp_sink.message_ids())
    final = {row.pk: row for row in OutboundEmail.objects.filter(pk__in=pks)}
    times = {pk: delivered[row.message_id] for pk, row in final.items()}
    # The message on the wire may or may not have reached the server before the kill: a
    # notice is sent again with the same Message-ID (arriving once or twice), a reminder
    # becomes `unknown` (arrived once or not at all: shown on the dashboard, never re-sent).
    # Every other row must arrive exactly once.
    others = {pk: n for pk, n in times.items() if not in_flight or pk != in_flight.pk}
    lost = [pk for pk, n in others.items() if n == 0]
    twice = [pk for pk, n in times.items() if n > 1]
    wire = "none"
    if in_flight:
        wire = (
            f"{in_flight.kind}, delivered {times[in_flight.pk]}x, now {final[in_flight.pk].status}"
        )
    print(
        f"\nSIGKILL drill: lost {len(lost)}, duplicates {len(twice)}, "
        f"claimed at kill {on_the_wire + never_tried} (batch of {batch}: {sent_before} sent, "
        f"{on_the_wire} in flight, {never_tried} never tried), in flight: {wire}"
    )
    assert lost == []
    assert set(others.values()) == {1}
    assert {final[pk].status for pk in others} == {"sent"}
    if in_flight is not None and in_flight.kind == "notice":
        assert final[in_flight.pk].status == "sent"
        assert times[in_flight.pk] in (1, 2)  # twice if the server had it before the kill
        entry = AuditLog.objects.get(action="outbox.resent_after_lost_worker")
        assert (entry.target_uuid, entry.changes["message_id"]) == (
            in_flight.uuid,
            in_flight.message_id,
        )
    else:
        assert twice == []
        assert not AuditLog.objects.filter(action="outbox.resent_after_lost_worker").exists()
        if in_flight is not None:
            assert final[in_flight.pk].status == "unknown"
            assert times[in_flight.pk] in (0, 1)
