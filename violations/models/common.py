"""What every enforcement model shares: the Reg 7.1 short-term-rental cap, money fields and the
check that keeps a choice field to its choices."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Reg 7.1(1): a short-term-rental bylaw may fine up to $1,000; Reg 7.1(2): and repeat daily.
REG_7_1_MAX_SHORT_TERM_RENTAL_FINE = 1000

Money = {"max_digits": 10, "decimal_places": 2}
CENT = Decimal("0.01")  # every amount is exact to the cent


def choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def void_check(name: str) -> models.CheckConstraint:
    """A voided entry says when, by whom and why."""
    return models.CheckConstraint(
        condition=Q(voided_at__isnull=True) | (Q(voided_by__isnull=False) & ~Q(void_reason="")),
        name=name,
    )


class LiveManager(models.Manager):
    """The entries as they stand: a voided entry is left out of every read (the guards, the
    selectors, balances, related managers such as ``case.responses``). ``all_objects`` keeps
    them, for the record (the case page, the case file)."""

    def get_queryset(self):
        return super().get_queryset().filter(voided_at__isnull=True)


class Correctable(models.Model):
    """An entry staff recorded and may correct (``services/corrections/``). It is never
    edited or deleted: a void stamps it with when, by whom and why; an amendment is a new
    entry that ``amends`` it, the original voided with the same reason."""

    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(_("reason voided"), blank=True)
    amends = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        verbose_name=_("amends"),
    )

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (a manager, after the default one)

    class Meta:
        abstract = True
