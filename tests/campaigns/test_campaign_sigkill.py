"""A 2,000-recipient campaign against crashes and double clicks, on PostgreSQL (issue 16).

The drill: real workers (``bin/worker``) on Redis send to an aiosmtpd sink that honours the
idempotency header like a provider. The worker is killed with SIGKILL halfway, mid-batch,
after the sink took a message and before the worker heard it was accepted (the one ambiguous
message); a fresh worker and the sweep finish the campaign, and every address has exactly one
delivery. With ``-s`` it prints its figures. Marked ``reliability`` like the outbox's own drill.
"""

import collections
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.models import AuditLog
from campaigns.models import Campaign
from campaigns.queueing import campaign_tick
from campaigns.selectors import Progress, campaign_progress
from campaigns.services import campaign_save, campaign_send
from communications import bulk_queue
from communications.housekeeping import outbox_sweep
from communications.models import OutboundEmail
from communications.tasks import enqueue_send
from properties.models import Occupancy, Person, Unit
from tests import people
from tests.waiting import wait_until

RECIPIENTS = 2000
BATCH = 50  # rows per send task
HOUSEHOLDS = 300  # units whose tenant shares the owner's mailbox: still one email each
KEY_HEADER = "X-Idempotency-Key"
FAST = {
    "OUTBOX_BACKOFF_BASE_SECONDS": "1",
    "OUTBOX_BACKOFF_CAP_SECONDS": "2",
    "OUTBOX_LEASE_SECONDS": "4",
    "CELERY_VISIBILITY_TIMEOUT": "30",
    "OUTBOX_IDEMPOTENCY_HEADER": KEY_HEADER,
    "OUTBOX_BATCH_SIZE": str(BATCH),
}


def _address(n: int) -> str:
    return f"owner{n:04d}@harbour.example.test"


def _register(strata) -> set[str]:
    """2,000 units, an owner each, and a tenant sharing the owner's address in 300 of them,
    in a few bulk statements. Returns the 2,000 addresses."""
    units = Unit.objects.bulk_create(
        Unit(strata=strata, unit_number=str(1000 + n), strata_lot_number=n + 1, floor=str(n // 50))
        for n in range(RECIPIENTS)
    )
    owners = Person.objects.bulk_create(
        Person(strata=strata, full_name=f"Owner {n:04d}", email=_address(n))
        for n in range(RECIPIENTS)
    )
    tenants = Person.objects.bulk_create(
        Person(strata=strata, full_name=f"Tenant {n:04d}", email=_address(n))
        for n in range(HOUSEHOLDS)
    )
    start = dt.date(2020, 1, 1)
    occupancies = [
        Occupancy(unit=unit, person=person, role=role, starts_on=start)
        for role, persons in (("owner", owners), ("tenant", tenants))
        for unit, person in zip(units[: len(persons)], persons, strict=True)
    ]
    Occupancy.objects.bulk_create(occupancies)
    return {_address(n) for n in range(RECIPIENTS)}


@pytest.fixture
def newsletter(transactional_db):
    strata = people.harbour_view()
    manager = people.manager_of(strata)
    addresses = _register(strata)
    campaign = campaign_save(
        actor=manager,
        stratas=[strata],
        title="December newsletter",
        kind=Campaign.Kind.NEWSLETTER,
        subject="{{ strata_name }}: December news",
        body_markdown="Dear {{ recipient_name }},\n\nThe pool reopens on **Monday**.",
        audience={"groups": ["all"]},
    )
    return campaign, manager, addresses


def _in_flight():
    return list(OutboundEmail.objects.filter(status="sending", attempt_started_at__isnull=False))


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.reliability
def test_a_worker_killed_halfway_through_a_campaign_delivers_every_address_exactly_once(
    worker_launcher, smtp_sink, newsletter, settings
):
    campaign, manager, addresses = newsletter
    # The sweep runs in this process.
    settings.OUTBOX_IDEMPOTENCY_HEADER, settings.OUTBOX_BATCH_SIZE = KEY_HEADER, BATCH
    smtp_sink.idempotency_header = KEY_HEADER
    # Half the campaign, mid-batch: rows of the batch are sent, one is held, the rest untried.
    smtp_sink.hold_after = RECIPIENTS // 2 + BATCH // 2
    env = {"EMAIL_URL": smtp_sink.url, **FAST}
    first = worker_launcher.start(env)

    assert campaign_send(campaign=campaign, actor=manager) is True  # the worker queues it
    wait_until(
        lambda: smtp_sink.holding,
        timeout=180,
        message="the sink did not receive half the campaign within 180 s",
    )
    # The server has the message; its sender dies before hearing "250".
    worker_launcher.kill(first)
    smtp_sink.release()
    [wire] = _in_flight()
    assert [wire.to_address] == smtp_sink.messages[-1][1]
    dead_claim = set(
        OutboundEmail.objects.filter(status="sending").values_list("pk", flat=True)
    ) - {wire.pk}
    assert dead_claim, "the kill should leave claimed rows the worker never tried"

    worker_launcher.start(env)
    sweeps = []

    def beat_sweeps_the_dead_claim():
        """What beat does every OUTBOX_SWEEP_SECONDS, here every half second, until no row
        holds the dead worker's lease."""
        sweeps.append(outbox_sweep())
        enqueue_send(sweeps[-1].to_enqueue)
        dead = OutboundEmail.objects.filter(status="sending", lease_until=wire.lease_until)
        return not dead.exists()

    wait_until(
        beat_sweeps_the_dead_claim,
        timeout=60,
        interval=0.5,
        message="the sweep did not take back the dead worker's rows",
    )
    wait_until(
        lambda: campaign_progress(campaign).remaining == 0,
        timeout=180,
        interval=0.2,
        message="the campaign did not finish",
    )

    delivered = collections.Counter(to for _from, [to], _raw in smtp_sink.messages)
    lost = addresses - set(delivered)
    duplicates = sorted(address for address, times in delivered.items() if times > 1)
    progress = campaign_progress(campaign)
    print(
        f"\nCampaign SIGKILL drill: {RECIPIENTS} recipients, lost {len(lost)}, duplicates "
        f"{len(duplicates)}; the sink received {smtp_sink.received} messages and dropped "
        f"{smtp_sink.received - len(smtp_sink.messages)} repeat(s) of an accepted key; "
        f"{len(dead_claim)} claimed rows never tried at the kill; progress {progress.as_dict()}"
    )
    assert (lost, duplicates) == (set(), [])
    assert set(delivered) == addresses
    assert progress == Progress(
        total=RECIPIENTS, sent=RECIPIENTS, failed=0, suppressed=0, cancelled=0, remaining=0
    )
    outbox = OutboundEmail.objects.filter(about=campaign.uuid)
    assert outbox.count() == outbox.filter(status="sent").count() == progress.sent
    # Only the message on the wire at the kill went out twice, and the sink dropped it.
    assert smtp_sink.received == RECIPIENTS + 1
    assert {pk for sweep in sweeps for pk in sweep.untried} == dead_claim
    assert [pk for sweep in sweeps for pk in sweep.resent_keyed] == [wire.pk]
    assert sum(sweep.unknown for sweep in sweeps) == 0
    wire_after = OutboundEmail.objects.get(pk=wire.pk)
    assert (wire_after.status, wire_after.attempts, wire_after.message_id) == (
        "sent",
        2,
        wire.message_id,
    )
    entry = AuditLog.objects.get(action="outbox.resent_with_idempotency_key")
    assert (entry.target_uuid, entry.changes["idempotency_key"]) == (wire.uuid, wire.dedup_key)

    assert campaign_tick()["finished"] == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


@pytest.mark.postgres
def test_a_double_click_from_two_threads_queues_the_campaign_once(newsletter, monkeypatch):
    campaign, manager, addresses = newsletter
    handed = []
    monkeypatch.setattr(bulk_queue, "enqueue_send", handed.extend)  # no sending here
    both_ready = threading.Barrier(2, timeout=30)

    def click(_):
        try:
            both_ready.wait()
            return campaign_send(campaign=campaign, actor=manager)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(click, range(2)))

    assert results == [False, True]
    outbox = OutboundEmail.objects.filter(about=campaign.uuid)
    assert outbox.count() == RECIPIENTS
    assert set(outbox.values_list("to_address", flat=True)) == addresses
    assert sorted(handed) == sorted(outbox.values_list("pk", flat=True))
    assert not campaign.recipients.filter(email__isnull=True).exists()
    assert AuditLog.objects.filter(action="campaign.started").count() == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.queued_at is not None) == (Campaign.Status.SENDING, True)
