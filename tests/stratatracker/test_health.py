import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader

from stratatracker import health
from stratatracker.celery import app


@pytest.fixture(autouse=True)
def _fresh_migration_cache(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


@pytest.mark.django_db
def test_health_reports_the_true_table_count_and_no_pending_migrations(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {
        "tablesCount": len(connection.introspection.table_names()),
        "pendingMigrations": 0,
    }
    assert body["broker"] == "eager"
    assert body["database"]["tablesCount"] > 20


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection.introspection, "table_names", unreachable)
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["reason"] == "database unreachable: OperationalError"


@pytest.mark.django_db(transaction=True)
def test_health_is_503_while_migrations_are_pending(client):
    call_command("migrate", "violations", "zero", verbosity=0)  # the top app: nothing needs it
    try:
        response = client.get("/api/health")
        assert response.status_code == 503
        body = response.json()
        pending = sum(app == "violations" for app, _name in MigrationLoader(None).disk_migrations)
        assert pending > 0
        assert body["database"]["pendingMigrations"] == pending
        assert body["reason"] == f"{pending} migrations are not applied"
    finally:
        call_command("migrate", verbosity=0)
    assert client.get("/api/health").status_code == 200


@pytest.mark.django_db
def test_broker_down_is_reported_without_failing_health(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["broker"] == "down"


@pytest.mark.redis
@pytest.mark.django_db
def test_broker_ok_with_redis(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert client.get("/api/health").json()["broker"] == "ok"


def test_liveness_needs_no_database(client):
    # No django_db mark: any database access here would raise.
    response = client.get("/api/health/live", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "[::1]:8000"])
def test_health_answers_on_loopback_hosts_outside_allowed_hosts(client, settings, host):
    settings.ALLOWED_HOSTS = ["strata.example.com"]
    assert client.get("/api/health/live", HTTP_HOST=host).status_code == 200
    assert client.get("/api/health", HTTP_HOST=host).status_code == 200


@pytest.mark.django_db
def test_other_unknown_hosts_are_still_refused(client, settings):
    settings.ALLOWED_HOSTS = ["strata.example.com"]
    assert client.get("/api/health/live", HTTP_HOST="evil.example").status_code == 400


@pytest.mark.django_db
def test_health_is_exempt_from_the_https_redirect(client, settings):
    settings.ALLOWED_HOSTS = ["strata.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/api/health", HTTP_HOST="strata.example.com").status_code == 200
    assert client.get("/api/health/live", HTTP_HOST="strata.example.com").status_code == 200
    admin = client.get("/admin/", HTTP_HOST="strata.example.com")
    assert admin.status_code == 301
    assert admin["Location"].startswith("https://")
