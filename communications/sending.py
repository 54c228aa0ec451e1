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
import socket
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
# Time left on a lease below which a claimed row is not sent: the sweep may take it any moment.
_LEASE_MARGIN = dt.timedelta(seconds=1)


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
    transaction: the SMTP conversation must not hold database locks."""
    result = BatchResult(claimed=len(rows))
    attempts = []
    mailer = mailers[settings.OUTBOX_MAILER]
    recorder = _Recorder.start() if _can_record_in_background() else None
    try:
        for row in rows:
            started = timezone.now()
            if started + _LEASE_MARGIN >= row.lease_until:
                logger.warning("Lease of outbox row %s ran out; left to the sweep.", row.pk)
                continue
            _throttle()
            failure = _send_one(mailer, row)
            finished = timezone.now()
            _record(row, failure, finished, result, recorder)
            attempts.append(
                DeliveryAttempt(
                    email_id=row.pk,
                    number=row.attempts,
                    started_at=started,
                    finished_at=finished,
                    outcome=_outcome(failure),
                    smtp_code=failure.code if failure else 250,
                    error=failure.error if failure else "",
                    worker=worker[:200],
                )
            )
    finally:
        _close_quietly(mailer)
        if recorder is not None:
            recorder.finish()
        DeliveryAttempt.objects.bulk_create(attempts)
    return result


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
    """Commit one outcome. Only a row still ``sending`` is updated: if the sweep took it
    (the lease ran out), the sweep's decision stands."""
    if failure is None:
        if recorder is not None:
            recorder.put(row.pk, now, row.provider_message_id)
        else:
            _mark_sent(row.pk, now, row.provider_message_id)
        result.sent += 1
        return
    mine = OutboundEmail.objects.filter(pk=row.pk, status=Status.SENDING)
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


def _mark_sent(pk: int, now: dt.datetime, provider_message_id: str) -> None:
    """The hot path: one plain UPDATE per sent message (the ORM's statement building costs
    as much as the round trip; docs/operations.md has the profile)."""
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, lease_until = NULL, "  # noqa: S608 - the table name is ours
            "provider_message_id = %s, last_error = '', updated_at = %s "
            "WHERE id = %s AND status = %s",
            [Status.SENT, now, provider_message_id, now, pk, Status.SENDING],
        )


def _can_record_in_background() -> bool:
    """A second connection sees the rows only outside a transaction, and only PostgreSQL
    takes concurrent writers in its stride (SQLite in development records in line)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _Recorder:
    """Commits "sent" outcomes on its own thread and connection while the next message is
    being sent, so the database round trip overlaps the SMTP one.

    The queue holds at most two outcomes: a worker killed mid-batch loses at most those and
    the message in flight, which the sweep then reconciles like any other interrupted send.
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

    def put(self, pk: int, now: dt.datetime, provider_message_id: str) -> None:
        self._outcomes.put((pk, now, provider_message_id))

    def finish(self) -> None:
        """Wait until every outcome is committed; raise what the recorder could not commit."""
        self._outcomes.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while (outcome := self._outcomes.get()) is not None:
                if self._error is None:
                    try:
                        _mark_sent(*outcome)
                    except Exception as error:  # noqa: BLE001 - re-raised by finish()
                        self._error = error
        finally:
            connection.close()  # this thread's own connection


def backoff_seconds(attempt: int) -> int:
    """base · 2^(attempt-1), capped (the cap stays below the broker's visibility timeout)."""
    delay = settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1)
    return min(delay, settings.OUTBOX_BACKOFF_CAP_SECONDS)


def classify(error: Exception) -> _Failure:
    """Transient (4xx, timeouts, lost connections) or permanent (5xx, refused addresses)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (None, b""))
        return _Failure(_is_transient(code), code, _text(code, reply))
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
        return _Failure(transient, None, str(error)[:2000])
    if isinstance(error, smtplib.SMTPException | OSError | socket.timeout):
        return _Failure(True, None, f"{type(error).__name__}: {error}"[:2000])
    return _Failure(False, None, f"{type(error).__name__}: {error}"[:2000])


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
