"""Shared test infrastructure (DESIGN §11).

- ``postgres``/``redis`` markers: skipped when the service is not configured, except under
  ``CI=true``, where a missing service fails the test instead.
- ``smtp_sink``: a real aiosmtpd server on loopback, with ``MAILERS`` pointed at it.
- ``celery_worker`` / ``worker_launcher``: real worker subprocesses (``bin/worker``) on the
  test database and a per-test Redis key prefix, flushed at start and end.
- ``browser``: Debian's chromium driven by Playwright.
- ``STRATATRACKER_TEST_CLOCK=2027-12-15``: the whole session runs with the clock moved to that
  day (noon UTC, ticking), so a test that depends on the real date shows up before the date
  comes (CI runs the suite a year ahead).
- The people of DESIGN's STYLE: a strata with a manager, a council member, a caretaker, an
  owner and a tenant, and a manager of another strata (built by ``tests/people.py``).
"""

import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from email import message_from_bytes
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse

from tests import people
from tests.admin_forms import change_form_data

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
_SESSION_CLOCK = pytest.StashKey()


def pytest_configure(config):
    clock = os.environ.get("STRATATRACKER_TEST_CLOCK")
    if not clock:
        return
    moment = dt.datetime.fromisoformat(clock)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if len(clock) == len("2027-12-15"):
        moment = moment.replace(hour=12)
    config.stash[_SESSION_CLOCK] = time_machine.travel(moment, tick=True)
    config.stash[_SESSION_CLOCK].start()


def pytest_unconfigure(config):
    traveller = config.stash.get(_SESSION_CLOCK, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    if _SESSION_CLOCK in config.stash:
        return f"clock moved to {os.environ['STRATATRACKER_TEST_CLOCK']} (STRATATRACKER_TEST_CLOCK)"
    return None


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.CELERY_BROKER_URL.startswith("redis"):
        return "needs Redis: set REDIS_URL=redis://..."
    if marker == "browser" and not Path(CHROMIUM).exists():
        return f"needs {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _service_missing(marker)
        if reason is None:
            continue
        if IN_CI:
            pytest.fail(f"CI=true and this test {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _plain_storage(settings, tmp_path):
    """Plain static storage (no manifest) and a throwaway private media root."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Tasks run in-process unless a test starts real workers (``worker_launcher``)."""
    from stratatracker.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


# --- SMTP -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """Collects every message the sink accepts, as (envelope sender, recipients, bytes).

    ``script`` makes the sink answer DATA with scripted replies per recipient address, in
    order (``{"a@x.test": ["451 4.3.0 Try later", "451 4.3.0 Try later"]}``); once a script
    runs out the sink accepts. Every DATA is also counted per recipient in ``data_attempts``.
    ``delay`` (seconds) slows every answer, like a distant server.

    ``idempotency_header`` makes the sink honour that header like a provider: a message whose
    key it already accepted is acknowledged and dropped (not added to ``messages``).
    ``received`` counts every message acknowledged, dropped repeats included.
    ``hold_after = n``: the n-th message is stored but its acknowledgement held (``holding``)
    until ``release()``, so a test can kill the sender after the server took a message and
    before the sender learns it.
    """

    def __init__(self):
        self.messages = []
        self.script: dict[str, list[str]] = {}
        self.data_attempts: dict[str, int] = {}
        self.delay = 0.0
        self.idempotency_header = ""
        self.received = 0
        self.accepted_keys: set[str] = set()
        self.hold_after: int | None = None
        self.holding = False
        self._released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for address in envelope.rcpt_tos:
            self.data_attempts[address] = self.data_attempts.get(address, 0) + 1
        for address in envelope.rcpt_tos:
            if self.script.get(address):
                return self.script[address].pop(0)
        self.received += 1
        if self.idempotency_header:
            key = BytesHeaderParser().parsebytes(envelope.content)[self.idempotency_header]
            if key in self.accepted_keys:
                return "250 2.0.0 Ok: a repeat of an accepted key, dropped"
            if key:
                self.accepted_keys.add(key)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if len(self.messages) == self.hold_after:
            self.holding = True
            while not self._released.is_set():
                await asyncio.sleep(0.01)
            self.holding = False
        return f"250 2.0.0 Ok: queued as sink-{len(self.messages)}"

    def release(self) -> None:
        """Let a held acknowledgement go (to a sender that may be gone by now)."""
        self._released.set()

    def message_ids(self) -> list[str]:
        return [message_from_bytes(raw)["Message-ID"] for _f, _t, raw in self.messages]


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback; ``MAILERS['default']`` sends to it over SMTP."""
    from aiosmtpd.controller import Controller

    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    settings.MAILERS = {
        "default": {
            "BACKEND": "communications.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        yield handler
    finally:
        handler.release()
        controller.stop()


# --- Celery worker ----------------------------------------------------------------------------


def _database_url(settings_dict) -> str:
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def _reset_broker_pools(app):
    """Drop pooled broker connections and the result backend so new transport options (the
    key prefix) apply.

    Celery's pools live in kombu's global registry, keyed by connection: closing one without
    clearing the registry would hand the closed pool back to the next test.
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    # The result backend is built once and keeps the key prefix it was built with.
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


class WorkerLauncher:
    """Starts real worker processes (``bin/worker``) on the test database and one Redis key
    prefix; ``env`` adds settings such as ``EMAIL_URL`` or seconds-scale outbox timings."""

    def __init__(self, settings, prefix: str):
        self.prefix = prefix
        self.processes: list[subprocess.Popen] = []
        self.base_env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DATABASE_URL": _database_url(connection.settings_dict),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL,
            "CELERY_KEY_PREFIX": prefix,
            "DJANGO_DEBUG": "True",
        }

    def start(self, env: dict[str, str] | None = None, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                str(REPO / "bin" / "worker"),
                "--pool=solo",
                "--queues=default,heavy,email",
                "--hostname",
                f"test-{len(self.processes)}-{self.prefix.rstrip(':')}@%h",
                "--loglevel=WARNING",
                *args,
            ],
            cwd=REPO,
            env={**self.base_env, **(env or {})},
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the worker's whole process group: no clean shutdown, no acknowledgements."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(process)


@pytest.fixture
def worker_launcher(transactional_db, settings):
    """Start real Celery workers on demand, isolated by a per-test Redis key prefix."""
    import redis

    from stratatracker.celery import app

    prefix = f"stratatracker-test-{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def flush():
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)

    flush()
    app.conf.broker_transport_options = {
        "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
        "global_keyprefix": prefix,
    }
    app.conf.result_backend_transport_options = {"global_keyprefix": prefix}
    app.conf.task_always_eager = False
    _reset_broker_pools(app)
    launcher = WorkerLauncher(settings, prefix)
    launcher.flush = flush
    try:
        yield launcher
    finally:
        launcher.stop_all()
        flush()
        app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        app.conf.result_backend_transport_options = settings.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS
        _reset_broker_pools(app)


@pytest.fixture
def celery_worker(worker_launcher):
    """One real Celery worker process on the test database."""
    return worker_launcher.start()


# --- Browser ----------------------------------------------------------------------------------


@pytest.fixture
def browser():
    """Debian's chromium under Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
            # Under Playwright's greenlets the test's database connection is not the one
            # pytest-django closes (Django keeps connections per context): left open, it kept
            # the PostgreSQL test database from being dropped.
            connections.close_all()


@pytest.fixture
def artifacts_dir():
    """Where browser tests leave screenshots (ignored by git)."""
    path = REPO / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def strata(db):
    return people.harbour_view()


@pytest.fixture
def other_strata(db):
    return people.cedar_grove()


@pytest.fixture
def manager(strata):
    return people.manager_of(strata)


@pytest.fixture
def council_member(strata):
    return people.council_member_of(strata)


@pytest.fixture
def caretaker(strata):
    return people.caretaker_of(strata)


@pytest.fixture
def other_manager(other_strata):
    return people.other_manager_of(other_strata)


@pytest.fixture
def superuser(db):
    return people.superuser()


@pytest.fixture
def unit(strata):
    return people.unit_101(strata)


@pytest.fixture
def owner(unit):
    return people.owner_of(unit)


@pytest.fixture
def tenant(unit, owner):
    return people.tenant_of(unit, owner)


@pytest.fixture
def other_unit(other_strata):
    return people.unit_9(other_strata)


@pytest.fixture
def unit_form(client, superuser, unit, owner, tenant):
    """The unit's change form as a browser would submit it unchanged (with two occupancies)."""
    client.force_login(superuser)
    response = client.get(reverse("admin:properties_unit_change", args=[unit.pk]))
    client.logout()
    return change_form_data(response)
