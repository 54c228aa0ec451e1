"""Send the response-deadline reminders due now (what beat runs every hour)."""

from django.core.management.base import BaseCommand

from violations.services.reminders import deadline_reminders_send


class Command(BaseCommand):
    help = (
        "Remind the parties who have not answered a notice that its response deadline is "
        "near (the strata's reminder lead days); once each. Cron: hourly when no beat runs."
    )

    def handle(self, *args, **options):
        queued = deadline_reminders_send()
        self.stdout.write(f"Reminders queued: {queued}.")
