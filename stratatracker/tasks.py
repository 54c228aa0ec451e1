"""Infrastructure tasks that belong to no app."""

from celery import shared_task
from django.db import connection


@shared_task(ignore_result=False)
def ping_task() -> dict:
    """Answer with the database this worker uses: proves broker, worker and database together."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": one == 1, "database": str(connection.settings_dict["NAME"])}
