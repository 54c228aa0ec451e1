"""Health checks: ``/api/health`` (database, migrations, broker) and ``/api/health/live``.

A container's HEALTHCHECK and a load balancer call these by loopback or internal address,
over plain HTTP, with a Host header that is not in ALLOWED_HOSTS. ``LoopbackHealthMiddleware``
answers them before host validation and the HTTPS redirect, for loopback hosts only; on any
other host they go through the normal stack (and are exempt from the HTTPS redirect).
"""

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.http.request import split_domain_port

HEALTH_PATHS = ("/api/health", "/api/health/", "/api/health/live", "/api/health/live/")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}  # as split_domain_port gives them

# Once the database has been seen fully migrated, that stays true for this code version.
_migrated = False


def pending_migrations() -> int:
    global _migrated
    if _migrated:
        return 0
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrated = not plan
    return len(plan)


def broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from stratatracker.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001 - any failure to reach the broker means "down"
        return "down"
    return "ok"


def health(request):
    body = {"status": "ok", "version": settings.VERSION}
    try:
        tables = len(connection.introspection.table_names())
        pending = pending_migrations()
    except DatabaseError as error:
        body.update(status="error", reason=f"database unreachable: {error.__class__.__name__}")
        body["database"] = None
        body["broker"] = broker_status()
        return JsonResponse(body, status=503)
    body["database"] = {"tablesCount": tables, "pendingMigrations": pending}
    body["broker"] = broker_status()
    if pending:
        body.update(status="error", reason=f"{pending} migrations are not applied")
        return JsonResponse(body, status=503)
    return JsonResponse(body)


def live(request):
    return JsonResponse({"status": "ok"})


class LoopbackHealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in HEALTH_PATHS and request.method in ("GET", "HEAD"):
            host, _port = split_domain_port(request.META.get("HTTP_HOST", ""))
            if host in LOOPBACK_HOSTS:
                return live(request) if "live" in request.path else health(request)
        return self.get_response(request)
