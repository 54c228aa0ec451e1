"""The outbox sweep and its retention cleanup (DESIGN §7). The clock is a parameter so
tests can move it; beat runs both, and so can cron through management commands."""

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.audit import audit_log_record
from communications.models import LEGAL_KINDS, OutboundEmail

logger = logging.getLogger(__name__)
Status = OutboundEmail.Status
_TERMINAL = (Status.SENT, Status.FAILED, Status.SUPPRESSED, Status.DUPLICATE, Status.UNKNOWN)


@dataclasses.dataclass
class SweepResult:
    requeued: list[int] = dataclasses.field(default_factory=list)
    untried: list[int] = dataclasses.field(default_factory=list)
    resent_legal: list[int] = dataclasses.field(default_factory=list)
    # Non-legal rows sent again because the provider drops a repeat of their key.
    resent_keyed: list[int] = dataclasses.field(default_factory=list)
    unknown: int = 0
    failed: int = 0

    @property
    def to_enqueue(self) -> list[int]:
        return self.requeued + self.untried + self.resent_legal + self.resent_keyed

    def summary(self) -> dict:
        summary = {
            "requeued": len(self.requeued),
            "untried": len(self.untried),
            "resent_legal": len(self.resent_legal),
            "unknown": self.unknown,
            "failed": self.failed,
        }
        if settings.OUTBOX_IDEMPOTENCY_HEADER:  # the only mode where the count can be non-zero
            summary["resent_keyed"] = len(self.resent_keyed)
        return summary


def outbox_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Find what the broker lost and what dead workers left; return the rows to enqueue.

    - ``queued`` rows due for longer than OUTBOX_REQUEUE_AFTER_SECONDS: their broker message
      was lost (a Redis flush, a restart without persistence). Enqueued again; the claim makes
      a second message harmless. Their due time moves to now, so the next sweep waits again.
    - ``sending`` rows past their lease whose attempt never started: their worker died (or
      stopped) before trying them, so nothing went out. Every kind goes back to the queue,
      the claim's attempt uncounted.
    - ``sending`` rows past their lease whose attempt started: the worker died while the
      message was on the wire, before or after the server took it (at most one per dead
      worker). Legal kinds go back to the queue with the same Message-ID and an audit entry (a
      rare duplicate beats an unserved notice). Other kinds depend on the provider: with
      OUTBOX_IDEMPOTENCY_HEADER set, every message carries its dedup key in that header and
      the provider drops a repeat of a key it accepted, so a second send cannot reach the
      recipient twice: they go back to the queue too, with the same Message-ID and key and an
      ``outbox.resent_with_idempotency_key`` audit entry. Without the header they become
      ``unknown``: a newsletter possibly lost beats one possibly received twice. A row that
      has used OUTBOX_MAX_ATTEMPTS this way (it keeps killing its worker) becomes ``failed``.
    """
    now = now or timezone.now()
    result = SweepResult()
    stale = now - dt.timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        lost = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED)
            .annotate(due=Coalesce("next_attempt_at", "queued_at"))
            .filter(due__lte=stale)
            .order_by("due")
            .values_list("pk", flat=True)[: settings.OUTBOX_RESTORE_LIMIT]
        )
        result.requeued = list(lost)
        OutboundEmail.objects.filter(pk__in=result.requeued).update(
            next_attempt_at=now, updated_at=now
        )
        expired = list(
            OutboundEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Status.SENDING, lease_until__lt=now)
            .select_related("strata")
            .order_by("pk")
        )
        result.untried = [row.pk for row in expired if row.attempt_started_at is None]
        OutboundEmail.objects.filter(pk__in=result.untried).update(
            status=Status.QUEUED,
            lease_until=None,
            attempts=F("attempts") - 1,
            next_attempt_at=now,
            updated_at=now,
        )
        for row in expired:
            if row.attempt_started_at is not None:
                _reconcile(row, now, result)
    if any(result.summary().values()):
        logger.info("Outbox sweep: %s", result.summary())
    return result


def _reconcile(row: OutboundEmail, now: dt.datetime, result: SweepResult) -> None:
    """A row its worker was sending when it died: it may or may not have gone out."""
    mine = OutboundEmail.objects.filter(pk=row.pk)
    legal = row.kind in LEGAL_KINDS
    if not legal and not settings.OUTBOX_IDEMPOTENCY_HEADER:
        mine.update(
            status=Status.UNKNOWN,
            lease_until=None,
            attempt_started_at=None,
            last_error="The worker stopped while sending; the message may or may not have "
            "gone out, so it is not sent again.",
            updated_at=now,
        )
        result.unknown += 1
        return
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        mine.update(
            status=Status.FAILED,
            lease_until=None,
            attempt_started_at=None,
            last_error=f"The worker stopped while sending, {row.attempts} times.",
            updated_at=now,
        )
        result.failed += 1
        return
    changes = {"attempts": row.attempts, "message_id": row.message_id}
    if legal:
        error = "The worker stopped while sending; sent again with the same Message-ID."
        action, resent = "outbox.resent_after_lost_worker", result.resent_legal
    else:
        error = (
            "The worker stopped while sending; sent again with the same Message-ID and "
            "idempotency key, so the provider drops it if it had the first."
        )
        action, resent = "outbox.resent_with_idempotency_key", result.resent_keyed
        changes["idempotency_key"] = row.dedup_key
    mine.update(
        status=Status.QUEUED,
        lease_until=None,
        attempt_started_at=None,
        next_attempt_at=now,
        last_error=error,
        updated_at=now,
    )
    audit_log_record(actor=None, action=action, strata=row.strata, target=row, changes=changes)
    resent.append(row.pk)


def outbox_purge_bodies(*, now: dt.datetime | None = None) -> int:
    """Blank the bodies of finished emails past the retention period; keep the metadata,
    keys and attempts. Legal letters stay on their case as PDFs."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.OUTBOX_BODY_RETENTION_DAYS)
    return (
        OutboundEmail.objects.filter(status__in=_TERMINAL, body_purged_at__isnull=True)
        .filter(Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, queued_at__lt=cutoff))
        .update(body_text="", body_html="", body_purged_at=now, updated_at=now)
    )
