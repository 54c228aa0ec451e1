"""Enqueue send tasks when the caller's transaction commits, one task per batch of rows.

``queue_email`` may be called hundreds of times in one transaction (a campaign, a council
meeting's decisions). Rather than one broker message per row, every row queued in a
transaction joins one pending kick, and the commit sends one task per batch.

Only documented API is used (``transaction.on_commit``, ``transaction.get_autocommit``, and
``connections`` for a key), no attribute of the connection. The kick of each connection's
transaction is remembered by a **weak** reference, so the only
strong reference to a kick that has not fired is the one Django keeps in its list of on-commit
callbacks. Django drops that entry exactly when the callback must not run: a rollback of the
savepoint the kick was registered in (or of any savepoint around it), a rollback of the
transaction, a closed connection. CPython then frees the kick at once, the weak reference
goes dead, and the next row starts (and registers) a new kick. So a kick found alive and not
fired is still registered, and will run at the next commit.

Why every committed row is enqueued exactly once:

- A row joins the kick found alive and not fired, or else starts one and registers it with
  ``on_commit`` at its own savepoint level. Ids are only ever appended, and a kick sends all
  its ids once (``fired`` is set before it sends; a fired kick is never joined again).
- Suppose row R joins kick K, registered earlier while the savepoints in set S were open (S
  is what Django records with the callback). Django discards K only on the rollback of a
  savepoint in S. Every savepoint of S still open when R is queued encloses R (savepoints
  nest), so its rollback rolls R back too. Every savepoint of S closed by then was released,
  not rolled back (else K would be dead), and a released savepoint is never rolled back. So
  if R commits, K runs at that commit and sends R. In particular, when K was registered by a
  row inside a savepoint that was rolled back, K died with it, and the outer block's later
  rows start a new kick rather than join a discarded one.
- Ids of rows rolled back after joining a live kick (a savepoint inside K's) are sent too,
  as before: the task claims only rows still ``queued``, so it finds nothing for them. SQLite
  may hand such an id to a later row of the same transaction, so a kick sends each id once.
- Outside a transaction (autocommit) ``on_commit`` runs the kick at once: one task. Inside
  ``atomic`` autocommit is off, and Django turns it back on before it runs the callbacks.
- While the callbacks of a commit run, a kick waiting its turn is alive and not fired: rows a
  callback before it queues in a transaction of its own join it, and it sends them when its
  turn comes, after that callback (and so its transaction) has returned.

Messages: one kick per transaction when no savepoint rolls back, so one task per
OUTBOX_BATCH_SIZE rows, as before; a rolled-back savepoint that had started the kick costs one
more kick for the rows after it. Cost per row: one dictionary lookup and one append.

The weak reference relies on CPython's reference counting freeing the kick when Django drops
it, and on nothing else holding it: this module keeps only the weak reference. Were a dropped
kick kept alive all the same (a test holding on to callbacks it captured and never ran; a
traceback, still referenced, from an earlier on-commit callback that raised before the kick's
turn), rows joining it would not be lost: they stay ``queued`` and the sweep enqueues them
after OUTBOX_REQUEUE_AFTER_SECONDS.
"""

import weakref

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from communications.tasks import enqueue_send


class _Kick:
    __slots__ = ("__weakref__", "fired", "ids")

    def __init__(self, email_id: int):
        self.ids: list[int] = [email_id]
        self.fired = False

    def __call__(self):
        self.fired = True
        # SQLite may give a rolled-back row's id to a later row: each id once.
        enqueue_send(list(dict.fromkeys(self.ids)))


# Per connection (so per thread): a weak reference to the kick of its current transaction.
_open_kicks: weakref.WeakKeyDictionary[object, weakref.ref[_Kick]] = weakref.WeakKeyDictionary()


def schedule_send(email_id: int) -> None:
    """Send this row after the current transaction commits (at once in autocommit)."""
    if transaction.get_autocommit():
        transaction.on_commit(_Kick(email_id), robust=True)  # runs now
        return
    connection = connections[DEFAULT_DB_ALIAS]
    ref = _open_kicks.get(connection)
    kick = ref() if ref is not None else None
    if kick is not None and not kick.fired:
        kick.ids.append(email_id)
        return
    kick = _Kick(email_id)
    _open_kicks[connection] = weakref.ref(kick)
    transaction.on_commit(kick, robust=True)
