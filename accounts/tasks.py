"""Celery tasks of accounts. They take plain values and call a service."""

from celery import shared_task

from accounts import services


@shared_task(ignore_result=True)
def queue_password_reset_task(email: str) -> int:
    """Queue the password reset emails for this address, if any account holds it.

    Safe to run twice: a second run within the hour derives the same outbox key.
    """
    return services.password_reset_queue(email=email)
