"""Campaigns (a manager's newsletter, update or emergency email to many residents) and
announcements (a notice shown on the dashboard, the resident pages and the API).

A campaign is composed as a draft, and its audience is a rule (``campaigns.audience``) that
is evaluated once, when the campaign starts sending, and frozen as ``CampaignRecipient`` rows:
one per unique address, however many persons or units share it. Each recipient becomes one
outbox row keyed ``campaign:<uuid>:<address>``, so a second click, a crash or a resumed send
can never make a second email. Progress and reports are counted from those outbox rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Strata, TimeStamped
from communications.models import OutboundEmail


class CampaignKind(models.TextChoices):
    NEWSLETTER = "newsletter", _("newsletter")
    ANNOUNCEMENT = "announcement", _("announcement")
    UPDATE = "update", _("update")
    EMERGENCY = "emergency", _("emergency")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SCHEDULED = "scheduled", _("scheduled")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    CANCELLED = "cancelled", _("cancelled")


# A campaign can be changed, sent or scheduled only before it starts sending.
EDITABLE_STATUSES = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED})


class CampaignTemplate(TimeStamped):
    """Reusable wording a manager starts a campaign from (a monthly newsletter's frame)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="campaign_templates")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CampaignKind.choices, default=CampaignKind.NEWSLETTER
    )
    subject = models.CharField(_("subject"), max_length=300)
    body_markdown = models.TextField(_("body (Markdown)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign template")
        verbose_name_plural = _("campaign templates")
        ordering = ["strata", "name"]
        constraints = [
            models.UniqueConstraint(fields=["strata", "name"], name="campaign_template_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=CampaignKind.values), name="campaign_template_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name


class Campaign(TimeStamped):
    Kind = CampaignKind
    Status = CampaignStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stratas = models.ManyToManyField(Strata, related_name="campaigns", verbose_name=_("stratas"))
    title = models.CharField(_("title"), max_length=200, help_text=_("For staff; not sent."))
    kind = models.CharField(
        _("kind"), max_length=20, choices=CampaignKind.choices, default=CampaignKind.NEWSLETTER
    )
    subject = models.CharField(_("subject"), max_length=300)
    body_markdown = models.TextField(
        _("body (Markdown)"),
        help_text=_(
            "Markdown. Placeholders: {{ recipient_name }}, {{ strata_name }}, {{ units }}."
        ),
    )
    template = models.ForeignKey(
        CampaignTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("started from template"),
    )
    audience = models.JSONField(_("audience"), default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_for = models.DateTimeField(_("send at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started sending"), null=True, blank=True)
    # Set once every recipient has an outbox row: until then a resumed send queues the rest.
    queued_at = models.DateTimeField(_("all queued"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CampaignKind.values), name="campaign_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_for__isnull=False),
                name="campaign_scheduled_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="campaign_due_idx")]

    def __str__(self):
        return self.title

    @property
    def key_prefix(self) -> str:
        """The outbox ``dedup_key`` prefix of this campaign's emails."""
        return f"campaign:{self.uuid}:"


class CampaignRecipient(models.Model):
    """One unique address of a campaign, frozen when it started sending."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="recipients")
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="+")
    address = models.EmailField(_("address"), max_length=254)
    name = models.CharField(_("name"), max_length=400, blank=True)
    # The persons behind the address (a household, an owner of two units), by uuid: kept as
    # they were when the campaign was sent.
    person_uuids = models.JSONField(_("persons"), default=list)
    units = models.CharField(_("units"), max_length=400, blank=True)
    email = models.OneToOneField(
        OutboundEmail,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaign_recipient",
    )

    class Meta:
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        ordering = ["campaign", "address"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "address"], name="campaign_recipient_unique_address"
            ),
        ]

    def __str__(self):
        return self.address


class AnnouncementPriority(models.TextChoices):
    NORMAL = "normal", _("normal")
    IMPORTANT = "important", _("important")
    URGENT = "urgent", _("urgent")


class Announcement(TimeStamped):
    """A notice for a strata's residents and staff, shown from ``starts_at`` until
    ``ends_at``; its body is Markdown, stored with its sanitised HTML."""

    Priority = AnnouncementPriority

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="announcements")
    title = models.CharField(_("title"), max_length=200)
    body_markdown = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(_("body (sanitised HTML)"), editable=False)
    priority = models.CharField(
        _("priority"),
        max_length=20,
        choices=AnnouncementPriority.choices,
        default=AnnouncementPriority.NORMAL,
    )
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
        verbose_name=_("sent as campaign"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=AnnouncementPriority.values),
                name="announcement_priority_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_start",
                violation_error_message=_("An announcement ends after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["strata", "starts_at"], name="announcement_strata_idx")]

    def __str__(self):
        return self.title
