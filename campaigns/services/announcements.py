"""Writes of announcements: post or change one, end it, send it as a campaign
(docs/campaigns.md).

An announcement is never deleted: it ends. Its body is stored as Markdown with the sanitised
HTML every page shows, so no page renders Markdown, and none renders anything nh3 has not
cleaned.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import Strata, User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from campaigns.models import Announcement, Campaign
from campaigns.rendering import markdown_to_html
from campaigns.services.campaigns import campaign_save

_AUDITED = ("title", "priority", "starts_at", "ends_at", "body_markdown")


def _check_post(actor: User, strata_id: int) -> None:
    if not can(actor, Right.POST_ANNOUNCEMENTS, strata_id):
        raise PermissionDenied(_("Only this strata's managers and council post announcements."))


def announcement_save(
    *,
    actor: User,
    strata: Strata,
    title: str,
    body_markdown: str,
    priority: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    announcement: Announcement | None = None,
    context: AuditContext | None = None,
) -> Announcement:
    """Post an announcement (``announcement`` None or unsaved) or change one. An existing
    one stays in its strata; a change is audited with what it changed."""
    _check_post(actor, strata.pk)
    with transaction.atomic():
        before = None
        if announcement is not None and announcement.pk is not None:
            stored = Announcement.objects.select_for_update().get(pk=announcement.pk)
            _check_post(actor, stored.strata_id)
            if stored.strata_id != strata.pk:
                raise ValidationError({"strata": _("An announcement stays in its strata.")})
            before = {name: getattr(stored, name) for name in _AUDITED}
        else:
            announcement = announcement or Announcement()
            announcement.created_by = actor
        announcement.strata = strata
        announcement.title, announcement.priority = title, priority
        announcement.starts_at, announcement.ends_at = starts_at, ends_at
        announcement.body_markdown = body_markdown
        announcement.body_html = markdown_to_html(body_markdown)
        if ends_at is not None and starts_at is not None and ends_at <= starts_at:
            raise ValidationError({"ends_at": _("An announcement ends after it starts.")})
        announcement.full_clean()
        announcement.save()
        if before is None:
            action = "announcement.posted"
            changes = {name: _plain(getattr(announcement, name)) for name in _AUDITED[:4]}
        else:
            action = "announcement.changed"
            changes = {
                name: {"from": _plain(before[name]), "to": _plain(getattr(announcement, name))}
                for name in _AUDITED
                if before[name] != getattr(announcement, name)
            }
        audit_log_record(
            actor=actor,
            action=action,
            strata=strata,
            target=announcement,
            changes=changes,
            context=context,
        )
    return announcement


def announcement_end(
    *, actor: User, announcement: Announcement, context: AuditContext | None = None
) -> Announcement:
    """Stop showing a current announcement now; it stays on record."""
    now = timezone.now()
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
        _check_post(actor, announcement.strata_id)
        if announcement.ends_at is not None and announcement.ends_at <= now:
            raise ValidationError(_("“%(title)s” has already ended.") % {"title": announcement})
        if announcement.starts_at >= now:
            raise ValidationError(
                _("“%(title)s” is not shown yet: change its dates instead.")
                % {"title": announcement}
            )
        before = announcement.ends_at
        announcement.ends_at = now
        announcement.save(update_fields=["ends_at", "updated_at"])
        audit_log_record(
            actor=actor,
            action="announcement.ended",
            strata=announcement.strata,
            target=announcement,
            changes={"ends_at": {"from": _plain(before), "to": _plain(now)}},
            context=context,
        )
    return announcement


def announcement_send_as_campaign(
    *, actor: User, announcement: Announcement, context: AuditContext | None = None
) -> Campaign:
    """Make a draft campaign of the announcement to every resident of its strata, which the
    manager previews and sends from the campaign's page. A second click finds the campaign
    already made (unless it was cancelled) and makes no other."""
    with transaction.atomic():
        announcement = (
            # Only the announcement's row is locked: PostgreSQL locks no nullable joined row.
            Announcement.objects.select_for_update(of=("self",))
            .select_related("strata", "campaign")
            .get(pk=announcement.pk)
        )
        if not can(actor, Right.SEND_CAMPAIGNS, announcement.strata_id):
            raise PermissionDenied(_("Only this strata's managers can send its campaigns."))
        made = announcement.campaign
        if made is not None and made.status != Campaign.Status.CANCELLED:
            return made
        campaign = campaign_save(
            actor=actor,
            stratas=[announcement.strata],
            title=announcement.title,
            kind=Campaign.Kind.ANNOUNCEMENT,
            subject=announcement.title,
            body_markdown=announcement.body_markdown,
            audience={"groups": ["all"]},
            context=context,
        )
        announcement.campaign = campaign
        announcement.save(update_fields=["campaign", "updated_at"])
        audit_log_record(
            actor=actor,
            action="announcement.sent_as_campaign",
            strata=announcement.strata,
            target=announcement,
            changes={"campaign": str(campaign.uuid)},
            context=context,
        )
    return campaign


def _plain(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value
