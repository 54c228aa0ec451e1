"""Beat's scheduler under `make run` (bin/dev-worker).

A development machine runs beat only while `make run` does: for a few hours a day, often not at
13:07 UTC when the continuing fines are proposed. Beat's own file-backed scheduler already runs a
job it missed while stopped once it starts again (the schedule file keeps each job's last run),
but a job the file has never seen waits for its next time: on a fresh checkout the daily jobs
would wait for a moment the laptop is rarely on. Here such a job is due at once. Every
scheduled job is safe to run at any time and any number of times (docs/operations.md).
"""

import datetime as dt

from celery.beat import PersistentScheduler

# Far enough back that every schedule has come round since.
NEVER = dt.timedelta(days=400)


class CatchUpScheduler(PersistentScheduler):
    """PersistentScheduler where a job without a last run in the schedule file runs at once."""

    def merge_inplace(self, b):
        new = set(b) - set(self.schedule)
        super().merge_inplace(b)
        for name in new:
            entry = self.schedule[name]
            entry.last_run_at = entry.default_now() - NEVER

    def install_default_entries(self, data):
        """No `celery.backend_cleanup` entry: development keeps no results in a database."""
