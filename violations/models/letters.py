"""Letters, their templates and council's approvals of a notice, and how each letter was served
(SPA s.61)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Strata,
    TimeStamped,
)
from communications.models import VersionedTemplate, versioned_template_constraints
from properties.models import Person
from violations.models.cases import CaseParty, Violation
from violations.models.common import Correctable, choices_check, void_check

# --- letters and service ------------------------------------------------------------------


class LetterKind(models.TextChoices):
    WARNING = "warning", _("Warning letter")
    NOTICE = "notice", _("Notice of complaint")
    HEARING_NOTICE = "hearing_notice", _("Hearing notice")
    DECISION = "decision", _("Decision letter")
    COMPLAINANT_ACKNOWLEDGEMENT = "complainant_acknowledgement", _("Complainant acknowledgement")
    FINE_NOTICE = "fine_notice", _("Notice of a charge")


class LetterTemplate(VersionedTemplate):
    """A strata's override of a default letter (``violations/letters/<kind>.html``); letters
    record the version they used."""

    key_field = "kind"

    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="letter_templates")
    kind = models.CharField(_("letter"), max_length=40, choices=LetterKind.choices)
    body_html = models.TextField(_("letter (HTML)"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["strata__name", "kind", "-version"]
        constraints = [
            *versioned_template_constraints("kind", "letter_template"),
            choices_check("kind", LetterKind, "letter_template_kind_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"


class Letter(TimeStamped):
    """A letter on a case. Editable while a draft; once issued, the exact HTML and PDF sent."""

    Kind = LetterKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("kind"), max_length=40, choices=LetterKind.choices)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    html = models.TextField(_("letter (HTML)"))
    pdf = models.FileField(_("PDF"), upload_to="letters/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    edited = models.BooleanField(_("edited for this case"), default=False)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The earlier letter this one says it replaces (a hearing notice for a new date).
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["case", "created_at", "id"]
        constraints = [
            choices_check("kind", LetterKind, "letter_kind_valid"),
            models.CheckConstraint(
                condition=Q(issued_at__isnull=True) | ~Q(pdf=""), name="letter_issued_has_pdf"
            ),
        ]

    def __str__(self):
        return f"{self.case} — {self.get_kind_display()}"


class NoticeApproval(models.Model):
    """A council member's approval of a prepared notice (when the strata requires approvals)."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "approver"], name="notice_approval_once_per_member"
            ),
        ]

    def __str__(self):
        return f"{self.letter} approved by {self.approver}"


class DeliveryMethod(models.TextChoices):
    """How a letter was given (SPA s.61(1)); ``rule_pack.deemed_given_on`` says when each
    counts as given (s.61(3))."""

    EMAIL = "email", _("Email")
    HAND_PERSON = "hand_person", _("Handed to the person")
    ADULT_OCCUPANT = "adult_occupant", _("Left with an adult occupant")
    UNDER_DOOR = "under_door", _("Put under the door")
    MAIL_SLOT = "mail_slot", _("Put through the mail slot or in the mailbox")
    MAIL = "mail", _("Mail")


# The ways to serve on paper, in the order staff are offered them.
PAPER_METHODS = (
    DeliveryMethod.HAND_PERSON,
    DeliveryMethod.ADULT_OCCUPANT,
    DeliveryMethod.UNDER_DOOR,
    DeliveryMethod.MAIL_SLOT,
    DeliveryMethod.MAIL,
)


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Email queued, not yet accepted by the mail server")
    PENDING = "pending", _("To serve on paper")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    # A letter replaced before this service was done (a hearing scheduled again): out of the
    # print queue, and an email still waiting is no longer served.
    SUPERSEDED = "superseded", _("Superseded by a later letter")


class LetterDelivery(TimeStamped, Correctable):
    """The legal service of one letter on one person (SPA s.61): how and by whom it was
    delivered, and when the law deems it given. Named for the letter so that it is never taken
    for the services layer. A recorded paper service is voided or amended, never edited
    (``Correctable``): ``LetterDelivery.objects`` are the live ones."""

    Method = DeliveryMethod
    Status = DeliveryStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="deliveries")
    party = models.ForeignKey(
        CaseParty, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    address = models.TextField(_("address used"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    deemed_given_on = models.DateField(_("deemed given on"), null=True, blank=True)
    outbound_email = models.ForeignKey(
        "communications.OutboundEmail",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who sent the letter or recorded its paper service, and when they recorded it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    delivered_by = models.CharField(
        _("delivered by"),
        max_length=200,
        blank=True,
        help_text=_("Who handed, left, put or mailed the letter."),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("service records")
        ordering = ["letter", "person__full_name", "created_at"]
        constraints = [
            choices_check("method", DeliveryMethod, "service_method_valid"),
            choices_check("status", DeliveryStatus, "service_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(deemed_given_on__isnull=False),
                name="service_sent_has_deemed_date",
            ),
            # Only an email waits for the mail server.
            models.CheckConstraint(
                condition=~Q(status="queued") | Q(method="email"),
                name="service_queued_is_email",
            ),
            void_check("service_void_has_reason"),
        ]
        indexes = [
            # The print queue: pending paper service, oldest first.
            models.Index(fields=["status", "method", "created_at"], name="service_queue_idx"),
        ]

    def __str__(self):
        return f"{self.letter} → {self.person} ({self.get_method_display()})"

    @property
    def address_needed(self) -> bool:
        """A paper service with nowhere to mail it: the person gave no postal address and
        occupies no unit (``serving.mailing_address``)."""
        return self.status == DeliveryStatus.PENDING and not self.address
