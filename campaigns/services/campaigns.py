"""Writes of campaigns: compose, send or schedule, cancel, test (docs/campaigns.md).

Sending has three steps, each safe to repeat:
1. ``campaign_send`` (one transaction, the campaign row locked): a draft or scheduled campaign
   becomes ``sending`` and its audience is evaluated and frozen as recipients. A second click
   finds it ``sending`` and does nothing.
2. ``campaigns.queueing.campaign_queue`` (a task after commit) gives each recipient its
   outbox row.
3. The email workers send the rows; ``campaign_tick`` (every minute) does the rest.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Strata, User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from campaigns.audience import parse_audience
from campaigns.models import EDITABLE_STATUSES, Campaign, CampaignTemplate
from campaigns.queueing import (
    audit_all,
    frozen_recipient,
    recipient_message,
    recipients_freeze,
    sender_identity_missing,
)
from campaigns.rendering import BodyError, compile_body
from campaigns.selectors import Recipient, campaign_audience
from campaigns.tasks import queue_campaign_task
from communications.models import EmailKind, OutboundEmail
from communications.services import queue_email

Status = Campaign.Status


def _check_right(actor: User, stratas) -> None:
    if not stratas:
        raise ValidationError({"stratas": _("Choose at least one strata.")})
    for strata in stratas:
        if not can(actor, Right.SEND_CAMPAIGNS, strata):
            raise PermissionDenied(_("Only this strata's managers can send its campaigns."))


def campaign_save(
    *,
    actor: User,
    stratas: list[Strata],
    title: str,
    kind: str,
    subject: str,
    body_markdown: str,
    audience: dict,
    template: CampaignTemplate | None = None,
    campaign: Campaign | None = None,
    context: AuditContext | None = None,
) -> Campaign:
    """Create or change a draft. Its placeholders and audience are checked now."""
    _check_right(actor, stratas)
    if campaign is not None:
        _check_right(actor, list(campaign.stratas.all()))
    try:
        compile_body(subject, body_markdown)
    except BodyError as error:
        raise ValidationError({"body_markdown": str(error)}) from error
    rule = parse_audience(audience)
    if rule.is_empty:
        raise ValidationError({"audience": _("Choose who receives it.")})
    if template is not None and template.strata not in stratas:
        raise ValidationError({"template": _("That template belongs to another strata.")})
    with transaction.atomic():
        created = campaign is None
        if created:
            campaign = Campaign(created_by=actor)
        else:
            # The row as it is now: a stale copy of a draft must not save "draft" back over
            # a campaign that started sending since it was read.
            campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if campaign.status not in EDITABLE_STATUSES:
                raise ValidationError(_("A campaign that has started sending cannot be changed."))
        campaign.title, campaign.kind, campaign.subject = title, kind, subject
        campaign.body_markdown, campaign.audience = body_markdown, rule.as_json()
        campaign.template = template
        campaign.full_clean(exclude=["stratas"])
        campaign.save()
        campaign.stratas.set(stratas)
        audit_all(
            campaign,
            stratas,
            actor,
            "campaign.created" if created else "campaign.changed",
            {"kind": kind, "subject": subject, "audience": rule.as_json()},
            context,
        )
    return campaign


def campaign_send(
    *,
    campaign: Campaign,
    actor: User,
    at: dt.datetime | None = None,
    context: AuditContext | None = None,
) -> bool:
    """Send now, or at ``at``. Returns False when it was already started or cancelled (a
    double click): nothing happens the second time."""
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        stratas = list(campaign.stratas.all())
        _check_right(actor, stratas)
        if campaign.status not in EDITABLE_STATUSES:
            return False
        _check_sender_identity(stratas)
        if at is not None and at > now:
            campaign.status, campaign.scheduled_for, campaign.sent_by = Status.SCHEDULED, at, actor
            campaign.save(update_fields=["status", "scheduled_for", "sent_by", "updated_at"])
            audit_all(
                campaign, stratas, actor, "campaign.scheduled", {"at": at.isoformat()}, context
            )
            return True
        campaign.sent_by = actor
        count = recipients_freeze(campaign, now)
        audit_all(campaign, stratas, actor, "campaign.started", {"recipients": count}, context)
    transaction.on_commit(lambda: queue_campaign_task.delay(campaign.pk))
    return True


def _check_sender_identity(stratas) -> None:
    missing = sender_identity_missing(stratas)
    if missing:
        raise ValidationError(
            _(
                "%(stratas)s has no postal address: every campaign email carries the sender's "
                "postal address (Canada's anti-spam law). Add it on the strata's settings."
            )
            % {"stratas": ", ".join(missing)}
        )


def campaign_cancel(*, campaign: Campaign, actor: User, context: AuditContext | None = None) -> int:
    """Stop a scheduled or sending campaign: its emails not yet on the wire are never sent
    (one a worker is sending at that moment goes). Returns how many were stopped."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        stratas = list(campaign.stratas.all())
        _check_right(actor, stratas)
        if campaign.status not in (Status.SCHEDULED, Status.SENDING, Status.DRAFT):
            raise ValidationError(_("This campaign has finished; there is nothing to cancel."))
        # Queued rows, and rows a worker has claimed but not started: its batch finds them
        # taken and stops (communications.sending._start). A message on the wire goes.
        stopped = (
            OutboundEmail.objects.filter(about=campaign.uuid)
            .filter(
                Q(status=OutboundEmail.Status.QUEUED)
                | Q(status=OutboundEmail.Status.SENDING, attempt_started_at__isnull=True)
            )
            .update(status=OutboundEmail.Status.CANCELLED, updated_at=timezone.now())
        )
        campaign.status, campaign.cancelled_at = Status.CANCELLED, timezone.now()
        campaign.save(update_fields=["status", "cancelled_at", "updated_at"])
        audit_all(campaign, stratas, actor, "campaign.cancelled", {"stopped": stopped}, context)
    return stopped


def campaign_test_send(
    *, campaign: Campaign, actor: User, context: AuditContext | None = None
) -> OutboundEmail:
    """Send the campaign as its first recipient would get it, to the sender's own address."""
    stratas = list(campaign.stratas.all())
    _check_right(actor, stratas)
    if not actor.email:
        raise ValidationError(_("Your account has no email address to send the test to."))
    compiled = compile_body(campaign.subject, campaign.body_markdown)
    preview = campaign_audience(campaign)
    sample = preview.recipients[0] if preview.recipients else Recipient("", stratas[0])
    subject, text, html = recipient_message(campaign, compiled, frozen_recipient(campaign, sample))
    now = timezone.now()
    with transaction.atomic():
        email = queue_email(
            kind=EmailKind.CAMPAIGN,
            to=actor.email,
            strata=sample.strata,
            subject=_("[Test] %(subject)s") % {"subject": subject},
            body_text=text,
            body_html=html,
            dedup_key=f"campaign-test:{campaign.uuid}:{actor.pk}:{now:%Y%m%d%H%M}",
        )
        if email.status == OutboundEmail.Status.SUPPRESSED:
            raise ValidationError(
                _(
                    "Your address %(address)s does not receive newsletters (it is "
                    "suppressed), so the test was not sent."
                )
                % {"address": actor.email}
            )
        audit_all(campaign, stratas, actor, "campaign.test_sent", {"to": actor.email}, context)
    return email


def campaign_report_exported(
    *, campaign: Campaign, actor: User, rows: int, context: AuditContext | None = None
) -> None:
    """Record that someone downloaded a campaign's per-recipient report: it lists residents'
    names and addresses."""
    stratas = list(campaign.stratas.all())
    _check_right(actor, stratas)
    with transaction.atomic():
        audit_all(campaign, stratas, actor, "campaign.report_exported", {"rows": rows}, context)
