"""queue_email: keys, the content window, suppressions, transactions (DESIGN §7)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from communications.models import OutboundEmail, Suppression
from communications.services import queue_email, suppression_add

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _notice(to="owner@example.test", key="violation:abc:notice:p1:v1", **extra):
    return queue_email(
        kind="notice",
        to=to,
        subject="Notice of complaint",
        body_text="Particulars...",
        dedup_key=key,
        **extra,
    )


def _newsletter(to="owner@example.test", key=None, body="Pool closes Friday."):
    return queue_email(
        kind="campaign", to=to, subject="Building news", body_text=body, dedup_key=key
    )


def test_queueing_the_same_key_again_returns_the_first_row_and_sends_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _notice()
        again = _notice(to="OWNER@example.test ")
    assert again.pk == first.pk
    assert OutboundEmail.objects.get().status == "sent"
    assert len(mailoutbox) == 1


def test_a_rolled_back_transaction_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notice()
        raise RuntimeError("the caller failed")
    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


def test_a_rolled_back_savepoint_loses_only_its_own_rows(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            _notice(key="k:inner")
            raise RuntimeError
        _notice(key="k:outer", to="other@example.test")
    assert list(OutboundEmail.objects.values_list("dedup_key", "status")) == [("k:outer", "sent")]
    assert [m.to for m in mailoutbox] == [["other@example.test"]]


def test_a_duplicate_key_does_not_abort_the_callers_transaction():
    with transaction.atomic():
        _notice()
        _notice()
        Suppression.objects.create(address="x@example.test", reason="bounced", scope="all")
    assert OutboundEmail.objects.count() == 1
    assert Suppression.objects.count() == 1


def test_many_rows_in_one_transaction_are_sent_in_batches(
    settings, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from communications.tasks import send_emails_task

    settings.OUTBOX_BATCH_SIZE = 4
    batches = []
    original = send_emails_task.apply_async

    def recording(args, **options):
        batches.append(len(args[0]))
        return original(args, **options)

    monkeypatch.setattr(send_emails_task, "apply_async", recording)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for number in range(10):
            _notice(to=f"owner{number}@example.test", key=f"k:{number}")
    assert len(callbacks) == 1  # one kick for the whole transaction
    assert batches == [4, 4, 2]  # one task per batch
    assert OutboundEmail.objects.filter(status="sent").count() == 10
    assert len(mailoutbox) == 10


def test_same_content_to_the_same_address_inside_the_window_is_a_duplicate(
    mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        first = _newsletter(key="campaign:1:owner")
        second = _newsletter(key="campaign:2:owner")
    assert (first.status, second.status) == ("queued", "duplicate")
    assert second.duplicate_of_id == first.pk
    first.refresh_from_db()
    assert first.status == "sent"
    assert len(mailoutbox) == 1


def test_after_the_window_the_same_content_is_sent_again(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.OUTBOX_WINDOW_SECONDS = 600
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        _newsletter(key="campaign:1:owner")
    later = NOON + dt.timedelta(seconds=601)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        second = _newsletter(key="campaign:2:owner")
    second.refresh_from_db()
    assert second.status == "sent"
    assert len(mailoutbox) == 2


def test_legal_notices_to_one_shared_mailbox_for_two_co_owners_are_both_sent(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _notice(to="family@example.test", key="violation:abc:notice:owner-a:v1")
        _notice(to="family@example.test", key="violation:abc:notice:owner-b:v1")
    assert list(OutboundEmail.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert len(mailoutbox) == 2


def test_a_suppressed_address_gets_notices_but_not_newsletters(
    mailoutbox, django_capture_on_commit_callbacks
):
    suppression_add(address="Owner@Example.test", reason="unsubscribed", scope="newsletters")
    with django_capture_on_commit_callbacks(execute=True):
        newsletter = _newsletter()
        notice = _notice()
    assert newsletter.status == "suppressed"
    notice.refresh_from_db()
    assert notice.status == "sent"
    assert [m.subject for m in mailoutbox] == ["Notice of complaint"]


def test_a_suppression_of_everything_still_lets_legal_notices_through(mailoutbox):
    suppression_add(address="owner@example.test", reason="bounced", scope="all")
    reminder = queue_email(
        kind="reminder", to="owner@example.test", subject="Reminder", body_text="Due soon."
    )
    assert reminder.status == "suppressed"
    assert _notice().status == "queued"


def test_derived_keys_make_one_email_per_hour():
    with time_machine.travel(NOON, tick=False):
        a = queue_email(kind="system", to="a@example.test", subject="S", body_text="one")
        b = queue_email(kind="system", to="a@example.test", subject="S", body_text="two")
    with time_machine.travel(NOON + dt.timedelta(hours=1), tick=False):
        c = queue_email(kind="system", to="a@example.test", subject="S", body_text="three")
    assert a.pk == b.pk
    assert c.pk != a.pk
    assert a.dedup_key.startswith("derived:system:")


def test_legal_emails_need_an_explicit_key():
    with pytest.raises(ValueError, match="explicit dedup_key"):
        queue_email(kind="decision", to="a@example.test", subject="S", body_text="B")
    assert not OutboundEmail.objects.exists()


def test_a_missing_address_is_a_field_error():
    with pytest.raises(ValidationError) as error:
        queue_email(kind="system", to="  ", subject="S", body_text="B")
    assert error.value.message_dict == {"to": ["An email address is needed."]}


def test_the_strata_sender_name_and_reply_to_are_used(strata, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "StrataTracker <noreply@strata.example>"
    strata.sender_name = "Harbour View Council"
    strata.reply_email = "council@harbourview.example"
    strata.save()
    row = _notice(strata=strata)
    assert row.from_email == "Harbour View Council <noreply@strata.example>"
    assert row.reply_to == "council@harbourview.example"


def test_a_bounce_suppresses_the_address_and_a_replayed_webhook_records_nothing():
    from communications.models import TrackingEvent
    from communications.services import tracking_event_record

    sent = _newsletter()
    first = tracking_event_record(
        email=sent, kind="bounce", occurred_at=NOON, provider_event_id="evt-1"
    )
    replay = tracking_event_record(
        email=sent, kind="bounce", occurred_at=NOON, provider_event_id="evt-1"
    )
    assert replay is None
    assert TrackingEvent.objects.get() == first
    assert (first.email, first.kind, first.provider_event_id) == (sent, "bounce", "evt-1")
    assert list(Suppression.objects.values_list("address", "reason", "scope")) == [
        ("owner@example.test", "bounced", "all")
    ]
    assert _newsletter(key="campaign:2:owner", body="Another").status == "suppressed"
    assert _notice().status == "queued"
