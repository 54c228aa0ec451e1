"""Celery tasks of enforcement: short jobs on the ``default`` queue."""

from celery import shared_task

from violations.services import violation_services_check


@shared_task(ignore_result=True)
def check_notice_services_task() -> int:
    """Every few minutes: legal emails the outbox failed to deliver, or that bounced, become
    paper-service tasks in the print queue (SPA s.61 service must still happen)."""
    return violation_services_check()
