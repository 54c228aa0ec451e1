"""Bylaws and rules, their categories and every text they have had (SPA s.119-s.128)."""

import uuid

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
from violations.models.common import REG_7_1_MAX_SHORT_TERM_RENTAL_FINE, Money, choices_check

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
        help_text=_("Reg 7.1(1): may fine up to $1,000; Reg 7.1(2): and repeat daily."),
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
            choices_check("kind", BylawKind, "bylaw_kind_valid"),
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
