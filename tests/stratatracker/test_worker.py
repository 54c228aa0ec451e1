"""A real Celery worker on Redis runs a task against the test database."""

import pytest
from django.db import connection

from stratatracker.tasks import ping_task


@pytest.mark.postgres
@pytest.mark.redis
def test_worker_round_trip_on_redis(celery_worker):
    result = ping_task.delay()
    answer = result.get(timeout=60)
    assert answer == {"pong": True, "database": connection.settings_dict["NAME"]}
    assert celery_worker.poll() is None
