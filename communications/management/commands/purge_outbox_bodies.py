"""Purge old email bodies (what beat runs daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from communications.housekeeping import outbox_purge_bodies


class Command(BaseCommand):
    help = "Blank the bodies of emails finished more than OUTBOX_BODY_RETENTION_DAYS ago."

    def handle(self, *args, **options):
        count = outbox_purge_bodies()
        self.stdout.write(
            f"Purged the bodies of {count} emails older than "
            f"{settings.OUTBOX_BODY_RETENTION_DAYS} days."
        )
