"""Celery tasks of enforcement: short jobs on the ``default`` queue."""

from celery import shared_task

from violations.services import violation_services_check
from violations.services.continuing import continuing_fines_propose
from violations.services.digests import digests_send
from violations.services.file_sweep import orphan_files_purge
from violations.services.reminders import deadline_reminders_send


@shared_task(ignore_result=True)
def check_notice_services_task() -> int:
    """Every few minutes: emailed letters the mail server accepted are served (deemed given
    4 days after that day, SPA s.61(3)); those the outbox failed to deliver, or that bounced,
    become paper-service tasks in the print queue (SPA s.61 service must still happen)."""
    return violation_services_check()


@shared_task(ignore_result=True)
def propose_continuing_fines_task() -> int:
    """Daily: propose the next fine of each continuing contravention whose interval has
    passed (SPA s.135(3)); staff confirm or dismiss it. Running twice proposes nothing new."""
    return continuing_fines_propose()


@shared_task(ignore_result=True)
def send_digests_task() -> int:
    """Hourly: each staff member's daily digest, once their local time reaches
    DIGEST_LOCAL_HOUR. The dedup key makes every later run that day a no-op."""
    return digests_send()


@shared_task(ignore_result=True)
def send_deadline_reminders_task() -> int:
    """Hourly: response-deadline reminders to parties who have not answered, once each."""
    return deadline_reminders_send()


@shared_task(ignore_result=True)
def purge_orphan_files_task() -> int:
    """Daily: delete stored files a rolled-back transaction left and no row names."""
    return len(orphan_files_purge())
