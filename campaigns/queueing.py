"""Queueing a started campaign in the outbox, and the minute tick that drives sending.

``campaign_queue`` gives every frozen recipient its outbox row, a chunk per transaction
through ``communications.bulk_queue``, keyed ``campaign:<uuid>:<address>``: a crash mid-way
leaves the rest for the next run, which inserts nothing twice. ``campaign_tick`` starts due
scheduled campaigns, resumes one whose queueing task died and marks finished ones ``sent``.
"""

import contextlib
import datetime as dt
import hashlib
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from campaigns.models import Campaign, CampaignRecipient
from campaigns.rendering import compile_body
from campaigns.selectors import Recipient, campaign_audience, campaign_progress
from communications.bulk_queue import CHUNK, BulkEmail, queue_bulk
from communications.models import EmailKind

logger = logging.getLogger(__name__)
Status = Campaign.Status


def recipients_freeze(campaign: Campaign, now: dt.datetime) -> int:
    """Freeze the audience as recipients and mark the campaign sending (the caller holds the
    campaign's row lock). Returns how many recipients."""
    preview = campaign_audience(campaign)
    CampaignRecipient.objects.bulk_create(
        [frozen_recipient(campaign, recipient) for recipient in preview.recipients],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )
    campaign.status, campaign.started_at, campaign.scheduled_for = Status.SENDING, now, None
    campaign.save(update_fields=["status", "started_at", "scheduled_for", "sent_by", "updated_at"])
    return preview.count


def audit_all(campaign, stratas, actor, action, changes, context) -> None:
    for strata in stratas:
        audit_log_record(
            actor=actor,
            action=action,
            strata=strata,
            target=campaign,
            changes=changes,
            context=context,
        )


def campaign_queue(*, campaign: Campaign, chunk: int = CHUNK) -> int:
    """Give every frozen recipient its outbox row, a chunk per transaction; returns how many
    were queued now. Stops as soon as the campaign is cancelled."""
    compiled = compile_body(campaign.subject, campaign.body_markdown)
    queued = 0
    while True:
        with transaction.atomic():
            locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if locked.status != Status.SENDING:
                return queued
            batch = list(
                locked.recipients.filter(email__isnull=True)
                .select_related("strata")
                .order_by("pk")[:chunk]
            )
            if not batch:
                if locked.queued_at is None:
                    locked.queued_at = timezone.now()
                    locked.save(update_fields=["queued_at", "updated_at"])
                return queued
            result = queue_bulk(
                (_bulk_email(locked, compiled, recipient) for recipient in batch),
                kind=EmailKind.CAMPAIGN,
                about=locked.uuid,
                hard_suppressions_only=locked.kind == Campaign.Kind.EMERGENCY,
                track=True,
                chunk=chunk,
            )
            for recipient in batch:
                # Every key was just inserted or found: a missing one is a bug, and carrying
                # on would pick the same chunk again for ever.
                recipient.email_id = result.ids_by_key[outbox_key(locked, recipient.address)]
            CampaignRecipient.objects.bulk_update(batch, ["email"])
            queued += len(batch)


def outbox_key(campaign: Campaign, address: str) -> str:
    """The outbox ``dedup_key`` of a campaign's email to an address: hashed, so the longest
    address still fits the key's 255 characters."""
    return f"{campaign.key_prefix}{hashlib.sha256(address.encode()).hexdigest()}"


def recipient_context(campaign: Campaign, recipient) -> dict[str, str]:
    return {
        "recipient_name": recipient.name or _("resident"),
        "strata_name": recipient.strata.name,
        "units": recipient.units,
    }


def frozen_recipient(campaign: Campaign, recipient: Recipient) -> CampaignRecipient:
    """An audience's recipient as it is frozen when the campaign starts (unsaved)."""
    return CampaignRecipient(
        campaign=campaign,
        strata=recipient.strata,
        address=recipient.address,
        name=recipient.name[:400],
        person_uuids=recipient.person_uuids,
        units=recipient.units_label[:400],
    )


def recipient_message(
    campaign: Campaign, compiled, recipient: CampaignRecipient
) -> tuple[str, str, str]:
    """(subject, text, html) of the email to one recipient, ending with why they receive it:
    the queue, the test send and the preview all build it here."""
    subject, text, html = compiled.render(recipient_context(campaign, recipient))
    because = why_received(campaign, recipient)
    return (
        subject,
        f"{text.rstrip()}\n\n{because}\n",
        f"{html}<p><small>{escape(because)}</small></p>",
    )


def _bulk_email(campaign: Campaign, compiled, recipient: CampaignRecipient) -> BulkEmail:
    subject, text, html = recipient_message(campaign, compiled, recipient)
    return BulkEmail(
        to=recipient.address,
        to_name=recipient.name,
        strata=recipient.strata,
        subject=subject,
        body_text=text,
        body_html=html,
        dedup_key=outbox_key(campaign, recipient.address),
    )


def why_received(campaign: Campaign, recipient: CampaignRecipient | Recipient) -> str:
    """The sentence saying why this address received this email (CASL; an emergency also
    says why it reached someone who chose no newsletters)."""
    units = recipient.units if isinstance(recipient, CampaignRecipient) else recipient.units_label
    strata = recipient.strata.name
    if not recipient.person_uuids:
        reason = _("You receive this because %(strata)s added your address to this message.")
    elif units:
        reason = _(
            "You receive this because you are on the register of %(strata)s (unit %(units)s)."
        )
    else:
        reason = _("You receive this because you are on the register of %(strata)s.")
    sentence = reason % {"strata": strata, "units": units}
    if campaign.kind == Campaign.Kind.EMERGENCY:
        sentence += " " + _(
            "This is an emergency message: it reaches every resident, including those who "
            "chose not to receive newsletters."
        )
    return sentence


def campaign_tick(*, now: dt.datetime | None = None) -> dict:
    """Start due scheduled campaigns, resume queueing the unfinished, finish the done. One
    campaign that fails is logged and left for the next tick; the others go on."""
    now = now or timezone.now()
    done: dict[str, list[int]] = {"started": [], "refused": [], "resumed": [], "finished": []}
    for campaign in Campaign.objects.filter(status=Status.SCHEDULED, scheduled_for__lte=now):
        with _each(campaign):
            done[_start_scheduled(campaign, now)].append(campaign.pk)
    for campaign in Campaign.objects.filter(status=Status.SENDING, queued_at__isnull=True):
        with _each(campaign):
            if campaign_queue(campaign=campaign):
                done["resumed"].append(campaign.pk)
    for campaign in Campaign.objects.filter(status=Status.SENDING, queued_at__isnull=False):
        if campaign_progress(campaign).remaining == 0:
            updated = Campaign.objects.filter(pk=campaign.pk, status=Status.SENDING).update(
                status=Status.SENT, finished_at=now, updated_at=now
            )
            if updated:
                done["finished"].append(campaign.pk)
    return done


@contextlib.contextmanager
def _each(campaign: Campaign):
    try:
        yield
    except Exception:
        logger.exception("Campaign %s: the tick failed; the next tick tries again.", campaign.uuid)


def _start_scheduled(campaign: Campaign, now: dt.datetime) -> str:
    """Start a scheduled campaign whose time has come, or put it back to draft (audited)
    when a strata lost its postal address since it was scheduled."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != Status.SCHEDULED:
            return "started"
        stratas = list(locked.stratas.all())
        missing = sender_identity_missing(stratas)
        if missing:
            locked.status, locked.scheduled_for = Status.DRAFT, None
            locked.save(update_fields=["status", "scheduled_for", "updated_at"])
            audit_all(
                locked,
                stratas,
                None,
                "campaign.schedule_refused",
                {"no_postal_address": missing},
                None,
            )
            return "refused"
        count = recipients_freeze(locked, now)
        audit_all(locked, stratas, None, "campaign.started", {"recipients": count}, None)
    return "started"


def sender_identity_missing(stratas) -> list[str]:
    """The stratas a campaign may not be sent for: no postal address for the footer (CASL)."""
    return [strata.name for strata in stratas if not strata.postal_address.strip()]
