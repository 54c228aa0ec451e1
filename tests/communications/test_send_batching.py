"""schedule_send: one kick per transaction, one task per batch, and savepoints (DESIGN §7).

A kick is one call of ``enqueue_send`` at commit; a task is one broker message. Inside the
test's own transaction, ``django_capture_on_commit_callbacks(execute=True)`` stands for the
commit while savepoints roll back for real; the ``transaction=True`` tests commit for real.
"""

import pytest
from django.db import transaction

from communications import scheduling
from communications.models import OutboundEmail
from communications.services import queue_email


@pytest.fixture
def kicks(monkeypatch):
    """The ids of every kick, in the order they ran."""
    seen: list[list[int]] = []
    real = scheduling.enqueue_send

    def recording(ids, **options):
        seen.append(list(ids))
        return real(ids, **options)

    monkeypatch.setattr(scheduling, "enqueue_send", recording)
    return seen


@pytest.fixture
def tasks(monkeypatch):
    """The ids of every task handed to the broker (tasks run eagerly: the rows are sent)."""
    from communications.tasks import send_emails_task

    seen: list[list[int]] = []
    original = send_emails_task.apply_async

    def recording(args, **options):
        seen.append(list(args[0]))
        return original(args, **options)

    monkeypatch.setattr(send_emails_task, "apply_async", recording)
    return seen


def _queue(name: str) -> int:
    return queue_email(
        kind="notice",
        to=f"{name}@example.test",
        subject="Notice of complaint",
        body_text="Particulars...",
        dedup_key=f"batching:{name}",
    ).pk


def _rolled_back(*names: str) -> list[int]:
    """Queue these rows in a savepoint that then rolls back; their ids."""
    ids = []
    with pytest.raises(RuntimeError), transaction.atomic():
        ids.extend(_queue(name) for name in names)
        raise RuntimeError("the savepoint's caller failed")
    return ids


def _assert_each_committed_row_sent_once(tasks, mailoutbox):
    committed = set(OutboundEmail.objects.values_list("pk", flat=True))
    tasked = [pk for task in tasks for pk in task if pk in committed]
    assert sorted(tasked) == sorted(committed)
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        OutboundEmail.objects.values_list("to_address", flat=True)
    )


# --- Inside one transaction ---------------------------------------------------------------


@pytest.mark.django_db
def test_rows_of_one_transaction_make_one_kick_and_one_task_per_batch(
    settings, kicks, tasks, mailoutbox, django_capture_on_commit_callbacks
):
    settings.OUTBOX_BATCH_SIZE = 4
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        ids = [_queue(f"owner{n}") for n in range(10)]
    assert len(callbacks) == 1
    assert kicks == [ids]
    assert tasks == [ids[:4], ids[4:8], ids[8:]]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)


@pytest.mark.django_db
def test_a_savepoint_rolled_back_inside_the_kick_loses_only_its_own_rows(
    kicks, tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        first = _queue("before")
        gone = _rolled_back("inner1", "inner2")
        last = _queue("after")
    # The kick was started by the outer block, so the rollback left it registered; the ids of
    # the rolled-back rows ride along and the task finds nothing for them (SQLite may give
    # one of them to the last row: each id is sent once).
    assert len(callbacks) == 1
    assert kicks == [list(dict.fromkeys([first, *gone, last]))]
    assert not OutboundEmail.objects.filter(to_address__startswith="inner").exists()
    _assert_each_committed_row_sent_once(tasks, mailoutbox)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_kick_started_in_a_rolled_back_savepoint_goes_with_it_and_later_rows_start_another(
    kicks, tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _rolled_back("inner1", "inner2")
        after = [_queue("after1"), _queue("after2")]
    assert len(callbacks) == 1
    assert kicks == [after]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_kick_started_in_a_released_savepoint_carries_the_outer_rows(
    kicks, tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with transaction.atomic():
            inner = _queue("inner")
        outer = _queue("outer")
    assert len(callbacks) == 1
    assert kicks == [[inner, outer]]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_every_committed_row_of_nested_savepoints_is_sent_exactly_once(
    kicks, tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _rolled_back("a")  # starts a kick that dies with the savepoint
        with transaction.atomic():
            _queue("b")  # starts the kick that commits
            _rolled_back("c", "d")
            with transaction.atomic():
                _queue("e")
        _rolled_back("f")
        with transaction.atomic():
            _queue("g")
            _rolled_back("h")
        _queue("i")
    assert len(kicks) == 1
    assert sorted(OutboundEmail.objects.values_list("to_address", flat=True)) == [
        f"{name}@example.test" for name in "begi"
    ]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)
    assert len(mailoutbox) == 4


@pytest.mark.django_db
def test_a_kick_that_has_fired_is_not_joined(
    kicks, tasks, mailoutbox, django_capture_on_commit_callbacks
):
    # Still inside the test's transaction: the first kick runs at the end of the first block.
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue("first")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _queue("second")
    assert len(callbacks) == 1  # a new kick, registered anew
    assert kicks == [[first], [second]]
    assert tasks == [[first], [second]]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)


@pytest.mark.django_db
def test_a_row_queued_again_joins_no_kick(kicks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _queue("owner")
        assert _queue("owner") == first  # the same key again: the existing row
    assert len(callbacks) == 1
    assert kicks == [[first]]


# --- Real commits ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_a_row_is_enqueued_at_once(kicks, tasks, mailoutbox):
    first = _queue("first")
    assert kicks == [[first]]
    second = _queue("second")
    assert kicks == [[first], [second]]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)


@pytest.mark.django_db(transaction=True)
def test_two_transactions_in_a_row_make_two_kicks(kicks, tasks, mailoutbox):
    with transaction.atomic():
        one = [_queue("one-a"), _queue("one-b")]
    assert kicks == [one]
    with transaction.atomic():
        two = [_queue("two-a")]
    assert kicks == [one, two]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_drops_its_kick_and_the_next_starts_afresh(
    kicks, tasks, mailoutbox
):
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue("lost-a")
        _queue("lost-b")
        raise RuntimeError("the caller failed")
    assert kicks == []
    with transaction.atomic():
        kept = [_queue("kept")]
    assert kicks == [kept]  # not the rolled-back transaction's kick, nor its ids
    _assert_each_committed_row_sent_once(tasks, mailoutbox)
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_kick_started_in_a_rolled_back_savepoint_of_a_committed_transaction(
    kicks, tasks, mailoutbox
):
    with transaction.atomic():
        _rolled_back("inner")
        after = [_queue("after1"), _queue("after2")]
    assert kicks == [after]
    _assert_each_committed_row_sent_once(tasks, mailoutbox)
    assert len(mailoutbox) == 2
