"""Propose the continuing fines due today (what beat runs every morning)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from violations.services.continuing import continuing_fines_propose


class Command(BaseCommand):
    help = (
        "Propose the next fine of every continuing contravention whose interval has passed, "
        "for staff to confirm with an observation. Safe to run twice. Cron: daily at 13:07 UTC."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Propose as of this day (YYYY-MM-DD) instead of each strata's today.",
        )

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a date: give it as YYYY-MM-DD."
                ) from None
            if today > timezone.now().date() + dt.timedelta(days=1):
                raise CommandError(
                    f"--date {today} has not begun anywhere yet: a fine is proposed only once "
                    "its interval has passed."
                )
        proposed = continuing_fines_propose(today=today)
        self.stdout.write(f"Continuing fines proposed: {proposed}.")
