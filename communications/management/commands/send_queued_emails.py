"""Send every due queued email now, in this process: for cron, or to see mail without a worker."""

from django.conf import settings
from django.core.management.base import BaseCommand

from communications import sending


class Command(BaseCommand):
    help = (
        "Send the outbox's due queued emails from this process (no Celery worker needed). "
        "Safe next to running workers: each row is claimed by exactly one sender."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=0, help="Stop after this many emails (0: no limit)."
        )

    def handle(self, *args, limit, **options):
        if limit < 0:
            self.stderr.write("--limit must be 0 (no limit) or a positive number.")
            raise SystemExit(2)
        totals = sending.BatchResult()
        while not limit or totals.claimed < limit:
            size = settings.OUTBOX_BATCH_SIZE
            if limit:
                size = min(size, limit - totals.claimed)
            rows = sending.claim(limit=size)
            if not rows:
                break
            result = sending.send_batch(rows, worker="send_queued_emails")
            totals.claimed += result.claimed
            totals.sent += result.sent
            totals.failed += result.failed
            totals.retrying += result.retrying
        self.stdout.write(
            f"Sent {totals.sent}, failed {totals.failed}, "
            f"{len(totals.retrying)} to retry later (of {totals.claimed} claimed)."
        )
