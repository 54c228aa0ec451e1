"""Run the outbox sweep once (what beat runs every minute)."""

from django.core.management.base import BaseCommand

from communications.housekeeping import outbox_sweep
from communications.tasks import enqueue_send


class Command(BaseCommand):
    help = (
        "Re-enqueue queued emails the broker lost and reconcile emails whose worker died. "
        "Cron: every minute, next to send_queued_emails when no worker runs."
    )

    def handle(self, *args, **options):
        result = outbox_sweep()
        enqueue_send(result.to_enqueue)
        summary = result.summary()
        self.stdout.write(
            "Re-enqueued {requeued}, claimed but never tried {untried}, "
            "legal emails sent again {resent_legal}, "
            "marked unknown {unknown}, failed {failed}.".format(**summary)
        )
