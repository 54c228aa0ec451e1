"""Queueing a campaign next to a raw bulk INSERT of the same outbox rows: ``make bench-campaign``.

A benchmark, not a timed test: it prints figures and fails only on errors, never on a missed
target. One run, on a throwaway PostgreSQL database (created, migrated and dropped as in
``bench/email_outbox.py``) holding one strata of N units (default 10,000), each with an owner
of their own address; in 15 % of the units a tenant shares the owner's mailbox, 2 % more units
have an owner who opted out of newsletters, and 1 % of the addresses are suppressed (they still
get an outbox row, ``suppressed``). A newsletter to everyone therefore has N recipients.

1. **campaign**: ``campaign_send`` (lock the campaign, evaluate the audience, freeze N
   recipients) then ``campaign_queue`` (render each recipient's email with its footer,
   unsubscribe link and tracking, and insert the outbox rows, a chunk of 1,000 per
   transaction, as the queueing task does);
2. **raw INSERT**: the very outbox rows step 1 made, copied before the clock starts (new uuid
   and key), inserted with ``OutboundEmail.objects.bulk_create`` in the same chunks of 1,000
   (``ON CONFLICT DO NOTHING``, as ``queue_bulk`` does) in one transaction.

Nothing is sent and no broker is used: the task ``campaign_send`` schedules after its commit
(``queue_campaign_task``; step 1 calls ``campaign_queue`` itself, as that task would) and the
handover of queued rows to the email workers (``enqueue_send``, one Celery message per
OUTBOX_BATCH_SIZE rows) are replaced by recorders. The figures are the database and Python
work of queueing; the recorders check that every queued row was handed over exactly once.

Each measurement runs BENCH_REPEAT times (default 3), alternating, each time on a new campaign;
the median is compared. Then each runs once more under ``CaptureQueriesContext`` (statements)
and ``tracemalloc`` (peak Python memory), which slow it down and so stay out of the timed runs.
BENCH_PROFILE=1 adds a cProfile of one more ``campaign_queue`` and prints its top functions.

Environment (all optional):
  BENCH_RECIPIENTS     recipients, one unique address each (default 10000)
  BENCH_REPEAT         timed runs of each measurement (default 3)
  BENCH_PROFILE        1: profile one campaign_queue with cProfile
  BENCH_DATABASE_URL   PostgreSQL server and credentials to create the database on; else
                       DATABASE_URL when it is PostgreSQL; else postgres://postgres@127.0.0.1:5432/
"""

import collections
import contextlib
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import secrets
import signal
import statistics
import sys
import time
import tracemalloc
import types
import uuid

from bench.throwaway import BenchError, Database, env_int, server_url

HOUSEHOLD_SHARE, OPTED_OUT_SHARE, SUPPRESSED_SHARE = 0.15, 0.02, 0.01
BODY = """Dear {{ recipient_name }},

The **annual general meeting** of {{ strata_name }} is on Thursday at 7 p.m. in the amenity
room. Your unit ({{ units }}) may vote in person or by proxy.

- The [agenda and the budget](https://strata.example.test/agm/agenda)
- The [proxy form](https://strata.example.test/agm/proxy)

The pool reopens on Monday; the parkade is swept on the 14th (move your car by 8 a.m.).
"""


# --- The register -----------------------------------------------------------------------------


def build_strata(count: int):
    """One strata, its manager and the register described above, in bulk statements."""
    from accounts.models import Strata, StrataMembership, User
    from communications.models import Suppression
    from properties.models import Occupancy, Person, Unit

    strata = Strata.objects.create(
        name="Bench Towers",
        plan_number="BCS9999",
        address="1 Bench Street, Vancouver BC",
        postal_address="c/o Bench Management, PO Box 9, Vancouver BC V6B 1A1",
        reply_email="council@bench.example.test",
    )
    manager = User.objects.create_user(
        email="manager@bench.example.test", full_name="Bench Manager"
    )
    StrataMembership.objects.create(
        user=manager,
        strata=strata,
        role=StrataMembership.Role.MANAGER,
        starts_on=dt.date(2020, 1, 1),
        accepted_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    opted_out = int(count * OPTED_OUT_SHARE)
    units = Unit.objects.bulk_create(
        (
            Unit(strata=strata, unit_number=str(n + 1), strata_lot_number=n + 1, floor=str(n // 40))
            for n in range(count + opted_out)
        ),
        batch_size=2000,
    )
    owners = Person.objects.bulk_create(
        (
            Person(
                strata=strata,
                full_name=f"Owner {n:05d}",
                email=f"owner{n:05d}@bench.example.test",
                newsletters=n < count,
            )
            for n in range(count + opted_out)
        ),
        batch_size=2000,
    )
    tenants = Person.objects.bulk_create(
        (
            Person(strata=strata, full_name=f"Tenant {n:05d}", email=owners[n].email)
            for n in range(int(count * HOUSEHOLD_SHARE))
        ),
        batch_size=2000,
    )
    start = dt.date(2020, 1, 1)
    Occupancy.objects.bulk_create(
        (
            Occupancy(unit=unit, person=person, role=role, starts_on=start)
            for role, persons in (("owner", owners), ("tenant", tenants))
            for unit, person in zip(units[: len(persons)], persons, strict=True)
        ),
        batch_size=2000,
    )
    step = round(1 / SUPPRESSED_SHARE)
    Suppression.objects.bulk_create(
        Suppression(address=owners[n].email, reason="bounced", scope="all")
        for n in range(0, count, step)
    )
    return strata, manager


# --- The two measurements -------------------------------------------------------------------


class Handover:
    """Stands in for the broker: records what would have been handed to the workers."""

    def __init__(self):
        self.email_ids: list[int] = []
        self.campaigns: list[int] = []
        self.task = types.SimpleNamespace(delay=self.campaigns.append)

    def patches(self) -> contextlib.ExitStack:
        from unittest import mock

        stack = contextlib.ExitStack()
        stack.enter_context(
            mock.patch("communications.bulk_queue.enqueue_send", self.email_ids.extend)
        )
        stack.enter_context(
            mock.patch("campaigns.services.campaigns.queue_campaign_task", self.task)
        )
        return stack


def new_campaign(strata, manager, number: int):
    from campaigns.services import campaign_save

    return campaign_save(
        actor=manager,
        stratas=[strata],
        title=f"Bench newsletter {number}",
        kind="newsletter",
        subject="{{ strata_name }}: the AGM on Thursday",
        body_markdown=BODY,
        audience={"groups": ["all"]},
    )


def queue_campaign(campaign, manager) -> tuple[float, float]:
    """``campaign_send`` then ``campaign_queue``; returns the seconds of each."""
    from campaigns.queueing import campaign_queue
    from campaigns.services import campaign_send

    started = time.perf_counter()
    if not campaign_send(campaign=campaign, actor=manager):
        raise BenchError("campaign_send did not start the campaign.")
    frozen = time.perf_counter()
    campaign_queue(campaign=campaign)
    return frozen - started, time.perf_counter() - frozen


def check_queued(campaign, count: int, handover: Handover) -> None:
    from communications.models import OutboundEmail

    campaign.refresh_from_db()
    rows = OutboundEmail.objects.filter(about=campaign.uuid)
    queued = set(rows.filter(status="queued").values_list("pk", flat=True))
    handed = [pk for pk in handover.email_ids if pk in queued]
    problems = []
    if rows.count() != count or campaign.recipients.count() != count:
        problems.append(f"{rows.count()} outbox rows, {campaign.recipients.count()} recipients")
    if sorted(handed) != sorted(queued):
        problems.append(f"{len(handed)} of {len(queued)} queued rows handed over")
    if campaign.queued_at is None or campaign.recipients.filter(email__isnull=True).exists():
        problems.append("recipients left without their outbox row")
    if problems:
        raise BenchError(f"Campaign {campaign.pk} queued wrongly: {'; '.join(problems)}.")


def raw_rows(campaign, run: int) -> list:
    """The campaign's outbox rows as new unsaved rows (new uuid and key), built beforehand."""
    from communications.models import OutboundEmail

    about = uuid.uuid4()
    rows = list(OutboundEmail.objects.filter(about=campaign.uuid).order_by("pk"))
    for row in rows:
        row.pk = None
        row._state.adding = True
        row.uuid = uuid.uuid4()
        row.about = about
        row.dedup_key = f"raw:{run}:{row.to_address}"
    return rows


def insert_raw(rows: list) -> float:
    from django.db import transaction

    from communications.bulk_queue import CHUNK
    from communications.models import OutboundEmail

    started = time.perf_counter()
    with transaction.atomic():
        OutboundEmail.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)
    return time.perf_counter() - started


@contextlib.contextmanager
def counted():
    """Statements and peak Python memory of the block (both slow it down)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures = {}
    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as queries:
            yield figures
        figures["statements"] = len(queries.captured_queries)
        verbs = collections.Counter(q["sql"].split(None, 1)[0] for q in queries.captured_queries)
        figures["verbs"] = ", ".join(f"{n} {verb}" for verb, n in verbs.most_common())
        figures["peak"] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def profile_queue(campaign, manager, top: int = 25) -> str:
    from campaigns.queueing import campaign_queue
    from campaigns.services import campaign_send

    campaign_send(campaign=campaign, actor=manager)
    profiler = cProfile.Profile()
    profiler.runcall(campaign_queue, campaign=campaign)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --- The run --------------------------------------------------------------------------------


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    load = os.getloadavg()[0]
    return (
        f"{platform.node()}, {os.cpu_count()} cores, load {load:.2f} at start, "
        f"Python {platform.python_version()}, PostgreSQL {server}"
    )


def _run(stack: contextlib.ExitStack) -> None:
    count = env_int("BENCH_RECIPIENTS", 10_000)
    repeat = env_int("BENCH_REPEAT", 3)
    pid = os.getpid()
    database = stack.enter_context(Database(server_url(), f"stratatracker_bench_campaign_{pid}"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "stratatracker.settings",
            "DJANGO_DEBUG": "False",  # as in production: no query log kept
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database.url,
            "EMAIL_URL": "smtp://127.0.0.1:9",  # required by DEBUG=False; nothing is sent
            "CELERY_BROKER_URL": "",  # no broker: the handover is recorded, not sent
            "REDIS_URL": "",
        }
    )

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    stack.callback(connections.close_all)
    call_command("migrate", verbosity=0, interactive=False)
    built = time.perf_counter()
    strata, manager = build_strata(count)
    print(
        f"bench-campaign: {count} recipients ({_machine()}); register built in "
        f"{time.perf_counter() - built:.1f} s",
        flush=True,
    )
    handover = Handover()
    stack.enter_context(handover.patches())

    sends, queues, raws = [], [], []
    for run in range(repeat):
        campaign = new_campaign(strata, manager, run)
        send, queue = queue_campaign(campaign, manager)
        check_queued(campaign, count, handover)
        rows = raw_rows(campaign, run)
        raw = insert_raw(rows)
        sends.append(send)
        queues.append(queue)
        raws.append(raw)
        print(
            f"run {run + 1}: campaign_send {send:6.2f} s + campaign_queue {queue:6.2f} s = "
            f"{send + queue:6.2f} s; raw INSERT {raw:6.2f} s",
            flush=True,
        )

    campaign = new_campaign(strata, manager, repeat)
    with counted() as sending:
        queue_campaign(campaign, manager)
    check_queued(campaign, count, handover)
    rows = raw_rows(campaign, repeat)
    with counted() as inserting:
        insert_raw(rows)

    total = statistics.median(send + queue for send, queue in zip(sends, queues, strict=True))
    send, queue, raw = (statistics.median(values) for values in (sends, queues, raws))
    size = sum(len(row.body_text) + len(row.body_html) for row in rows) / len(rows)
    print(
        f"campaign (send + queue):  {count} recipients in {total:6.2f} s "
        f"(medians: send {send:.2f} s, queue {queue:.2f} s) = {count / total:8.0f} rows/s; "
        f"{sending['statements']} statements ({sending['verbs']}), peak {_mib(sending['peak'])}"
    )
    print(
        f"raw bulk INSERT:          {count} rows in {raw:6.2f} s = {count / raw:8.0f} rows/s; "
        f"{inserting['statements']} statements ({inserting['verbs']}), "
        f"peak {_mib(inserting['peak'])}; bodies {size / 1024:.1f} KiB a row"
    )
    print(f"ratio (campaign ÷ raw INSERT, medians of {repeat}): {total / raw:.1f}")
    if os.environ.get("BENCH_PROFILE") == "1":
        print(profile_queue(new_campaign(strata, manager, repeat + 1), manager))


def run() -> None:
    with contextlib.ExitStack() as stack:
        try:
            _run(stack)
        finally:
            # Cleanup (the stack, in reverse) is bounded; a second Ctrl-C must not cut it short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # a killed bench still cleans up
    try:
        run()
    except BenchError as error:
        print(f"bench-campaign failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench-campaign interrupted; cleaned up.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
