"""Claiming and sending outbox rows (DESIGN §7). Only the send task and the
``send_queued_emails`` command call this; nothing else in the project sends mail.

1. Claim: one short transaction moves due rows ``queued`` → ``sending`` with a lease. Two
   workers never hold the same row: the update only takes rows still ``queued``.
2. Send: outside any transaction, over one connection, each message carrying a
   ``Message-ID`` derived from its row.
3. Record: a row's ``attempt_started_at`` is committed before its SMTP conversation begins,
   with the previous row's outcome, so a worker killed mid-batch leaves at most the message
   it was sending ambiguous, and the sweep can tell it from the rows it never tried.
   Attempts are written in bulk when the batch ends.
"""

import dataclasses
import datetime as dt
import email.policy
import logging
import smtplib
import time
from email.utils import formataddr

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
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


_UNFOLDED = "List-Unsubscribe"


class _VerbatimHeader(str):
    """A header value written on one line as it is (RFC 5322 allows 998 characters)."""

    def __new__(cls, name: str, value: str):
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


class _OutboxMessage(EmailMultiAlternatives):
    """Python's email package folds a word longer than a line into RFC 2047 encoded words,
    and a ``List-Unsubscribe`` URL so folded is no URL to any mail client (RFC 2369 wants it
    verbatim within <>): that header is written unfolded."""

    def message(self, *, policy=email.policy.default):
        message = super().message(policy=policy)
        value = message.get(_UNFOLDED)
        if value is not None and str(value).isascii() and len(str(value)) < 950:
            message.replace_header(_UNFOLDED, _VerbatimHeader(_UNFOLDED, str(value)))
        return message


def build_message(row: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": row.message_id, **row.headers}
    if settings.OUTBOX_IDEMPOTENCY_HEADER:
        headers[settings.OUTBOX_IDEMPOTENCY_HEADER] = row.dedup_key
    message = _OutboxMessage(
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

    Before a row's SMTP conversation begins, its attempt start is committed together with the
    previous row's "sent" outcome (one write per message). So at any moment at most one row of
    the batch is started without an outcome — the one on the wire — and a worker killed
    mid-batch leaves only that one ambiguous; the sweep queues the rows it never tried again.

    Rows this call does not try — the server or connection failed, the lease is running
    out, anything raised — go back to ``queued`` before it returns, so an outage never turns
    waiting email into ``unknown``.
    """
    result = BatchResult(claimed=len(rows))
    attempts: list[DeliveryAttempt] = []
    untried = list(rows)
    retry_untried_in: int | None = 0
    sent: tuple | None = None  # the last row sent, recorded with the next row's start
    mailer = None
    try:
        mailer = mailers[settings.OUTBOX_MAILER]
        while untried:
            row = untried[0]
            _throttle()
            started = timezone.now()
            if started + _lease_margin() >= row.lease_until:
                break
            outcome, sent = sent, None
            if not _start(row, started, sent=outcome):
                break  # the sweep took the batch: none of it is ours to send any more
            untried.pop(0)
            failure = _send_one(mailer, row)
            finished = timezone.now()
            attempts.append(_attempt(row, failure, started, finished, worker))
            if failure is None:
                sent = (row.pk, row.lease_until, finished, row.provider_message_id)
                result.sent += 1
                continue
            _record_failure(row, failure, finished, result)
            if failure.stops_batch:
                retry_untried_in = backoff_seconds(1)
                break
        if sent is not None:
            _mark_sent(*sent)
    finally:
        if mailer is not None:
            _close_quietly(mailer)
        _release(untried, result, retry_untried_in)
        DeliveryAttempt.objects.bulk_create(attempts)
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


def _start(row: OutboundEmail, now: dt.datetime, *, sent: tuple | None) -> bool:
    """Commit that ``row``'s attempt starts now, with the previous row's "sent" outcome if
    there is one; False if the row is no longer this claim's (the sweep took it)."""
    if sent is not None:
        return _mark_sent(*sent, row.pk, now)
    return bool(
        OutboundEmail.objects.filter(
            pk=row.pk, status=Status.SENDING, lease_until=row.lease_until
        ).update(attempt_started_at=now, updated_at=now)
    )


def _record_failure(row, failure: "_Failure", now: dt.datetime, result: BatchResult) -> None:
    """Commit a failed attempt. Only the claim that tried it may record it: if the lease ran
    out and the sweep took the row, the sweep's decision stands."""
    mine = OutboundEmail.objects.filter(
        pk=row.pk, status=Status.SENDING, lease_until=row.lease_until
    )
    if failure.transient and row.attempts < settings.OUTBOX_MAX_ATTEMPTS:
        delay = backoff_seconds(row.attempts)
        mine.update(
            status=Status.QUEUED,
            lease_until=None,
            attempt_started_at=None,
            next_attempt_at=now + dt.timedelta(seconds=delay),
            last_error=failure.error,
            updated_at=now,
        )
        result.retrying.append((row.pk, delay))
    else:
        mine.update(
            status=Status.FAILED,
            lease_until=None,
            attempt_started_at=None,
            last_error=failure.error,
            updated_at=now,
            # A sign-in link that will never be sent is not kept either.
            body_text=_blank_if_sensitive("body_text", ""),
            body_html=_blank_if_sensitive("body_html", ""),
            body_purged_at=_blank_if_sensitive("body_purged_at", now),
        )
        result.failed += 1


def _blank_if_sensitive(field: str, value) -> Case:
    """``value`` for a row that carries a sign-in link, else the field as it is."""
    output = OutboundEmail._meta.get_field(field)
    return Case(When(sensitive=True, then=Value(value, output_field=output)), default=F(field))


_SENT = (
    "UPDATE {table} SET status = %s, sent_at = %s, lease_until = NULL, "
    "attempt_started_at = NULL, provider_message_id = %s, last_error = '', updated_at = %s, "
    # A sign-in link is not kept once it went out.
    "body_text = CASE WHEN sensitive THEN '' ELSE body_text END, "
    "body_html = CASE WHEN sensitive THEN '' ELSE body_html END, "
    "body_purged_at = CASE WHEN sensitive THEN %s ELSE body_purged_at END "
    "WHERE id = %s AND status = %s AND lease_until = %s"
)
_STARTED = (
    "UPDATE {table} SET attempt_started_at = %s, updated_at = %s "
    "WHERE id = %s AND status = %s AND lease_until = %s"
)


def _mark_sent(
    pk: int,
    lease_until: dt.datetime,
    now: dt.datetime,
    provider_id: str,
    next_pk: int | None = None,
    next_started: dt.datetime | None = None,
) -> bool:
    """Record a sent row and, if given, the start of the next row of its claim, in one
    commit; return whether that next row was still this claim's.

    The hot path: one plain statement per message (the ORM's statement building costs as much
    as the round trip; docs/operations.md has the profile). On PostgreSQL both updates travel
    as one statement; elsewhere (SQLite in development) as two in one transaction.
    """
    ops = connection.ops
    table = ops.quote_name(OutboundEmail._meta.db_table)
    now, lease_until = (
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(lease_until),
    )
    sent = (
        _SENT.format(table=table),
        [Status.SENT, now, provider_id, now, now, pk, Status.SENDING, lease_until],
    )
    if next_pk is None:
        with connection.cursor() as cursor:
            cursor.execute(*sent)
        return False
    started = (
        _STARTED.format(table=table),
        [ops.adapt_datetimefield_value(next_started), now, next_pk, Status.SENDING, lease_until],
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH sent AS ({sent[0]}) {started[0]}", sent[1] + started[1])
        else:
            with transaction.atomic():
                cursor.execute(*sent)
                cursor.execute(*started)
        return cursor.rowcount == 1


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
