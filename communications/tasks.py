"""Celery tasks of the outbox. Only ``send_emails_task`` runs on the ``email`` queue and
acknowledges late (DESIGN §7); the sweep and the cleanup are short jobs on ``default``."""

import logging
from collections import defaultdict

from celery import shared_task
from django.conf import settings

from communications import sending
from communications.housekeeping import outbox_purge_bodies, outbox_sweep

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def send_emails_task(email_ids: list[int]) -> dict:
    """Claim these rows (those still queued and due), send them, schedule retries.

    Safe to run twice or after the sweep: a row already claimed or sent is not claimed again.
    """
    rows = sending.claim(ids=email_ids, limit=len(email_ids))
    result = sending.send_batch(rows, worker=send_emails_task.request.hostname or "")
    by_delay = defaultdict(list)
    for email_id, delay in result.retrying:
        by_delay[delay].append(email_id)
    for delay, ids in by_delay.items():
        enqueue_send(ids, countdown=delay)
    return {"claimed": result.claimed, "sent": result.sent, "failed": result.failed}


@shared_task(ignore_result=True)
def sweep_outbox_task() -> dict:
    """Re-enqueue what the broker lost and reconcile rows whose worker died (every minute)."""
    result = outbox_sweep()
    enqueue_send(result.to_enqueue)
    return result.summary()


@shared_task(ignore_result=True)
def purge_outbox_bodies_task() -> int:
    """Daily: purge the bodies of emails older than the retention period."""
    return outbox_purge_bodies()


def enqueue_send(ids: list[int], *, countdown: int | None = None) -> None:
    """Hand rows to the email workers in batches. A broker outage is logged, not raised: the
    rows stay queued and the sweep enqueues them again."""
    size = max(1, settings.OUTBOX_BATCH_SIZE)
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            send_emails_task.apply_async(args=[chunk], countdown=countdown)
        except Exception:
            logger.exception("Could not enqueue outbox rows %s; the sweep will retry.", chunk)
