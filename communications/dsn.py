"""Reading a delivery status notification (RFC 3464): the report a mail server sends back
about a message it could not deliver, or has not yet. Plain parsing, no database: the
``ingest_bounce`` command decides what the report means for the outbox.

A report is a ``multipart/report`` with a ``message/delivery-status`` part (one block about
the report, then one per recipient: ``Action``, ``Status``, ``Final-Recipient``) and usually
the returned message (``message/rfc822``) or its headers (``text/rfc822-headers``), whose
Message-ID says which of our emails it was.
"""

import dataclasses
import datetime as dt
import email
import email.policy
from email.message import EmailMessage, Message


class NotADeliveryReport(ValueError):
    """The input is not a delivery status notification; the message says why in a sentence."""


@dataclasses.dataclass(frozen=True)
class RecipientStatus:
    address: str
    action: str  # failed, delayed, delivered, relayed or expanded
    status: str  # "5.1.1": 5 a permanent failure, 4 a transient one, 2 success
    diagnostic: str = ""


@dataclasses.dataclass(frozen=True)
class DeliveryReport:
    report_id: str  # the report's own Message-ID ("" when it has none)
    dated: dt.datetime | None  # its Date header, if it has a valid one with a zone
    original_message_id: str  # the Message-ID of the message it returns ("" when not returned)
    recipients: tuple[RecipientStatus, ...]

    @property
    def failures(self) -> tuple[RecipientStatus, ...]:
        """Recipients the server gave up on: a 5.x.x refusal, or a 4.x.x failure it stopped
        retrying (the message expired in its queue). Either way the message was not
        delivered."""
        return tuple(r for r in self.recipients if r.action == "failed")


# A bounce is a few kilobytes with the returned headers, at most the returned message.
MAX_REPORT_BYTES = 10 * 1024 * 1024


def delivery_report_parse(raw: bytes) -> DeliveryReport:
    """The report in ``raw`` (the whole message, as the mail server piped it). Hostile input
    (huge, or nested a thousand levels deep) is refused as not a report, never a crash."""
    if len(raw) > MAX_REPORT_BYTES:
        raise NotADeliveryReport(
            f"This message is over {MAX_REPORT_BYTES // (1024 * 1024)} MB: not a bounce report."
        )
    try:
        return _parse(raw)
    except RecursionError as error:
        raise NotADeliveryReport("This message nests too deeply to be a bounce report.") from error


def _parse(raw: bytes) -> DeliveryReport:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if message.get_content_type() != "multipart/report":
        raise NotADeliveryReport(
            f"This is not a delivery status notification (it is {message.get_content_type()}, "
            "not multipart/report)."
        )
    status_part = _part(message, "message/delivery-status")
    if status_part is None:
        raise NotADeliveryReport(
            "This report has no message/delivery-status part, so it is not a delivery status "
            "notification."
        )
    blocks = status_part.get_payload()
    recipients = tuple(
        _recipient(block) for block in blocks[1:] if isinstance(block, Message) and block.keys()
    )
    if not recipients:
        raise NotADeliveryReport("This delivery status notification names no recipient.")
    return DeliveryReport(
        report_id=_header(message, "Message-ID"),
        dated=_date(message),
        original_message_id=_original_message_id(message),
        recipients=recipients,
    )


def _part(message: EmailMessage, content_type: str) -> Message | None:
    return next((p for p in message.walk() if p.get_content_type() == content_type), None)


def _header(message: Message, name: str) -> str:
    return " ".join(str(message.get(name, "")).split())


def _date(message: EmailMessage) -> dt.datetime | None:
    try:
        dated = message["Date"].datetime if message["Date"] else None
    except (AttributeError, ValueError, TypeError):
        return None
    return dated if dated is not None and dated.tzinfo is not None else None


def _first_token(value: str) -> str:
    """``5.1.1 (bad mailbox)`` is 5.1.1; ``rfc822; a@b.example`` is a@b.example."""
    value = value.split(";", 1)[-1].strip()
    return value.split()[0].lower() if value else ""


def _recipient(block: Message) -> RecipientStatus:
    return RecipientStatus(
        address=_first_token(
            _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
        ),
        action=_first_token(_header(block, "Action")),
        status=_first_token(_header(block, "Status")),
        diagnostic=_header(block, "Diagnostic-Code").split(";", 1)[-1].strip(),
    )


def _original_message_id(message: EmailMessage) -> str:
    """The Message-ID of the returned message, or of its returned headers."""
    returned = _part(message, "message/rfc822")
    if returned is not None:
        inner = returned.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(inner, Message):
            return _header(inner, "Message-ID")
    headers = _part(message, "text/rfc822-headers")
    if headers is not None:
        text = headers.get_payload(decode=True) or b""
        return _header(email.message_from_bytes(text, policy=email.policy.default), "Message-ID")
    return ""
