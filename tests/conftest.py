"""Shared test infrastructure (DESIGN §11).

- ``postgres``/``redis`` markers: skipped when the service is not configured, except under
  ``CI=true``, where a missing service fails the test instead.
- ``smtp_sink``: a real aiosmtpd server on loopback, with ``MAILERS`` pointed at it.
- ``celery_worker``: a real worker subprocess (``bin/worker``) on the test database and a
  per-run Redis key prefix, flushed at start and end.
- ``browser``: Debian's chromium driven by Playwright.
- The people of DESIGN's STYLE: a strata with a manager, a council member, a caretaker, an
  owner and a tenant, and a manager of another strata.
"""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import StrataMembership
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, StrataFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"


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


# --- SMTP -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """Collects every message the sink accepts, as (envelope sender, recipients, bytes)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback; ``MAILERS['default']`` sends to it over SMTP."""
    from aiosmtpd.controller import Controller

    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "communications.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        yield handler
    finally:
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
    """Drop pooled broker connections so new transport options (the key prefix) apply."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker process on the test database, isolated by a Redis key prefix."""
    import redis

    from stratatracker.celery import app

    prefix = f"stratatracker-test-{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def flush():
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)

    flush()
    transport = {
        "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
        "global_keyprefix": prefix,
    }
    app.conf.broker_transport_options = transport
    app.conf.task_always_eager = False
    _reset_broker_pools(app)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL,
        "CELERY_KEY_PREFIX": prefix,
        "DJANGO_DEBUG": "True",
    }
    process = subprocess.Popen(
        [
            str(REPO / "bin" / "worker"),
            "--pool=solo",
            "--queues=default,heavy,email",
            "--hostname",
            f"test-{prefix.rstrip(':')}@%h",
            "--loglevel=INFO",
        ],
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        flush()
        app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        _reset_broker_pools(app)


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


@pytest.fixture
def artifacts_dir():
    """Where browser tests leave screenshots (ignored by git)."""
    path = REPO / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def strata(db):
    return StrataFactory(name="Harbour View", plan_number="BCS1234")


@pytest.fixture
def other_strata(db):
    return StrataFactory(name="Cedar Grove", plan_number="VIS5678")


def _member(strata, role, email):
    return MembershipFactory(
        strata=strata, role=role, user=UserFactory(email=email, full_name=email.split("@")[0])
    ).user


@pytest.fixture
def manager(strata):
    return _member(strata, StrataMembership.Role.MANAGER, "manager@example.test")


@pytest.fixture
def council_member(strata):
    return _member(strata, StrataMembership.Role.COUNCIL, "council@example.test")


@pytest.fixture
def caretaker(strata):
    return _member(strata, StrataMembership.Role.CARETAKER, "caretaker@example.test")


@pytest.fixture
def other_manager(other_strata):
    return _member(other_strata, StrataMembership.Role.MANAGER, "other-manager@example.test")


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.test", is_superuser=True)


@pytest.fixture
def unit(strata):
    return UnitFactory(strata=strata, unit_number="101", strata_lot_number=1)


@pytest.fixture
def owner(unit):
    return OccupancyFactory(
        unit=unit, role=Occupancy.Role.OWNER, starts_on=dt.date(2019, 5, 1)
    ).person


@pytest.fixture
def tenant(unit, owner):
    person = PersonFactory(strata=unit.strata, full_name="Terry Tenant")
    OccupancyFactory(
        unit=unit,
        person=person,
        role=Occupancy.Role.TENANT,
        landlord=owner,
        starts_on=dt.date(2024, 9, 1),
        form_k_received_on=dt.date(2024, 8, 20),
    )
    return person


@pytest.fixture
def other_unit(other_strata):
    return UnitFactory(strata=other_strata, unit_number="9", strata_lot_number=9)
