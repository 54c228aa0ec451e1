"""The fines ledger: charges, continuing-fine proposals, payments and waivers."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    TimeStamped,
)
from properties.models import Person, Unit
from violations.models.bylaws import Bylaw
from violations.models.cases import Evidence, Violation
from violations.models.common import Correctable, Money, choices_check, void_check
from violations.models.hearings import Decision
from violations.models.letters import Letter


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
            choices_check("status", ProposalStatus, "fine_proposal_status_valid"),
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
            choices_check("kind", ChargeKind, "charge_kind_valid"),
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


class Payment(TimeStamped, Correctable):
    """Money received against one charge; a charge may be paid in parts. Voided or amended,
    never edited (``Correctable``): ``Payment.objects`` are the live ones."""

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
            choices_check("method", PaymentMethod, "payment_method_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            void_check("payment_void_has_reason"),
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
