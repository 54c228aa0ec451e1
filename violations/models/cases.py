"""The case: its category, status and reference, complaints, parties, evidence and timeline."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Strata,
    TimeStamped,
)
from properties.models import Person, Unit
from violations.models.bylaws import Bylaw
from violations.models.common import Money, choices_check

# --- cases ---------------------------------------------------------------------------------


class ViolationCategory(TimeStamped):
    # The API names a category by uuid, as every record it exposes (DESIGN §3).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strata = models.ForeignKey(
        Strata, on_delete=models.PROTECT, related_name="violation_categories"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    default_bylaws = models.ManyToManyField(
        Bylaw, blank=True, related_name="+", verbose_name=_("default bylaws")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("violation category")
        verbose_name_plural = _("violation categories")
        ordering = ["strata__name", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "strata",
                name="violation_category_name_unique_in_strata",
                violation_error_message=_("This strata already has a category with this name."),
            ),
        ]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    WARNED = "warned", _("Warned")
    NOTICE_PENDING_APPROVAL = "notice_pending_approval", _("Notice prepared")
    NOTICE_SENT = "notice_sent", _("Notice sent")
    RESPONDED = "responded", _("Responded")
    HEARING_REQUESTED = "hearing_requested", _("Hearing requested")
    HEARING_SCHEDULED = "hearing_scheduled", _("Hearing scheduled")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    DECIDED_UPHELD = "decided_upheld", _("Upheld")
    DECIDED_DISMISSED = "decided_dismissed", _("Dismissed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


class ReferenceCounter(models.Model):
    """The last case number given in a strata on a day (strata time); locked to count."""

    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["strata", "day"], name="reference_counter_unique_day"),
        ]

    def __str__(self):
        return f"{self.day}: {self.last}"


class RespondentRole(models.TextChoices):
    OWNERS = "owners", _("The owner(s)")
    TENANT = "tenant", _("A tenant")


class Violation(TimeStamped):
    """A case: one alleged contravention by the occupants of one unit."""

    Status = Status
    RespondentRole = RespondentRole

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=20, editable=False)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="violations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="violations")
    category = models.ForeignKey(
        ViolationCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="violations",
        verbose_name=_("category"),
    )
    bylaws = models.ManyToManyField(Bylaw, related_name="violations", verbose_name=_("bylaws"))
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.REPORTED
    )
    incident_on = models.DateField(_("incident date"))
    incident_time = models.TimeField(_("incident time"), null=True, blank=True)
    incident_place = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("what happened"))
    # The old system's incident fields, kept for imported cases and concierge reports.
    concierge_name = models.CharField(_("concierge"), max_length=200, blank=True)
    people_involved = models.TextField(_("people involved"), blank=True)
    noticed_by = models.CharField(_("noticed by"), max_length=200, blank=True)
    damage = models.BooleanField(_("damage"), default=False)
    damage_details = models.TextField(_("damage details"), blank=True)
    police = models.BooleanField(_("police attended"), default=False)
    police_details = models.TextField(_("police details"), blank=True)

    respondent_role = models.CharField(
        _("respondent"), max_length=10, choices=RespondentRole.choices, blank=True
    )
    respondent = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The tenant alleged to have contravened, when the respondent is a tenant."),
    )
    # Snapshotted when the notice goes out: what the letter said and the law allowed then.
    fine_contemplated = models.DecimalField(_("fine contemplated"), **Money, null=True, blank=True)
    continuing_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    limits = models.JSONField(_("rule-pack limits at notice"), default=dict, blank=True)
    # The deadline the notice states in writing (SPA s.135(1)): service never shortens it.
    stated_deadline = models.DateTimeField(
        _("deadline stated in the notice"), null=True, blank=True
    )
    response_deadline = models.DateTimeField(_("response deadline"), null=True, blank=True)
    compliance_on = models.DateField(_("compliance date"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["strata", "reference"], name="violation_reference_unique_in_strata"
            ),
            choices_check("status", Status, "violation_status_valid"),
            models.CheckConstraint(
                condition=Q(respondent_role="")
                | Q(respondent_role="owners", respondent__isnull=True)
                | Q(respondent_role="tenant", respondent__isnull=False),
                name="violation_tenant_respondent_named",
            ),
            models.CheckConstraint(
                condition=Q(fine_contemplated__isnull=True) | Q(fine_contemplated__gte=0),
                name="violation_fine_contemplated_not_negative",
            ),
        ]
        indexes = [
            # The case changelist of one strata by status, newest first.
            models.Index(fields=["strata", "status", "-created_at"], name="violation_status_idx"),
            # "Open case of this unit?" when a complaint is filed.
            models.Index(fields=["unit", "status"], name="violation_unit_status_idx"),
            # Deadline reminders, digests and the overdue filter, by deadline.
            models.Index(fields=["response_deadline"], name="violation_resp_deadline_idx"),
        ]

    def __str__(self):
        return self.reference


class ComplaintChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    PORTAL = "portal", _("Resident portal")
    STAFF_OBSERVATION = "staff_observation", _("Staff observation")


class Complaint(TimeStamped):
    """What started (or was added to) a case. The complainant is never shown to residents."""

    Channel = ComplaintChannel

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="complaints")
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    complainant = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complainant_name = models.CharField(_("complainant name"), max_length=200, blank=True)
    details = models.TextField(_("details"), blank=True)
    original = models.FileField(_("original"), upload_to="complaints/%Y/", blank=True)
    disclosure_warned = models.BooleanField(
        _("complainant told complaints may be disclosed"), default=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["received_on", "id"]
        constraints = [
            choices_check("channel", ComplaintChannel, "complaint_channel_valid"),
            # As filing requires (services.filing): a person, a name, or staff saw it.
            models.CheckConstraint(
                condition=Q(complainant__isnull=False)
                | ~Q(complainant_name="")
                | Q(channel=ComplaintChannel.STAFF_OBSERVATION),
                name="complaint_has_complainant",
                violation_error_message=_(
                    "Name the complainant (they are never shown to residents)."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.case} — {self.received_on}"


class PartyRole(models.TextChoices):
    RESPONDENT = "respondent", _("Respondent")
    OWNER = "owner", _("Owner")
    LANDLORD = "landlord", _("Landlord")


class CaseParty(TimeStamped):
    """A person the notice is served on, computed by the rule pack from the respondent."""

    Role = PartyRole

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_parties")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    required = models.BooleanField(_("service required"), default=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["case", "role", "person__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="case_party_unique_person"),
            choices_check("role", PartyRole, "case_party_role_valid"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class EvidenceSource(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("Resident")
    COMPLAINANT = "complainant", _("Complainant")
    PARTY = "party", _("A party to the case")  # their response or hearing request on paper


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("Image")
    PDF = "pdf", _("PDF")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    EMAIL = "email", _("Email")
    DOCUMENT = "document", _("Document")


class ScanStatus(models.TextChoices):
    NOT_SCANNED = "not_scanned", _("Not scanned")
    CLEAN = "clean", _("Clean")


class Evidence(TimeStamped):
    """A file on a case: the original (staff-only, metadata intact) and, for images, a copy
    re-encoded without metadata that residents may see."""

    Source = EvidenceSource

    Kind = EvidenceKind

    Scan = ScanStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="evidence")
    original = models.FileField(_("original"), upload_to="evidence/%Y/%m/")
    resident_copy = models.FileField(_("resident copy"), upload_to="evidence/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    shared_with_parties = models.BooleanField(_("shared with the parties"), default=False)
    scan_status = models.CharField(
        _("scan"), max_length=20, choices=Scan.choices, default=Scan.NOT_SCANNED
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The paper this file is a scan or photo of, when it arrived with a response or a hearing
    # request (``services.responses``); a file belongs to one of them at most.
    response = models.ForeignKey(
        "violations.Response",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scans",
        verbose_name=_("letter of the response"),
    )
    hearing_request = models.ForeignKey(
        "violations.Hearing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request_scans",
        verbose_name=_("letter of the hearing request"),
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["case", "created_at", "id"]
        constraints = [
            choices_check("source", EvidenceSource, "evidence_source_valid"),
            choices_check("kind", EvidenceKind, "evidence_kind_valid"),
            choices_check("scan_status", ScanStatus, "evidence_scan_valid"),
            models.CheckConstraint(
                condition=Q(response__isnull=True) | Q(hearing_request__isnull=True),
                name="evidence_one_letter_at_most",
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def download_name(self) -> str:
        """The uploader's name with the extension of what the file is (the stored name's,
        from its sniffed type): a PNG uploaded as page.html leaves as page.png, never as
        something a browser or the desktop would open as a page or a program."""
        return PurePosixPath(self.original_name).stem + PurePosixPath(self.original.name).suffix


class ViolationEvent(models.Model):
    """The case's timeline: every transition writes exactly one."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    visible_to_resident = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [
            # A case's timeline, in order.
            models.Index(fields=["case", "created_at"], name="violation_event_case_idx"),
        ]

    def __str__(self):
        return f"{self.case} {self.kind}"
