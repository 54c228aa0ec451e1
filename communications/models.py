"""The email outbox and what hangs off it (DESIGN §4 communications, §7).

One ``OutboundEmail`` row per logical message and recipient. Its ``dedup_key`` is unique, so the
same message can be queued any number of times and exist once; its status is the single truth
about whether it went out. Rows are never deleted: bodies are purged after the retention period
and the metadata stays.
"""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Strata, TimeStamped
from properties.models import Person


class EmailKind(models.TextChoices):
    NOTICE = "notice", _("notice")
    DECISION = "decision", _("decision")
    HEARING_NOTICE = "hearing_notice", _("hearing notice")
    REMINDER = "reminder", _("reminder")
    LOGIN = "login", _("login link")
    DIGEST = "digest", _("digest")
    CAMPAIGN = "campaign", _("campaign")
    SYSTEM = "system", _("system")


# Legally required deliveries (SPA s.61, s.135): never window-deduplicated, never suppressed,
# and re-sent rather than given up on when a worker died mid-send.
LEGAL_KINDS = frozenset({EmailKind.NOTICE, EmailKind.DECISION, EmailKind.HEARING_NOTICE})
# Kinds an address can opt out of with a "newsletters" suppression.
NEWSLETTER_KINDS = frozenset({EmailKind.CAMPAIGN})


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SUPPRESSED = "suppressed", _("suppressed")
    DUPLICATE = "duplicate", _("duplicate")
    UNKNOWN = "unknown", _("unknown")
    # A campaign cancelled before this row was sent (campaigns.services.campaign_cancel).
    CANCELLED = "cancelled", _("cancelled")


class OutboundEmail(TimeStamped):
    Status = EmailStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strata = models.ForeignKey(
        Strata, on_delete=models.PROTECT, null=True, blank=True, related_name="outbound_emails"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EmailKind.choices)
    to_address = models.EmailField(_("to"), max_length=254)
    to_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="outbound_emails"
    )
    from_email = models.CharField(_("from"), max_length=300)
    reply_to = models.CharField(_("reply to"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    template_name = models.CharField(_("template"), max_length=100, blank=True)
    template_version = models.PositiveIntegerField(_("template version"), null=True, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=255, unique=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    # Set (and committed) just before the SMTP conversation of a claimed row begins, cleared
    # with its outcome: a ``sending`` row without it was claimed but never tried.
    attempt_started_at = models.DateTimeField(_("attempt started at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    queued_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    body_purged_at = models.DateTimeField(_("body purged at"), null=True, blank=True)
    about = models.UUIDField(_("about"), null=True, blank=True, help_text=_("What it concerns."))
    sensitive = models.BooleanField(
        _("carries a sign-in link"),
        default=False,
        help_text=_("Its body is never shown to staff and is blanked once sent."),
    )

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbox")
        ordering = ["-queued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EmailKind.values), name="outbound_email_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EmailStatus.values), name="outbound_email_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease_until__isnull=False),
                name="outbound_email_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=Q(status="sending") | Q(attempt_started_at__isnull=True),
                name="outbound_email_attempt_only_while_sending",
            ),
        ]
        indexes = [
            # The sweep: queued rows due again, and sending rows past their lease.
            models.Index(fields=["status", "queued_at"], name="outbox_status_queued_idx"),
            # The content window: the same address and content recently.
            models.Index(
                fields=["to_address", "content_hash", "queued_at"], name="outbox_window_idx"
            ),
            # The admin changelist per strata and status.
            models.Index(fields=["strata", "status"], name="outbox_strata_status_idx"),
            # What was sent about a case or a membership.
            models.Index(fields=["about"], name="outbox_about_idx"),
            # A provider's webhook names the email by the id it gave when it took it.
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="outbox_provider_id_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to_address}: {self.subject}"

    @property
    def message_id(self) -> str:
        """The Message-ID header: derived from the row, so a re-send carries the same one."""
        return f"<{self.uuid}@{settings.OUTBOX_MESSAGE_ID_DOMAIN}>"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("sent")
    TRANSIENT = "transient", _("transient error, retried")
    PERMANENT = "permanent", _("permanent error")


class DeliveryAttempt(models.Model):
    Outcome = AttemptOutcome

    email = models.ForeignKey(OutboundEmail, on_delete=models.PROTECT, related_name="attempts_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=AttemptOutcome.choices)
    smtp_code = models.PositiveSmallIntegerField(_("SMTP code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["email", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=AttemptOutcome.values),
                name="delivery_attempt_outcome_valid",
            ),
        ]

    def __str__(self):
        return f"#{self.number} {self.get_outcome_display()}"


class VersionedTemplate(TimeStamped):
    """A strata's own wording of a default template (an email, a letter). Every edit is a new
    version and the newest version in use wins; older ones stay on record, and what was sent
    names the version it used. ``key_field`` names the field that says which template; each
    model declares its ``strata``, ``is_active`` and ``created_by`` (their labels differ).
    ``communications.template_versions`` saves and reverts them."""

    key_field: ClassVar[str]

    version = models.PositiveIntegerField(_("version"))

    class Meta:
        abstract = True


def versioned_template_constraints(key_field: str, prefix: str) -> list[models.BaseConstraint]:
    """One row per version, and one version in use, per strata and template."""
    return [
        models.UniqueConstraint(
            fields=["strata", key_field, "version"], name=f"{prefix}_version_unique"
        ),
        models.UniqueConstraint(
            fields=["strata", key_field],
            condition=Q(is_active=True),
            name=f"{prefix}_one_active",
        ),
    ]


class EmailTemplate(VersionedTemplate):
    """A per-strata override of a default email template (``communications/email_templates``)."""

    key_field = "name"

    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="email_templates")
    name = models.CharField(_("template"), max_length=100)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Off: the default template is used again.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["strata", "name", "-version"]
        constraints = versioned_template_constraints("name", "email_template")

    def __str__(self):
        return f"{self.name} v{self.version}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed")
    BOUNCED = "bounced", _("bounced")
    COMPLAINED = "complained", _("complained (marked as spam)")


class SuppressionScope(models.TextChoices):
    NEWSLETTERS = "newsletters", _("newsletters and campaigns")
    ALL = "all", _("everything except legal notices")


class Suppression(TimeStamped):
    Reason = SuppressionReason
    Scope = SuppressionScope

    address = models.EmailField(_("address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    scope = models.CharField(_("scope"), max_length=20, choices=SuppressionScope.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        ordering = ["address"]
        constraints = [
            models.UniqueConstraint(fields=["address", "scope"], name="suppression_unique"),
            models.CheckConstraint(
                condition=Q(reason__in=SuppressionReason.values), name="suppression_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=SuppressionScope.values), name="suppression_scope_valid"
            ),
        ]

    def __str__(self):
        return f"{self.address} ({self.get_scope_display()})"


class TrackingKind(models.TextChoices):
    OPEN = "open", _("opened")
    CLICK = "click", _("clicked")
    BOUNCE = "bounce", _("bounced")
    COMPLAINT = "complaint", _("complaint")
    UNSUBSCRIBE = "unsubscribe", _("unsubscribed")


class TrackingEvent(models.Model):
    Kind = TrackingKind

    email = models.ForeignKey(
        OutboundEmail, on_delete=models.PROTECT, related_name="tracking_events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TrackingKind.choices)
    url = models.URLField(_("url"), max_length=2000, blank=True)
    provider_event_id = models.CharField(
        _("provider event id"), max_length=255, unique=True, null=True, blank=True
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TrackingKind.values), name="tracking_event_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"
