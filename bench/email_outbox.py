"""The outbox's throughput next to the mailer it wraps: ``make bench-email``.

A benchmark, not a timed test: it prints figures and fails only on errors, never on a missed
target. In one run, on one machine and the same messages:

1. **outbox**: N emails (default 5,000) are queued with ``queue_email`` in one transaction and
   timed from the commit until every row is ``sent``, through exactly one email worker
   (``bin/worker-email --pool solo --concurrency 1``, rate limit off) sending to a local sink;
2. **Django mailer**: the configured mailer (``mailers[OUTBOX_MAILER]``, the same backend the
   worker uses, pointed at the same sink) sends the same messages, pre-rendered with
   ``sending.build_message(row)``, over one connection;
3. **raw smtplib**: ``smtplib.SMTP.sendmail`` sends the same messages, serialised beforehand,
   over one connection.

It prints the three rates, ``ratio:`` (outbox ÷ Django mailer; the target is at least 0.7) and
the raw-smtplib ratio.

Everything is throwaway and on loopback: a PostgreSQL database named after this process
(created, migrated, dropped at the end, also on failure or Ctrl-C), an SMTP sink in its own
process (``bench.smtp_sink``, so it does not share the GIL with a sender), and a Redis key
prefix of its own (deleted at the end). Every wait is bounded.

Environment (all optional):
  BENCH_EMAILS         emails to send (default 5000)
  BENCH_DATABASE_URL   PostgreSQL server and credentials to create the database on; else
                       DATABASE_URL when it is PostgreSQL; else postgres://postgres@127.0.0.1:5432/
                       (only the server is used: the database is always a new one)
  REDIS_URL            the broker (default redis://127.0.0.1:6379/0)
  BENCH_TIMEOUT        seconds the outbox may take in all (default 300); the run also fails
                       when no email is sent for BENCH_STALL_SECONDS (default 60)
  BENCH_WORKER_LOG     keep the worker's log (INFO: one line per task, with its run time) in
                       this file; by default it is thrown away with the run
The outbox settings (OUTBOX_BATCH_SIZE, EMAIL_TIMEOUT, ...) are read as the product reads
them; OUTBOX_RATE_PER_SECOND is forced to 0 and DJANGO_DEBUG to False (as in production).
"""

import contextlib
import dataclasses
import email.policy
import os
import secrets
import signal
import smtplib
import sys
import tempfile
import time
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from bench.throwaway import (
    BenchError,
    Database,
    Sink,
    Worker,
    env_int,
    flush_redis,
    loopback,
    server_url,
)

TARGET_RATIO = 0.7
# Polling reads the whole outbox (~5 ms of PostgreSQL a time): seldom while most are still to
# go, often for the last batch, so the poll neither slows the worker nor blurs the end time.
POLL_SECONDS, POLL_TAIL_SECONDS = 0.2, 0.01


# --- Messages ---------------------------------------------------------------------------------

_SUBJECT = "Notice of bylaw contravention: Unit {unit}, {building} (file {file})"
_TEXT = """Dear {name},

The strata council of {building} has received a complaint that the occupants of
Unit {unit} may have contravened Bylaw 3(1)(b): "An owner, tenant, occupant or visitor
must not use a strata lot, the common property or common assets in a way that causes a
nuisance or hazard to another person." The complaint concerns noise after 11 p.m. on
{date}.

Under section 135 of the Strata Property Act, before imposing a fine the council must give
you the particulars of the complaint in writing and a reasonable opportunity to answer it,
including a hearing if you request one. You may reply in writing, or request a hearing,
within 14 days of this notice.

File: {file}
Reply to this notice: {site}/notices/{file}

Yours truly,
The Strata Council of {building}
"""
_HTML = """<!doctype html>
<html lang="en"><body style="font-family: sans-serif; line-height: 1.4; color: #222">
<p>Dear {name},</p>
<p>The strata council of <strong>{building}</strong> has received a complaint that the
occupants of <strong>Unit {unit}</strong> may have contravened <em>Bylaw 3(1)(b)</em>:
&ldquo;An owner, tenant, occupant or visitor must not use a strata lot, the common property
or common assets in a way that causes a nuisance or hazard to another person.&rdquo; The
complaint concerns noise after 11&nbsp;p.m. on {date}.</p>
<p>Under section 135 of the <em>Strata Property Act</em>, before imposing a fine the council
must give you the particulars of the complaint and a reasonable opportunity to answer it,
including a hearing if you request one. You may reply in writing, or request a hearing,
within <strong>14 days</strong> of this notice.</p>
<p><a href="{site}/notices/{file}">Reply to this notice</a> &middot; File {file}</p>
<p>Yours truly,<br>The Strata Council of {building}</p>
</body></html>
"""


def _email(i: int, run: str) -> dict[str, str]:
    values = {
        "name": f"Resident {i:05d}",
        "unit": f"{100 + i % 900}",
        "building": ("Harbour View", "Cedar Grove", "Maple Court")[i % 3],
        "file": f"BL-{run}-{i:05d}",
        "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "site": "https://strata.example.test",
    }
    return {
        "kind": "notice",  # a legal kind: explicit dedup key, no content-window queries
        "to": f"resident{i:05d}@bench.example.test",
        "to_name": values["name"],
        "subject": _SUBJECT.format(**values),
        "body_text": _TEXT.format(**values),
        "body_html": _HTML.format(**values),
        "dedup_key": f"bench:{run}:notice:{i}",
    }


# --- The three measurements -----------------------------------------------------------------


def _wait_all_sent(worker: Worker, count: int, timeout: float, stall: float) -> None:
    from django.conf import settings
    from django.db.models import Count

    from communications.models import OutboundEmail

    Status = OutboundEmail.Status
    started = last_progress = time.monotonic()
    sent = -1
    while True:
        by_status = dict(
            OutboundEmail.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        if by_status.get(Status.SENT, 0) >= count:
            return
        bad = {s: n for s, n in by_status.items() if s in (Status.FAILED, Status.UNKNOWN)}
        if bad:
            errors = OutboundEmail.objects.filter(status__in=bad).values_list(
                "last_error", flat=True
            )[:3]
            raise BenchError(f"Emails not sent: {bad}; first errors: {list(errors)}")
        now = time.monotonic()
        if by_status.get(Status.SENT, 0) != sent:
            sent, last_progress = by_status.get(Status.SENT, 0), now
        if now - started > timeout or now - last_progress > stall:
            raise BenchError(
                f"Timed out after {now - started:.0f} s ({now - last_progress:.0f} s without "
                f"progress): {by_status} of {count}.\nWorker log:\n{worker.log_tail()}"
            )
        worker.check_alive()
        time.sleep(
            POLL_TAIL_SECONDS if count - sent <= settings.OUTBOX_BATCH_SIZE else POLL_SECONDS
        )


def measure_outbox(count: int, run: str, worker: Worker, timeout: float, stall: float) -> float:
    from django.db import transaction

    from communications.services import queue_email

    emails = [_email(i, run) for i in range(count)]
    queueing = time.perf_counter()
    with transaction.atomic():
        for fields in emails:
            queue_email(**fields)
        # The commit sends the tasks (one per OUTBOX_BATCH_SIZE rows): the clock starts here.
        started = time.perf_counter()
    print(f"queued {count} emails in one transaction in {started - queueing:.1f} s", flush=True)
    _wait_all_sent(worker, count, timeout, stall)
    return time.perf_counter() - started


def prerendered_messages(count: int):
    from communications import sending
    from communications.models import OutboundEmail

    rows = list(OutboundEmail.objects.order_by("pk"))
    if len(rows) != count:
        raise BenchError(f"{len(rows)} rows in the outbox, not {count}.")
    return [sending.build_message(row) for row in rows]


def measure_django_mailer(messages) -> tuple[float, str]:
    from django.conf import settings
    from django.core.mail import mailers

    mailer = mailers[settings.OUTBOX_MAILER]
    started = time.perf_counter()
    mailer.open()
    try:
        sent = mailer.send_messages(messages)
    finally:
        mailer.close()
    elapsed = time.perf_counter() - started
    if sent != len(messages):
        raise BenchError(f"The Django mailer sent {sent} of {len(messages)} messages.")
    return elapsed, f"{type(mailer).__module__}.{type(mailer).__qualname__}"


def serialise(messages) -> list[tuple[str, list[str], bytes]]:
    """What the SMTP backend puts on the wire, computed before the clock starts."""
    return [
        (
            parseaddr(message.from_email)[1],
            [parseaddr(address)[1] for address in message.recipients()],
            message.message(policy=email.policy.SMTP).as_bytes(),
        )
        for message in messages
    ]


def measure_smtplib(payloads, port: int, timeout: float) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=timeout) as smtp:
        for from_address, recipients, data in payloads:
            smtp.sendmail(from_address, recipients, data)
    return time.perf_counter() - started


def _expect_sink(sink: Sink, before: int, count: int, what: str) -> int:
    now = sink.count()
    if now - before != count:
        raise BenchError(f"The sink accepted {now - before} messages from {what}, not {count}.")
    return now


# --- The run --------------------------------------------------------------------------------


def _line(label: str, count: int, seconds: float) -> str:
    return f"{label:<34} {count} emails in {seconds:7.3f} s = {count / seconds:8.1f} emails/s"


@dataclasses.dataclass(frozen=True)
class Plan:
    count: int
    timeout: int
    stall: int
    redis_url: str
    pid: int
    run_id: str

    @classmethod
    def from_env(cls) -> "Plan":
        redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
        loopback(urlsplit(redis_url), "REDIS_URL")
        pid = os.getpid()
        return cls(
            count=env_int("BENCH_EMAILS", 5000),
            timeout=env_int("BENCH_TIMEOUT", 300),
            stall=env_int("BENCH_STALL_SECONDS", 60),
            redis_url=redis_url,
            pid=pid,
            run_id=f"{pid}-{secrets.token_hex(3)}",
        )

    @property
    def prefix(self) -> str:
        return f"stratatracker-bench-{self.run_id}:"

    @property
    def node(self) -> str:
        return f"bench-email-{self.run_id}@localhost"


def run() -> None:
    plan = Plan.from_env()
    with contextlib.ExitStack() as stack:
        try:
            _run(stack, plan)
        finally:
            # Cleanup (the stack, in reverse) is bounded; a second Ctrl-C must not cut it short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _run(stack: contextlib.ExitStack, plan: Plan) -> None:
    count = plan.count
    database = stack.enter_context(Database(server_url(), f"stratatracker_bench_{plan.pid}"))
    sink = stack.enter_context(Sink())
    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-email-")))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "stratatracker.settings",
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database.url,
        "CELERY_BROKER_URL": plan.redis_url,
        "CELERY_RESULT_BACKEND": plan.redis_url,
        "CELERY_KEY_PREFIX": plan.prefix,
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "OUTBOX_RATE_PER_SECOND": "0",
    }
    os.environ.update(env)  # this process reads the same settings as the worker
    stack.callback(flush_redis, plan.redis_url, plan.prefix)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from stratatracker.celery import app

    stack.callback(connections.close_all)
    call_command("migrate", verbosity=0, interactive=False)

    log_path = Path(os.environ.get("BENCH_WORKER_LOG") or scratch / "worker.log")
    worker = stack.enter_context(Worker(env, plan.node, log_path))
    ready = worker.wait_ready(app)
    print(
        f"bench-email: {count} emails to the sink at 127.0.0.1:{sink.port}; one worker "
        f"(solo, ready in {ready:.1f} s), batch {settings.OUTBOX_BATCH_SIZE}, rate limit off",
        flush=True,
    )
    before = sink.count()
    outbox = measure_outbox(count, plan.run_id, worker, plan.timeout, plan.stall)
    before = _expect_sink(sink, before, count, "the outbox")
    worker.check_alive()
    worker.stop()  # the baselines run with no worker polling the broker
    print(_line("outbox (1 worker):", count, outbox), flush=True)

    messages = prerendered_messages(count)
    payloads = serialise(messages)
    size = sum(len(data) for _f, _t, data in payloads) / count
    django_mailer, backend = measure_django_mailer(messages)
    before = _expect_sink(sink, before, count, "the Django mailer")
    print(_line("Django mailer (1 connection):", count, django_mailer), flush=True)

    smtp_timeout = settings.MAILERS[settings.OUTBOX_MAILER].get("OPTIONS", {}).get("timeout")
    raw = measure_smtplib(payloads, sink.port, smtp_timeout or 30)
    _expect_sink(sink, before, count, "smtplib")
    print(_line("raw smtplib (1 connection):", count, raw), flush=True)

    ratio = django_mailer / outbox  # rate ÷ rate = time ÷ time, inverted
    raw_ratio = raw / outbox
    print(f"ratio: {ratio:.2f}")
    print(f"raw-smtplib ratio: {raw_ratio:.2f}")
    verdict = "met" if ratio >= TARGET_RATIO else "missed"
    print(
        f"target: ratio (outbox ÷ Django mailer) >= {TARGET_RATIO:.2f}: {verdict}; "
        f"messages {size / 1024:.1f} KiB on the wire; mailer {backend}"
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # a killed bench still cleans up
    try:
        run()
    except BenchError as error:
        print(f"bench-email failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench-email interrupted; cleaned up.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
