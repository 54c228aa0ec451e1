"""What every enforcement model shares: the Reg 7.1 short-term-rental cap, money fields and the
check that keeps a choice field to its choices."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

# Reg 7.1(1): a short-term-rental bylaw may fine up to $1,000; Reg 7.1(2): and repeat daily.
REG_7_1_MAX_SHORT_TERM_RENTAL_FINE = 1000

Money = {"max_digits": 10, "decimal_places": 2}
CENT = Decimal("0.01")  # every amount is exact to the cent


def choices_check(field: str, choices, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
