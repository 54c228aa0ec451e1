"""Queueing thousands of emails at once (a campaign), a chunk per statement.

``queue_email`` takes one row at a time with a window check and an advisory lock: right for
a notice, far too slow for 5,000 newsletters. Here each chunk of rows is one short
transaction: one query for the chunk's suppressions, one multi-row INSERT that skips keys
already present (so a resumed or repeated send inserts nothing twice), one query for the ids
to hand to the workers after commit. The content window does not apply: every row carries its
own per-recipient key, and the caller makes each address unique.
"""

import dataclasses
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils import timezone

from accounts.models import Strata
from communications.decoration import add_tracking, decorate
from communications.models import (
    LEGAL_KINDS,
    NEWSLETTER_KINDS,
    EmailKind,
    OutboundEmail,
    Suppression,
)
from communications.services import content_hash, normalise_address, sender_address
from communications.tasks import enqueue_send

Status = OutboundEmail.Status
CHUNK = 1000


@dataclasses.dataclass(frozen=True)
class BulkEmail:
    """One rendered email of a bulk send; ``dedup_key`` makes it exist once."""

    to: str
    to_name: str
    strata: Strata
    subject: str
    body_text: str
    body_html: str
    dedup_key: str
    person_id: int | None = None


@dataclasses.dataclass
class BulkResult:
    """What a bulk queue did; ``ids_by_key`` maps every key given to its outbox row's id,
    whether inserted now or before."""

    inserted: int = 0
    suppressed: int = 0
    enqueued: int = 0
    ids_by_key: dict[str, int] = dataclasses.field(default_factory=dict)


def queue_bulk(
    emails: Iterable[BulkEmail],
    *,
    kind: str,
    about=None,
    hard_suppressions_only: bool = False,
    track: bool = False,
    chunk: int = CHUNK,
) -> BulkResult:
    """Queue ``emails`` in chunks, each chunk its own transaction, and send after each commit.

    Suppressed addresses get a ``suppressed`` row (so the campaign counts them) and are never
    sent. ``hard_suppressions_only`` (an emergency) ignores unsubscribes and honours only
    bounces and spam complaints. Call it outside a transaction: each chunk commits on its own
    so a crash loses at most the chunk in hand, which the next call inserts.
    """
    kind = EmailKind(kind)
    if kind in LEGAL_KINDS:
        raise ValueError("Legal notices are queued one by one with queue_email.")
    result = BulkResult()
    for batch in _chunks(emails, chunk):
        with transaction.atomic():
            counts = _queue_chunk(batch, kind, about, hard_suppressions_only, track)
        result.inserted += counts.inserted
        result.suppressed += counts.suppressed
        result.enqueued += counts.enqueued
        result.ids_by_key.update(counts.ids_by_key)
    return result


def _chunks(emails: Iterable[BulkEmail], size: int) -> Iterator[list[BulkEmail]]:
    batch: list[BulkEmail] = []
    for email in emails:
        batch.append(email)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _queue_chunk(batch, kind, about, hard_only, track) -> BulkResult:
    now = timezone.now()
    keys = [email.dedup_key for email in batch]
    existing = set(
        OutboundEmail.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
    )
    batch = [email for email in batch if email.dedup_key not in existing]
    suppressed = _suppressed_among(
        {normalise_address(email.to) for email in batch}, kind, hard_only
    )
    rows = []
    for email in batch:
        address = normalise_address(email.to)
        row = OutboundEmail(
            strata=email.strata,
            kind=kind,
            to_address=address,
            to_name=email.to_name[:200],
            person_id=email.person_id,
            from_email=sender_address(email.strata),
            reply_to=email.strata.reply_email,
            subject=email.subject[:300],
            body_text=email.body_text,
            body_html=email.body_html,
            headers={},
            dedup_key=email.dedup_key,
            queued_at=now,
            about=about,
            status=Status.SUPPRESSED if address in suppressed else Status.QUEUED,
        )
        row.content_hash = content_hash(
            row.from_email, row.reply_to, row.subject, row.body_text, row.body_html
        )
        decorate(row)
        if track:
            add_tracking(row)
        rows.append(row)
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
    stored = OutboundEmail.objects.filter(dedup_key__in=keys).values_list(
        "dedup_key", "pk", "status"
    )
    ids_by_key = {}
    queued_ids = []
    for key, pk, status in stored:
        ids_by_key[key] = pk
        if status == Status.QUEUED:
            queued_ids.append(pk)
    # Rows already there and still queued are handed over again: the claim takes each once.
    transaction.on_commit(lambda: enqueue_send(queued_ids), robust=True)
    return BulkResult(
        inserted=len(rows),
        suppressed=len([row for row in rows if row.status == Status.SUPPRESSED]),
        enqueued=len(queued_ids),
        ids_by_key=ids_by_key,
    )


def _suppressed_among(addresses: set[str], kind: str, hard_only: bool) -> set[str]:
    suppressions = Suppression.objects.filter(address__in=addresses)
    if hard_only:
        suppressions = suppressions.filter(
            reason__in=[Suppression.Reason.BOUNCED, Suppression.Reason.COMPLAINED]
        )
    else:
        scopes = [Suppression.Scope.ALL]
        if kind in NEWSLETTER_KINDS:
            scopes.append(Suppression.Scope.NEWSLETTERS)
        suppressions = suppressions.filter(scope__in=scopes)
    return set(suppressions.values_list("address", flat=True))
