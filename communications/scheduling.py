"""Enqueue send tasks when the caller's transaction commits, one task per batch of rows.

``queue_email`` may be called hundreds of times in one transaction (a campaign, a council
meeting's decisions). Rather than one broker message per row, every row queued in a
transaction joins one pending kick, and the commit sends one task per batch. A kick registered
inside a savepoint that rolls back is discarded by Django with the savepoint, and the next row
starts a new one; rows whose insert was rolled back are simply not found by the task.
"""

from django.db import connection, transaction

from communications.tasks import enqueue_send


class _Kick:
    def __init__(self):
        self.ids: list[int] = []
        self.fired = False

    def __call__(self):
        self.fired = True
        enqueue_send(self.ids)


def schedule_send(email_id: int) -> None:
    """Send this row after the current transaction commits (at once in autocommit)."""
    if connection.in_atomic_block:
        # Django keeps on-commit callbacks as (savepoint ids, callable, robust) tuples.
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Kick) and not func.fired:
                func.ids.append(email_id)
                return
    kick = _Kick()
    kick.ids.append(email_id)
    transaction.on_commit(kick, robust=True)
