"""Run the notice-service check once (what beat runs every five minutes)."""

from django.core.management.base import BaseCommand

from violations.services import violation_services_check


class Command(BaseCommand):
    help = (
        "Settle emailed letters: served once the mail server accepted them (the outbox row "
        "is sent); failed or bounced ones become paper-service tasks in the print queue. "
        "Cron: every five minutes when no beat runs."
    )

    def handle(self, *args, **options):
        settled = violation_services_check()
        self.stdout.write(
            f"Email services settled (served, or turned into paper service): {settled}."
        )
