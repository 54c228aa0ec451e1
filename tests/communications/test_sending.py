"""Sending: claims, outcomes, retries with backoff, permanent failures, headers (DESIGN §7).

These run the send path in-process against the real aiosmtpd sink; tests/communications/
test_outbox_worker.py repeats the important ones through a real worker on Redis.
"""

import datetime as dt
from email import message_from_bytes

import pytest
import time_machine
from django.core.management import call_command

from communications import sending
from communications.models import DeliveryAttempt, OutboundEmail
from communications.services import queue_email

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def fast_retries(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 2
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 5
    settings.OUTBOX_MAX_ATTEMPTS = 5


def _queue(to="owner@example.test", key="violation:1:notice:a:v1", kind="notice"):
    return queue_email(
        kind=kind,
        to=to,
        subject="Notice",
        body_text="Particulars",
        body_html="<p>Particulars</p>",
        dedup_key=key,
    )


def _drain(at):
    with time_machine.travel(at, tick=False):
        call_command("send_queued_emails", stdout=None)


def test_a_sent_email_carries_its_row_message_id_and_records_the_server_reply(smtp_sink):
    row = _queue()
    _drain(NOON)
    row.refresh_from_db()
    [(_sender, recipients, raw)] = smtp_sink.messages
    message = message_from_bytes(raw)
    assert recipients == ["owner@example.test"]
    assert message["Message-ID"] == row.message_id == f"<{row.uuid}@127.0.0.1>"
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, NOON)
    assert row.provider_message_id == "250 2.0.0 Ok: queued as sink-1"
    assert row.lease_until is None
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.number, attempt.outcome, attempt.smtp_code) == (1, "sent", 250)
    assert message.get_content_type() == "multipart/alternative"


@pytest.mark.reliability
def test_451_twice_then_250_is_delivered_on_the_third_attempt(smtp_sink, fast_retries):
    smtp_sink.script["owner@example.test"] = ["451 4.3.0 Try later"] * 2
    row = _queue()
    _drain(NOON)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == NOON + dt.timedelta(seconds=2)
    _drain(NOON + dt.timedelta(seconds=1))  # not due yet: nothing happens
    assert smtp_sink.data_attempts["owner@example.test"] == 1
    _drain(NOON + dt.timedelta(seconds=2))
    row.refresh_from_db()
    assert row.next_attempt_at == NOON + dt.timedelta(seconds=2 + 4)
    _drain(NOON + dt.timedelta(seconds=6))
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 3)
    assert list(
        DeliveryAttempt.objects.filter(email=row).values_list("number", "outcome", "smtp_code")
    ) == [(1, "transient", 451), (2, "transient", 451), (3, "sent", 250)]
    assert len(smtp_sink.messages) == 1


@pytest.mark.reliability
def test_550_fails_at_once_and_is_never_retried(smtp_sink, fast_retries):
    smtp_sink.script["owner@example.test"] = ["550 5.1.1 No such user"]
    row = _queue()
    _drain(NOON)
    _drain(NOON + dt.timedelta(hours=1))
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "550 5.1.1 No such user"
    assert smtp_sink.data_attempts == {"owner@example.test": 1}
    assert DeliveryAttempt.objects.get().outcome == "permanent"


@pytest.mark.reliability
def test_transient_failures_give_up_after_the_last_attempt(smtp_sink, fast_retries, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp_sink.script["owner@example.test"] = ["421 4.7.0 Busy"] * 10
    row = _queue()
    for second in (0, 10, 20, 30):
        _drain(NOON + dt.timedelta(seconds=second))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "421 4.7.0 Busy")
    assert smtp_sink.data_attempts["owner@example.test"] == 3


@pytest.mark.reliability
def test_backoff_doubles_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 100
    assert [sending.backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


@pytest.mark.reliability
def test_one_failure_does_not_stop_the_rest_of_the_batch(smtp_sink, fast_retries):
    smtp_sink.script["b@example.test"] = ["550 5.1.1 No such user"]
    for name in "abc":
        _queue(to=f"{name}@example.test", key=f"k:{name}")
    _drain(NOON)
    statuses = dict(OutboundEmail.objects.values_list("to_address", "status"))
    assert statuses == {
        "a@example.test": "sent",
        "b@example.test": "failed",
        "c@example.test": "sent",
    }
    assert len(smtp_sink.messages) == 2


@pytest.mark.reliability
def test_a_row_claimed_by_another_sender_is_not_claimed_again(smtp_sink):
    row = _queue()
    with time_machine.travel(NOON, tick=False):
        [claimed] = sending.claim(limit=10)
        assert sending.claim(limit=10) == []
    assert claimed.pk == row.pk
    _drain(NOON)
    assert smtp_sink.messages == []


@pytest.mark.reliability
def test_rows_whose_lease_is_running_out_go_back_to_the_queue_untried(smtp_sink, settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    _queue()
    with time_machine.travel(NOON, tick=False):
        rows = sending.claim(limit=10)
    with time_machine.travel(NOON + dt.timedelta(seconds=49), tick=False):
        result = sending.send_batch(rows)  # 11 s left: less than a fifth of the lease
    assert (result.claimed, result.sent, result.retrying) == (1, 0, [(rows[0].pk, 0)])
    assert smtp_sink.messages == []
    row = OutboundEmail.objects.get()
    assert (row.status, row.attempts, row.lease_until) == ("queued", 0, None)
    assert not DeliveryAttempt.objects.exists()


@pytest.fixture
def smtp_sink_refusing_login(settings):
    """The real sink, refusing every AUTH (535); the backend logs in as outbox/rotated-away.

    ``handler.logins`` records each AUTH the sink saw as (mechanism, login, password).
    """
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from tests.conftest import SinkHandler, free_port

    handler = SinkHandler()
    handler.logins = []

    def refuse(server, session, envelope, mechanism, auth_data):
        handler.logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=False, handled=False)  # "535 5.7.8 ... credentials invalid"

    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        auth_require_tls=False,
        authenticator=refuse,
    )
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "communications.smtp.EmailBackend",
            "OPTIONS": {
                "host": "127.0.0.1",
                "port": controller.port,
                "timeout": 5,
                "username": "outbox",
                "password": "rotated-away",
            },
        }
    }
    try:
        yield handler
    finally:
        controller.stop()


@pytest.mark.reliability
def test_a_server_that_refuses_our_login_retries_and_stops_the_batch(
    smtp_sink_refusing_login, fast_retries
):
    sink = smtp_sink_refusing_login
    for name in "abc":
        _queue(to=f"{name}@example.test", key=f"k:{name}")
    refused = "535 5.7.8 Authentication credentials invalid"

    _drain(NOON)
    # smtplib offers each mechanism the sink advertises, once, for the first row only.
    assert sink.logins == [
        ("PLAIN", b"outbox", b"rotated-away"),
        ("LOGIN", b"outbox", b"rotated-away"),
    ]
    rows = OutboundEmail.objects.order_by("pk")
    assert list(rows.values_list("status", "attempts", "last_error", "next_attempt_at")) == [
        ("queued", 1, refused, NOON + dt.timedelta(seconds=2)),
        ("queued", 0, "", NOON + dt.timedelta(seconds=2)),
        ("queued", 0, "", NOON + dt.timedelta(seconds=2)),
    ]

    _drain(NOON + dt.timedelta(seconds=2))  # the retry is refused the same way
    assert len(sink.logins) == 4
    assert list(rows.values_list("status", "attempts", "next_attempt_at")) == [
        ("queued", 2, NOON + dt.timedelta(seconds=2 + 4)),
        ("queued", 0, NOON + dt.timedelta(seconds=2 + 2)),
        ("queued", 0, NOON + dt.timedelta(seconds=2 + 2)),
    ]
    assert list(
        DeliveryAttempt.objects.order_by("pk").values_list(
            "email__to_address", "number", "outcome", "smtp_code", "error"
        )
    ) == [
        ("a@example.test", 1, "transient", 535, refused),
        ("a@example.test", 2, "transient", 535, refused),
    ]
    assert (sink.messages, sink.data_attempts) == ([], {})


@pytest.mark.reliability
def test_refusals_of_our_login_or_sender_stop_the_batch_and_a_recipients_does_not():
    import smtplib

    failure = sending.classify(smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"))
    assert (failure.transient, failure.stops_batch, failure.code) == (True, True, 535)
    refused = sending.classify(smtplib.SMTPSenderRefused(553, b"5.7.1 Not yours", "a@b"))
    assert (refused.transient, refused.stops_batch) == (True, True)
    recipient = sending.classify(smtplib.SMTPRecipientsRefused({"x@y": (550, b"5.1.1 no")}))
    assert (recipient.transient, recipient.stops_batch) == (False, False)


@pytest.mark.reliability
def test_an_unreachable_server_fails_one_attempt_and_returns_the_rest_untried(
    settings, fast_retries
):
    from tests.conftest import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "communications.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    for name in "abc":
        _queue(to=f"{name}@example.test", key=f"k:{name}")
    _drain(NOON)
    rows = list(OutboundEmail.objects.order_by("pk").values_list("status", "attempts"))
    assert rows == [("queued", 1), ("queued", 0), ("queued", 0)]
    assert DeliveryAttempt.objects.get().error.startswith("ConnectionRefusedError")
    assert set(OutboundEmail.objects.values_list("next_attempt_at", flat=True)) == {
        NOON + dt.timedelta(seconds=2)
    }


def test_the_dedup_key_goes_out_as_the_providers_idempotency_key(smtp_sink, settings):
    settings.OUTBOX_IDEMPOTENCY_HEADER = "Resend-Idempotency-Key"
    _queue(key="violation:9:notice:p:v2")
    _drain(NOON)
    [(_s, _r, raw)] = smtp_sink.messages
    assert message_from_bytes(raw)["Resend-Idempotency-Key"] == "violation:9:notice:p:v2"


def test_the_rate_limit_spaces_messages_in_a_worker(smtp_sink, settings, monkeypatch):
    settings.OUTBOX_RATE_PER_SECOND = 4
    waits = []
    monkeypatch.setattr(sending.time, "sleep", waits.append)
    monkeypatch.setattr(sending.time, "monotonic", lambda: 100.0)  # a frozen clock
    monkeypatch.setattr(sending, "_last_send", [0.0])
    for name in "abc":
        _queue(to=f"{name}@example.test", key=f"k:{name}")
    _drain(NOON)
    assert len(smtp_sink.messages) == 3
    assert waits == [0.25, 0.25]  # the first goes at once, then one every 1/4 second


def test_send_queued_emails_reports_what_it_did(smtp_sink, capsys):
    smtp_sink.script["b@example.test"] = ["550 5.1.1 No such user"]
    _queue(to="a@example.test", key="k:a")
    _queue(to="b@example.test", key="k:b")
    call_command("send_queued_emails")
    assert capsys.readouterr().out.strip() == ("Sent 1, failed 1, 0 to retry later (of 2 claimed).")


def test_send_queued_emails_refuses_a_negative_limit(capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("send_queued_emails", "--limit", "-1")
    assert exit_info.value.code == 2
    assert "--limit must be 0" in capsys.readouterr().err
