"""Delete stored files that no row names (left by rolled-back transactions)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from violations.services.file_sweep import DEFAULT_AGE, orphan_files_purge


class Command(BaseCommand):
    help = (
        "Delete private files (letters, evidence, complaints, hearings, case files) that no "
        "record names and that are older than --hours (default 24). Cron: daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=int(DEFAULT_AGE.total_seconds() // 3600))
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files without deleting them."
        )

    def handle(self, *args, hours, dry_run, **options):
        if hours < 1:
            raise CommandError(
                "--hours must be at least 1: a younger file may belong to a transaction "
                "still running."
            )
        orphans = orphan_files_purge(older_than=dt.timedelta(hours=hours), dry_run=dry_run)
        for name in orphans:
            self.stdout.write(name)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {len(orphans)} file(s) no record names.")
