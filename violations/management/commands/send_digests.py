"""Send the daily digests due now (what beat runs every hour)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from violations.services.digests import digests_send

# UTC+14 (Kiribati) is the first zone to reach a date: no staff member's day is later.
LATEST_OFFSET = dt.timedelta(hours=14)


class Command(BaseCommand):
    help = (
        "Queue each staff member's daily digest once their local time has reached "
        "DIGEST_LOCAL_HOUR; nobody gets two for one day. Cron: hourly when no beat runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help=(
                "Send the digest of this day (YYYY-MM-DD) to everyone who has not had it, "
                "whatever the hour: to catch up after the scheduler was down."
            ),
        )

    def handle(self, *args, **options):
        on = None
        if options["date"]:
            try:
                on = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a date: give it as YYYY-MM-DD."
                ) from None
            if on > (timezone.now() + LATEST_OFFSET).date():
                raise CommandError(f"--date {on} has not begun anywhere yet: no digest for it.")
        queued = digests_send(on=on)
        self.stdout.write(f"Digests queued: {queued}.")
