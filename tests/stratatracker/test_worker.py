"""A real Celery worker on Redis runs a task against the test database."""

import pytest
import redis
from django.conf import settings
from django.db import connection

from stratatracker.tasks import ping_task


@pytest.mark.postgres
@pytest.mark.redis
def test_worker_round_trip_on_redis(worker_launcher):
    worker = worker_launcher.start()

    result = ping_task.delay()
    answer = result.get(timeout=60)

    assert answer == {"pong": True, "database": connection.settings_dict["NAME"]}
    assert worker.poll() is None
    # The result is stored under the test's key prefix, so the launcher's flush removes it
    # (it was left behind in Redis after every run).
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert client.exists(f"celery-task-meta-{result.id}") == 0
    assert client.exists(f"{worker_launcher.prefix}celery-task-meta-{result.id}") == 1
