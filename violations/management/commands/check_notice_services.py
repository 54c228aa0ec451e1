"""Run the notice-service check once (what beat runs every five minutes)."""

from django.core.management.base import BaseCommand

from violations.services import violation_services_check


class Command(BaseCommand):
    help = (
        "Turn letters whose email failed or bounced into paper-service tasks in the print "
        "queue. Cron: every five minutes when no beat runs."
    )

    def handle(self, *args, **options):
        turned = violation_services_check()
        self.stdout.write(f"Email services turned into paper service: {turned}.")
