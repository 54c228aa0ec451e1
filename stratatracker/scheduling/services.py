"""The one write of scheduled jobs: a run's outcome."""

import datetime as dt

from django.db import transaction

from stratatracker.scheduling.models import JobRun

ERROR_LENGTH = JobRun._meta.get_field("last_error").max_length


def job_run_record(
    *, task: str, finished_at: dt.datetime, duration: dt.timedelta | None, error: str = ""
) -> None:
    """Record that a run of ``task`` ended at ``finished_at``: succeeded unless ``error`` says
    why not. One upsert, so two workers ending runs of the same task at once both land; a
    failure keeps the time of the last success."""
    succeeded = not error
    update_fields = ["last_run_at", "last_duration", "last_succeeded", "last_error"]
    if succeeded:
        update_fields.append("last_success_at")
    row = JobRun(
        task=task,
        last_run_at=finished_at,
        last_duration=duration,
        last_succeeded=succeeded,
        last_error=error[:ERROR_LENGTH],
        last_success_at=finished_at if succeeded else None,
    )
    # A savepoint when the task ran eagerly inside a caller's transaction.
    with transaction.atomic():
        JobRun.objects.bulk_create(
            [row], update_conflicts=True, unique_fields=["task"], update_fields=update_fields
        )
