"""Bylaws and the enforcement case with everything the law needs on it (DESIGN §4, §6).

The models hold records; the rules live in ``rule_pack.py`` (the BC limits and dates),
``workflow.py`` (the transition table) and ``services.py`` (one service per transition).
Nothing here is deleted: history points at units, persons and users with ``PROTECT``.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    MIN_CONTINUING_INTERVAL_DAYS,
    REG_7_1_MAX_BYLAW_FINE,
    REG_7_1_MAX_RULE_FINE,
    Strata,
    TimeStamped,
)
from properties.models import Person, Unit

# Reg 7.1(2): a short-term-rental bylaw may fine up to $1,000 and repeat every day.
REG_7_1_MAX_SHORT_TERM_RENTAL_FINE = 1000

Money = {"max_digits": 10, "decimal_places": 2}
CENT = Decimal("0.01")  # every amount is exact to the cent


def _choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


# --- bylaws --------------------------------------------------------------------------------


class BylawCategory(TimeStamped):
    """A heading that groups bylaws (noise, pets, parking) for staff and residents."""

    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="bylaw_categories")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("bylaw category")
        verbose_name_plural = _("bylaw categories")
        ordering = ["strata__name", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "strata",
                name="bylaw_category_name_unique_in_strata",
                violation_error_message=_("This strata already has a category with this name."),
            ),
        ]

    def __str__(self):
        return self.name


class BylawKind(models.TextChoices):
    BYLAW = "bylaw", _("Bylaw")
    RULE = "rule", _("Rule")


class Bylaw(TimeStamped):
    """A bylaw or rule of one strata. Its wording lives in ``BylawRevision`` rows."""

    Kind = BylawKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legacy_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="bylaws")
    number = models.CharField(_("number"), max_length=20, help_text=_("For example 3.4(b)."))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BYLAW)
    category = models.ForeignKey(
        BylawCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bylaws",
        verbose_name=_("category"),
    )
    part_number = models.CharField(_("part number"), max_length=20, blank=True)
    part_title = models.CharField(_("part title"), max_length=200, blank=True)
    text = models.TextField(
        _("current text"), help_text=_("Every change is kept as a revision with its date.")
    )
    fine_amount = models.DecimalField(
        _("maximum fine"),
        **Money,
        null=True,
        blank=True,
        help_text=_("Blank: the strata's maximum for bylaws or rules."),
    )
    continuing_interval_days = models.PositiveSmallIntegerField(
        _("days between continuing fines"),
        null=True,
        blank=True,
        help_text=_("Blank: the strata's interval. Never less than 7 days."),
    )
    is_short_term_rental = models.BooleanField(
        _("short-term rental bylaw"),
        default=False,
        help_text=_("Reg 7.1(2): may fine up to $1,000 and repeat daily."),
    )
    filed_on = models.DateField(
        _("filed at the Land Title Office"), null=True, blank=True, help_text=_("Bylaws only.")
    )
    ratified_on = models.DateField(
        _("ratified at a general meeting"),
        null=True,
        blank=True,
        help_text=_("Rules lapse unless ratified at the next AGM (SPA s.125)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bylaw")
        verbose_name_plural = _("bylaws")
        ordering = ["strata__name", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                Lower("number"),
                "strata",
                "kind",
                name="bylaw_number_unique_in_strata",
                violation_error_message=_("This strata already has a bylaw with this number."),
            ),
            _choices_check("kind", BylawKind, "bylaw_kind_valid"),
            models.CheckConstraint(
                condition=Q(fine_amount__isnull=True)
                | (
                    Q(fine_amount__gte=0)
                    & (
                        Q(
                            is_short_term_rental=True,
                            fine_amount__lte=REG_7_1_MAX_SHORT_TERM_RENTAL_FINE,
                        )
                        | Q(kind="bylaw", fine_amount__lte=REG_7_1_MAX_BYLAW_FINE)
                        | Q(kind="rule", fine_amount__lte=REG_7_1_MAX_RULE_FINE)
                    )
                ),
                name="bylaw_fine_within_reg_7_1",
            ),
            models.CheckConstraint(
                condition=Q(continuing_interval_days__isnull=True)
                | Q(is_short_term_rental=True, continuing_interval_days__gte=1)
                | Q(continuing_interval_days__gte=MIN_CONTINUING_INTERVAL_DAYS),
                name="bylaw_continuing_interval_within_spa_135",
            ),
            models.CheckConstraint(
                condition=Q(kind="bylaw") | Q(is_short_term_rental=False),
                name="bylaw_short_term_rental_is_a_bylaw",
            ),
        ]

    def __str__(self):
        label = _("Rule") if self.kind == self.Kind.RULE else _("Bylaw")
        return f"{label} {self.number} {self.title}"


class BylawRevision(models.Model):
    """One wording of a bylaw and the date it took effect. Letters quote the revision in
    force on the incident date (rule_pack / letters), never the current text."""

    bylaw = models.ForeignKey(Bylaw, on_delete=models.PROTECT, related_name="revisions")
    text = models.TextField(_("text"))
    effective_on = models.DateField(_("in force from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bylaw revision")
        verbose_name_plural = _("bylaw revisions")
        ordering = ["bylaw", "-effective_on", "-id"]
        indexes = [
            # The revision in force on a date: a bylaw's revisions, newest effective first.
            models.Index(fields=["bylaw", "-effective_on"], name="bylaw_revision_effective_idx"),
        ]

    def __str__(self):
        return f"{self.bylaw.number} from {self.effective_on}"


# --- cases ---------------------------------------------------------------------------------


class ViolationCategory(TimeStamped):
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
            _choices_check("status", Status, "violation_status_valid"),
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
            _choices_check("channel", ComplaintChannel, "complaint_channel_valid"),
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
            _choices_check("role", PartyRole, "case_party_role_valid"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class EvidenceSource(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("Resident")
    COMPLAINANT = "complainant", _("Complainant")


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

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["case", "created_at", "id"]
        constraints = [
            _choices_check("source", EvidenceSource, "evidence_source_valid"),
            _choices_check("kind", EvidenceKind, "evidence_kind_valid"),
            _choices_check("scan_status", ScanStatus, "evidence_scan_valid"),
        ]

    def __str__(self):
        return self.original_name


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


# --- letters and service ------------------------------------------------------------------


class LetterKind(models.TextChoices):
    WARNING = "warning", _("Warning letter")
    NOTICE = "notice", _("Notice of complaint")
    HEARING_NOTICE = "hearing_notice", _("Hearing notice")
    DECISION = "decision", _("Decision letter")
    COMPLAINANT_ACKNOWLEDGEMENT = "complainant_acknowledgement", _("Complainant acknowledgement")
    FINE_NOTICE = "fine_notice", _("Notice of a charge")


class LetterTemplate(TimeStamped):
    """A strata's override of a default letter (``violations/letters/<kind>/``), versioned:
    an edit is a new version, and letters record the version they used."""

    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="letter_templates")
    kind = models.CharField(_("letter"), max_length=40, choices=LetterKind.choices)
    version = models.PositiveIntegerField(_("version"))
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
            models.UniqueConstraint(
                fields=["strata", "kind", "version"], name="letter_template_version_unique"
            ),
            models.UniqueConstraint(
                fields=["strata", "kind"],
                condition=Q(is_active=True),
                name="letter_template_one_active",
            ),
            _choices_check("kind", LetterKind, "letter_template_kind_valid"),
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

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["case", "created_at", "id"]
        constraints = [
            _choices_check("kind", LetterKind, "letter_kind_valid"),
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


class ServiceMethod(models.TextChoices):
    EMAIL = "email", _("Email")
    MAIL = "mail", _("Mail")
    HAND = "hand", _("By hand")


class ServiceStatus(models.TextChoices):
    PENDING = "pending", _("To print and mail")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class Service(TimeStamped):
    """Delivery of one letter to one person, and when the law deems it given (SPA s.61)."""

    Method = ServiceMethod
    Status = ServiceStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="services")
    party = models.ForeignKey(
        CaseParty, on_delete=models.PROTECT, null=True, blank=True, related_name="services"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    address = models.TextField(_("address used"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.PENDING
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
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("service records")
        ordering = ["letter", "person__full_name", "created_at"]
        constraints = [
            _choices_check("method", ServiceMethod, "service_method_valid"),
            _choices_check("status", ServiceStatus, "service_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(deemed_given_on__isnull=False),
                name="service_sent_has_deemed_date",
            ),
        ]
        indexes = [
            # The print queue: pending paper service, oldest first.
            models.Index(fields=["status", "method", "created_at"], name="service_queue_idx"),
        ]

    def __str__(self):
        return f"{self.letter} → {self.person} ({self.get_method_display()})"


class ResponseChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
    PORTAL = "portal", _("Resident portal")


class Response(TimeStamped):
    """A party's written answer to a notice, online or recorded by staff."""

    Channel = ResponseChannel

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="responses")
    party = models.ForeignKey(CaseParty, on_delete=models.PROTECT, related_name="responses")
    received_at = models.DateTimeField(_("received"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    text = models.TextField(_("response"))
    declines_hearing = models.BooleanField(_("declines a hearing in writing"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["case", "received_at", "id"]
        constraints = [_choices_check("channel", ResponseChannel, "response_channel_valid")]

    def __str__(self):
        return f"{self.case} — {self.party}"


class HearingOutcome(models.TextChoices):
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("Respondent did not attend")
    WITHDRAWN = "withdrawn", _("Request withdrawn")
    POSTPONED = "postponed_by_request", _("Postponed at the respondent's written request")


# After these council has heard the respondent (or they chose not to come) and may decide
# (SPA s.34.1(2)); a withdrawn or postponed request leaves the ordinary deadline.
HEARD_OUTCOMES = (HearingOutcome.HELD, HearingOutcome.NO_SHOW)


class Hearing(TimeStamped):
    """A hearing requested in writing (SPA s.34.1, s.135) and what became of it."""

    Outcome = HearingOutcome

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="hearings")
    requested_by = models.ForeignKey(CaseParty, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField(_("request received on"))
    reason = models.TextField(_("reason given"))
    hold_by = models.DateField(_("must be held by"))
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    notice_letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    consent_file = models.FileField(
        _("written request to postpone"), upload_to="hearings/%Y/", blank=True
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["case", "requested_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=HearingOutcome.values),
                name="hearing_outcome_valid",
            ),
        ]
        indexes = [
            # Hearings due: open requests by the date they must be held.
            models.Index(fields=["outcome", "hold_by"], name="hearing_due_idx"),
        ]

    def __str__(self):
        return f"{self.case} — {self.requested_on}"


class CouncilMeeting(TimeStamped):
    """A council meeting whose decisions were recorded together (DESIGN §9 bulk action).

    ``submission`` is the recording form's one-time token, so a form submitted twice records
    one meeting, not two."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strata = models.ForeignKey(Strata, on_delete=models.PROTECT, related_name="council_meetings")
    held_on = models.DateField(_("meeting date"))
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("members present")
    )
    submission = models.UUIDField(unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            # the strata's meetings, latest first
            models.Index(fields=["strata", "-held_on"], name="meeting_strata_held"),
        ]

    def __str__(self):
        return f"{self.strata} council meeting {self.held_on}"


class DecisionOutcome(models.TextChoices):
    UPHELD_WARNING = "upheld_warning", _("Upheld: warning only")
    UPHELD_FINE = "upheld_fine", _("Upheld: fine")
    UPHELD_CONTINUING = "upheld_continuing", _("Upheld: continuing fine")
    DISMISSED = "dismissed", _("Dismissed")


UPHELD_OUTCOMES = (
    DecisionOutcome.UPHELD_WARNING,
    DecisionOutcome.UPHELD_FINE,
    DecisionOutcome.UPHELD_CONTINUING,
)


class Decision(TimeStamped):
    """Council's decision on a case, as recorded from its meeting (SPA ss.26-27, 135(2))."""

    Outcome = DecisionOutcome

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(Violation, on_delete=models.PROTECT, related_name="decision")
    meeting_on = models.DateField(_("council meeting date"))
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("members present")
    )
    recusals = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("recused")
    )
    motion = models.TextField(_("motion"))
    votes_for = models.PositiveSmallIntegerField(_("for"))
    votes_against = models.PositiveSmallIntegerField(_("against"))
    votes_abstaining = models.PositiveSmallIntegerField(_("abstaining"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reasons = models.TextField(_("reasons"))
    fine_amount = models.DecimalField(_("fine"), **Money, null=True, blank=True)
    continuing_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"), null=True, blank=True
    )
    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    meeting = models.ForeignKey(
        CouncilMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("recorded with meeting"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-meeting_on", "-id"]
        constraints = [
            _choices_check("outcome", DecisionOutcome, "decision_outcome_valid"),
            models.CheckConstraint(
                condition=Q(fine_amount__isnull=True) | Q(fine_amount__gt=0),
                name="decision_fine_positive",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["upheld_fine", "upheld_continuing"])
                | Q(fine_amount__isnull=False),
                name="decision_fine_names_an_amount",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="upheld_continuing") | Q(continuing_every_days__gte=1),
                name="decision_continuing_names_an_interval",
            ),
        ]

    def __str__(self):
        return f"{self.case} — {self.get_outcome_display()}"


class ChargeKind(models.TextChoices):
    FINE = "fine", _("Fine")
    REMEDY_COST = "remedy_cost", _("Remedy cost (SPA s.133)")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    STOPPED = "stopped", _("Stopped by compliance")


class FineProposal(TimeStamped):
    """The next fine of a continuing contravention (SPA s.135(3)), proposed by the daily job
    once the interval has passed. Staff confirm it with an observation (who saw the
    contravention continue, when, and the evidence), which charges it, or dismiss it."""

    Status = ProposalStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="fine_proposals")
    decision = models.ForeignKey(
        "Decision", on_delete=models.PROTECT, related_name="fine_proposals"
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    observed_by = models.CharField(_("seen continuing by"), max_length=200, blank=True)
    observed_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    observation = models.TextField(_("what was seen"), blank=True)
    evidence = models.ManyToManyField(
        Evidence, blank=True, related_name="fine_proposals", verbose_name=_("evidence")
    )
    dismissed_reason = models.TextField(_("reason dismissed"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("continuing fine proposal")
        verbose_name_plural = _("continuing fine proposals")
        ordering = ["case", "due_on"]
        constraints = [
            _choices_check("status", ProposalStatus, "fine_proposal_status_valid"),
            # the daily job may run twice: one proposal per case per due date
            models.UniqueConstraint(fields=["case", "due_on"], name="fine_proposal_once_per_due"),
            models.CheckConstraint(
                condition=~Q(status="confirmed")
                | (Q(observed_at__isnull=False) & ~Q(observed_by="") & ~Q(observation="")),
                name="fine_proposal_confirmed_has_observation",
            ),
        ]
        indexes = [
            # "continuing fines to confirm": open proposals by case
            models.Index(
                fields=["case"],
                condition=Q(status="proposed"),
                name="fine_proposal_open",
            ),
        ]

    def __str__(self):
        return f"{self.case} fine due {self.due_on}"


class Charge(TimeStamped):
    """An amount owed: a fine or an SPA s.133 remedy cost against the liable person and lot,
    naming exactly one bylaw and the decision that imposed it. The balance is derived from
    its payments and waivers, never stored."""

    Kind = ChargeKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="charges")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="charges")
    liable_person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="charges")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="charges")
    bylaw = models.ForeignKey(Bylaw, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FINE)
    amount = models.DecimalField(_("amount"), **Money)
    charged_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    proposal = models.OneToOneField(
        FineProposal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charge",
        verbose_name=_("continuing fine observation"),
    )
    letter = models.ForeignKey(
        Letter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fine notice"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["case", "charged_on", "id"]
        constraints = [
            _choices_check("kind", ChargeKind, "charge_kind_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="charge_amount_positive"),
        ]
        indexes = [
            # the strata ledger and the owner ledger, by date
            models.Index(fields=["unit", "charged_on"], name="charge_unit_date"),
            models.Index(fields=["liable_person", "charged_on"], name="charge_person_date"),
        ]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()} {self.amount}"


class PaymentMethod(models.TextChoices):
    CHEQUE = "cheque", _("Cheque")
    EFT = "eft", _("Electronic transfer")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class Payment(TimeStamped):
    """Money received against one charge; a charge may be paid in parts."""

    Method = PaymentMethod

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), **Money)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["charge", "paid_on", "id"]
        constraints = [
            _choices_check("method", PaymentMethod, "payment_method_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self):
        return f"{self.charge} paid {self.amount}"


class Waiver(TimeStamped):
    """Part or all of a charge forgiven by council; it cites the meeting and the resolution,
    because only council can waive what council imposed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="waivers")
    amount = models.DecimalField(_("amount"), **Money)
    meeting_on = models.DateField(_("council meeting date"))
    resolution = models.TextField(_("council resolution"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")
        ordering = ["charge", "meeting_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="waiver_amount_positive"),
            models.CheckConstraint(condition=~Q(resolution=""), name="waiver_cites_a_decision"),
        ]

    def __str__(self):
        return f"{self.charge} waived {self.amount}"


class CaseFileExportPurpose(models.TextChoices):
    TRIBUNAL = "tribunal", _("Civil Resolution Tribunal")
    RECORDS_REQUEST = "records_request", _("Records request (SPA s.36)")
    COUNCIL = "council", _("Council or the strata's lawyer")


class CaseFileExport(models.Model):
    """One export of the case file (DESIGN §6): who asked, for what, what was redacted, and
    the sha256 of the PDF and the ZIP as handed over."""

    Purpose = CaseFileExportPurpose

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="exports")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    requested_by_name = models.CharField(_("requested by"), max_length=200, blank=True)
    redactions = models.JSONField(_("redactions"), default=list, blank=True)
    pdf = models.FileField(_("case file PDF"), upload_to="case_files/%Y/")
    pdf_sha256 = models.CharField(max_length=64)
    archive = models.FileField(_("originals ZIP"), upload_to="case_files/%Y/")
    archive_sha256 = models.CharField(max_length=64)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case file export")
        verbose_name_plural = _("case file exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            _choices_check("purpose", CaseFileExportPurpose, "case_file_purpose_valid"),
        ]

    def __str__(self):
        return f"{self.case} case file {self.created_at:%Y-%m-%d}"
