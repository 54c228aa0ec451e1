"""Celery tasks of the register."""

from celery import shared_task

from properties.import_run import register_import_job_run


@shared_task(ignore_result=True)
def import_register_task(job_id: int) -> None:
    """Import a register file too large for the request (properties.import_run). Safe to run
    twice: a job already claimed, running or finished, is left alone."""
    register_import_job_run(job_id=job_id)
