"""Running a background register import (``properties.tasks.import_register_task``).

The job claims itself (queued to running, one UPDATE), so a second delivery, or a second run of
a finished job, does nothing. It imports its file through the admin's resource, as the manager
who started it: every row passes the same widgets and ``register_record_check_edit`` as the
preview and is written by ``register_record_save``. Like the admin's import it is all or
nothing: one transaction, rolled back if any row has an error, so a job reports every row's
errors and writes nothing of the file.

The rows done go to the cache while that transaction runs (a count written to the job's row
inside it would only be seen at the end), about a hundred times per file however long it is:
the cache is a network round trip in production, and the transaction should not wait on one
per row. The job's row gets the final counts.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.request_meta import AuditContext
from properties.import_files import import_file_read
from properties.models import RegisterImportJob
from properties.register_io import RESOURCES

ERRORS_KEPT = 100  # rows with errors a job keeps to show; rows_failed counts them all
PROGRESS_SECONDS = 24 * 3600
PROGRESS_WRITES = 100  # progress updates per file at most (one per row for a short file)
State = RegisterImportJob.State


def _progress_key(job_id: int) -> str:
    return f"properties:register-import:{job_id}:rows-done"


def register_import_job_rows_done(job: RegisterImportJob) -> int:
    """Rows checked so far: the running job's count in the cache, else the job's own."""
    if job.state == State.RUNNING:
        return cache.get(_progress_key(job.pk), 0)
    return job.rows_done


def register_import_job_run(*, job_id: int) -> RegisterImportJob | None:
    """Import a queued job's file; None if the job was already claimed (or does not exist)."""
    now = timezone.now()
    claimed = RegisterImportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        return None
    job = RegisterImportJob.objects.select_related("created_by").get(pk=job_id)
    key = _progress_key(job.pk)
    cache.set(key, 0, PROGRESS_SECONDS)
    try:
        with job.file.open("rb") as stored:
            content = stored.read()
    except (OSError, ValueError):  # ValueError: the job has no file
        gone = _("The file of this import is gone; upload it again.")
        return _finish(job, State.FAILED, errors=[{"row": None, "errors": [gone]}])
    try:
        dataset = import_file_read(content, file_format=job.file_format)
    except ValidationError as error:
        return _finish(job, State.FAILED, errors=[{"row": None, "errors": error.messages}])
    resource = RESOURCES[job.resource](
        user=job.created_by,
        context=AuditContext(ip_address=job.ip_address, user_agent=job.user_agent),
        on_row=_progress_writer(key, len(dataset)),
    )
    try:
        result = resource.import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
        )
    except Exception:
        # The transaction rolled back: nothing of the file was written.
        stopped = _("The import stopped on an unexpected error; nothing was imported.")
        _finish(job, State.FAILED, errors=[{"row": None, "errors": [stopped]}])
        raise
    errors = _row_errors(result)
    if errors:
        return _finish(job, State.FAILED, rows_done=result.total_rows, errors=errors)
    return _finish(
        job,
        State.DONE,
        rows_done=result.total_rows,
        rows_new=result.totals["new"],
        rows_updated=result.totals["update"],
        rows_skipped=result.totals["skip"],
    )


def _progress_writer(key: str, rows: int):
    """Called with each row's number: writes every ``step``-th to the cache."""
    step = max(1, -(-rows // PROGRESS_WRITES))

    def write(number: int) -> None:
        if number % step == 0:
            cache.set(key, number, PROGRESS_SECONDS)

    return write


def _row_errors(result) -> list[dict]:
    """Each row's errors as the preview shows them ("column: message"), in row order."""
    errors = [{"row": None, "errors": [str(error.error)]} for error in result.base_errors]
    for row in result.error_rows:
        errors.append({"row": row.number, "errors": [str(error.error) for error in row.errors]})
    for row in result.invalid_rows:
        messages = [
            f"{column}: {message}"
            for column, column_messages in row.field_specific_errors.items()
            for message in column_messages
        ]
        errors.append({"row": row.number, "errors": messages + row.non_field_specific_errors})
    return sorted(errors, key=lambda error: error["row"] or 0)


def _finish(job: RegisterImportJob, state: str, *, errors=(), **counts) -> RegisterImportJob:
    """Record the outcome, then delete the file: the register's data is not kept twice."""
    stored = job.file.name
    job.state = state
    job.finished_at = timezone.now()
    job.rows_failed = sum(1 for error in errors if error["row"] is not None)
    job.row_errors = list(errors)[:ERRORS_KEPT]
    job.file = ""
    for name, value in counts.items():
        setattr(job, name, value)
    job.save()
    cache.delete(_progress_key(job.pk))
    if stored:
        job.file.storage.delete(stored)
    return job
