"""Celery tasks of the register."""

from celery import shared_task

from properties.import_run import register_import_job_run
from properties.resident_access import sign_in_link_send


@shared_task(ignore_result=True)
def import_register_task(job_id: int) -> None:
    """Import a register file too large for the request (properties.import_run). Safe to run
    twice: a job already claimed, running or finished, is left alone."""
    register_import_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def sign_in_link_task(email: str) -> None:
    """Email a resident sign-in link to ``email`` if the register knows it
    (``properties.resident_access.sign_in_link_send``), after the request has answered."""
    sign_in_link_send(email=email)
