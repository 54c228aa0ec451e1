"""Claiming and sending outbox rows (DESIGN §7). Only the send task and the
``send_queued_emails`` command call this; nothing else in the project sends mail.

1. Claim: one short transaction moves due rows ``queued`` → ``sending`` with a lease. Two
   workers never hold the same row: the update only takes rows still ``queued``.
2. Send: outside any transaction, over one connection, each message carrying a
   ``Message-ID`` derived from its row.
3. Record: each outcome is committed as soon as the server answers, so a worker killed
   mid-batch leaves at most the message it was sending ambiguous. Attempts are written in bulk
   when the batch ends.
"""

import dataclasses
import datetime as dt
import logging
import queue
import smtplib
import threading
import time
from email.utils import formataddr

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from communications.models import DeliveryAttempt, OutboundEmail

logger = logging.getLogger(__name__)
Status = OutboundEmail.Status


@dataclasses.dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retrying: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (id, delay)
    failed: int = 0


@dataclasses.dataclass(frozen=True)
class _Failure:
    transient: bool
    code: int | None
    error: str
    # The server, the connection or our credentials failed, not this recipient: the rest of
    # the batch waits for the retry instead of failing the same way one by one.
    stops_batch: bool = False


def claim(*, ids: list[int] | None = None, limit: int, now: dt.datetime | None = None):
    """Move up to ``limit`` due ``queued`` rows (of ``ids``, or any) to ``sending``."""
    now = now or timezone.now()
    due = OutboundEmail.objects.filter(status=Status.QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if ids is not None:
        due = due.filter(pk__in=ids)
    lease_until = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        rows = list(due.select_for_update(skip_locked=True).order_by("pk")[:limit])
        if rows:
            OutboundEmail.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=Status.SENDING,
                lease_until=lease_until,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
    for row in rows:
        row.status, row.lease_until, row.attempts = Status.SENDING, lease_until, row.attempts + 1
    return rows


def build_message(row: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": row.message_id, **row.headers}
    if settings.OUTBOX_IDEMPOTENCY_HEADER:
        headers[settings.OUTBOX_IDEMPOTENCY_HEADER] = row.dedup_key
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email,
        to=[formataddr((row.to_name, row.to_address))],
        reply_to=[row.reply_to] if row.reply_to else [],
        headers=headers,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return message


def send_batch(rows: list[OutboundEmail], *, worker: str = "") -> BatchResult:
    """Send claimed rows over one connection and record each outcome. Never inside a
    transaction: the SMTP conversation must not hold database locks.

    Rows this call does not try — the server or connection failed, the lease is running
    out, outcomes can no longer be recorded, anything raised — go back to ``queued`` before
    it returns, so an outage never turns waiting email into ``unknown``.
    """
    result = BatchResult(claimed=len(rows))
    attempts: list[DeliveryAttempt] = []
    untried = list(rows)
    retry_untried_in: int | None = 0
    mailer = recorder = None
    try:
        mailer = mailers[settings.OUTBOX_MAILER]
        recorder = _Recorder.start() if _can_record_in_background() else None
        while untried:
            row = untried[0]
            _throttle()
            started = timezone.now()
            if started + _lease_margin() >= row.lease_until or (recorder and recorder.failed):
                break
            untried.pop(0)
            failure = _send_one(mailer, row)
            finished = timezone.now()
            _record(row, failure, finished, result, recorder)
            attempts.append(_attempt(row, failure, started, finished, worker))
            if failure is not None and failure.stops_batch:
                retry_untried_in = backoff_seconds(1)
                break
    finally:
        if mailer is not None:
            _close_quietly(mailer)
        recorder_error = recorder.finish() if recorder is not None else None
        _release(untried, result, retry_untried_in)
        DeliveryAttempt.objects.bulk_create(attempts)
    if recorder_error is not None:
        raise recorder_error
    return result


def _attempt(row, failure, started, finished, worker: str) -> DeliveryAttempt:
    return DeliveryAttempt(
        email_id=row.pk,
        number=row.attempts,
        started_at=started,
        finished_at=finished,
        outcome=_outcome(failure),
        smtp_code=failure.code if failure else 250,
        error=failure.error if failure else "",
        worker=worker[:200],
    )


def _lease_margin() -> dt.timedelta:
    """Time kept in hand on a lease: one slow send must end before the sweep may take the row."""
    return dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS / 5)


def _release(rows: list[OutboundEmail], result: BatchResult, delay: int | None) -> None:
    """Give untried rows back to the queue; the claim's attempt did not happen."""
    if not rows:
        return
    now = timezone.now()
    released = OutboundEmail.objects.filter(
        pk__in=[row.pk for row in rows], status=Status.SENDING, lease_until=rows[0].lease_until
    ).update(
        status=Status.QUEUED,
        lease_until=None,
        attempts=F("attempts") - 1,
        next_attempt_at=now + dt.timedelta(seconds=delay or 0),
        updated_at=now,
    )
    if released:
        result.retrying += [(row.pk, delay or 0) for row in rows]


def _send_one(mailer, row: OutboundEmail) -> "_Failure | None":
    message = build_message(row)
    try:
        mailer.open()  # a no-op while the connection is up; send_messages then keeps it open
        if mailer.send_messages([message]) != 1:
            return _Failure(False, None, "The mail backend accepted no message.")
    except Exception as error:  # noqa: BLE001 - every failure is classified and recorded
        failure = classify(error)
        if failure.transient:
            _close_quietly(mailer)  # the connection may be unusable: reopen for the next row
        return failure
    row.provider_message_id = _provider_id(message)
    return None


def _record(row, failure, now: dt.datetime, result: BatchResult, recorder) -> None:
    """Commit one outcome. Only the claim that sent it may record it: if the lease ran out
    and the sweep took the row, the sweep's decision stands."""
    if failure is None:
        outcome = (row.pk, row.lease_until, now, row.provider_message_id)
        if recorder is not None:
            recorder.put(outcome)
        else:
            _mark_sent(*outcome)
        result.sent += 1
        return
    mine = OutboundEmail.objects.filter(
        pk=row.pk, status=Status.SENDING, lease_until=row.lease_until
    )
    if failure.transient and row.attempts < settings.OUTBOX_MAX_ATTEMPTS:
        delay = backoff_seconds(row.attempts)
        mine.update(
            status=Status.QUEUED,
            lease_until=None,
            next_attempt_at=now + dt.timedelta(seconds=delay),
            last_error=failure.error,
            updated_at=now,
        )
        result.retrying.append((row.pk, delay))
    else:
        mine.update(
            status=Status.FAILED, lease_until=None, last_error=failure.error, updated_at=now
        )
        result.failed += 1


def _mark_sent(pk: int, lease_until: dt.datetime, now: dt.datetime, provider_id: str) -> None:
    """The hot path: one plain UPDATE per sent message (the ORM's statement building costs
    as much as the round trip; docs/operations.md has the profile)."""
    ops = connection.ops
    table = ops.quote_name(OutboundEmail._meta.db_table)
    now, lease_until = (
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(lease_until),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, lease_until = NULL, "  # noqa: S608 - the table name is ours
            "provider_message_id = %s, last_error = '', updated_at = %s, "
            # A sign-in link is not kept once it went out.
            "body_text = CASE WHEN sensitive THEN '' ELSE body_text END, "
            "body_html = CASE WHEN sensitive THEN '' ELSE body_html END, "
            "body_purged_at = CASE WHEN sensitive THEN %s ELSE body_purged_at END "
            "WHERE id = %s AND status = %s AND lease_until = %s",
            [Status.SENT, now, provider_id, now, now, pk, Status.SENDING, lease_until],
        )


def _can_record_in_background() -> bool:
    """A second connection sees the rows only outside a transaction, and only PostgreSQL
    takes concurrent writers in its stride (SQLite in development records in line)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _Recorder:
    """Commits "sent" outcomes on its own thread and connection while the next message is
    being sent, so the database round trip overlaps the SMTP one.

    At most two outcomes wait: a worker killed mid-batch loses those, the one being written
    and the message on the wire, which the sweep then reconciles like any interrupted send.
    After an error it records nothing more, and the batch stops sending.
    """

    def __init__(self):
        self._outcomes: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="outbox-recorder", daemon=True)

    @classmethod
    def start(cls) -> "_Recorder":
        recorder = cls()
        recorder._thread.start()
        return recorder

    @property
    def failed(self) -> bool:
        return self._error is not None

    def put(self, outcome: tuple) -> None:
        self._outcomes.put(outcome)

    def finish(self) -> BaseException | None:
        """Wait until every outcome is committed; return what could not be committed."""
        self._outcomes.put(None)
        self._thread.join()
        return self._error

    def _run(self) -> None:
        try:
            while (outcome := self._outcomes.get()) is not None:
                if self._error is None:
                    try:
                        _mark_sent(*outcome)
                    except Exception as error:  # noqa: BLE001 - returned by finish()
                        self._error = error
        finally:
            connection.close()  # this thread's own connection


def backoff_seconds(attempt: int) -> int:
    """base · 2^(attempt-1), capped (the cap stays below the broker's visibility timeout)."""
    delay = settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1)
    return min(delay, settings.OUTBOX_BACKOFF_CAP_SECONDS)


def classify(error: Exception) -> _Failure:
    """Transient (4xx, timeouts, lost connections, the server refusing us) or permanent (a
    recipient's 5xx). Failures of the server or of our own sending retry, legal notices
    included: a rotated password must not fail every queued email."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (None, b""))
        return _Failure(_is_transient(code), code, _text(code, reply))
    if isinstance(error, _SERVER_ERRORS):
        code = getattr(error, "smtp_code", None)
        reply = getattr(error, "smtp_error", str(error))
        return _Failure(True, code, _text(code, reply) if code else _name(error), True)
    if isinstance(error, smtplib.SMTPResponseException):
        return _Failure(
            _is_transient(error.smtp_code),
            error.smtp_code,
            _text(error.smtp_code, error.smtp_error),
        )
    if isinstance(error, AnymailRecipientsRefused):
        return _Failure(False, None, str(error)[:2000])
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        transient = status is None or status == 429 or status >= 500
        return _Failure(transient, None, str(error)[:2000], transient)
    if isinstance(error, smtplib.SMTPException | OSError):
        return _Failure(True, None, _name(error), True)
    return _Failure(False, None, _name(error))


# Errors that say nothing about the recipient: connecting, greeting, TLS, logging in, or the
# server refusing our sender address.
_SERVER_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
)


def _name(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _is_transient(code: int | None) -> bool:
    return code is None or 400 <= code < 500


def _text(code, reply) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode(errors="replace")
    return f"{code} {reply}"[:2000]


def _outcome(failure: "_Failure | None") -> str:
    if failure is None:
        return DeliveryAttempt.Outcome.SENT
    return (
        DeliveryAttempt.Outcome.TRANSIENT
        if failure.transient
        else DeliveryAttempt.Outcome.PERMANENT
    )


def _provider_id(message) -> str:
    status = getattr(message, "anymail_status", None)
    if status is not None and status.message_id:
        return str(status.message_id)[:255]
    return getattr(message, "provider_reply", "")[:255]


def _close_quietly(mailer) -> None:
    try:
        mailer.close()
    except Exception:
        logger.debug("Closing the mailer failed", exc_info=True)


_last_send = [0.0]


def _throttle() -> None:
    """Keep this worker process under OUTBOX_RATE_PER_SECOND (0: no limit)."""
    rate = settings.OUTBOX_RATE_PER_SECOND
    if rate <= 0:
        return
    wait = _last_send[0] + 1 / rate - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    _last_send[0] = time.monotonic()
