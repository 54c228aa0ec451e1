"""Reads of the fines ledger: balances are derived from payments and waivers, never stored."""

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import Strata
from accounts.permissions import Right, scope_to_stratas
from properties.models import Person
from violations.models import CENT, Charge, Payment, Waiver
from violations.selectors.access import exclude_recused

ZERO_CENTS = Decimal("0.00")
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


def _total(model) -> Coalesce:
    """The sum of ``model.amount`` for the outer charge, as a subquery (no join fan-out)."""
    sums = (
        model.objects.filter(charge=OuterRef("pk"))
        .order_by()
        .values("charge")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(sums, output_field=DecimalField(max_digits=12, decimal_places=2)), ZERO
    )


def charges_with_balances(charges: QuerySet[Charge]) -> QuerySet[Charge]:
    """``charges`` annotated with ``paid``, ``waived`` and ``balance`` (amount - paid - waived),
    exact to the cent."""
    return charges.annotate(paid=_total(Payment), waived=_total(Waiver)).annotate(
        balance=ExpressionWrapper(
            F("amount") - F("paid") - F("waived"),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
    )


def charges_visible_to(user) -> QuerySet[Charge]:
    """Charges of the stratas where ``user`` reads the ledger (VIEW_LEDGER), less those of
    cases they are recused from, with balances; the case, unit, person and bylaw joined."""
    if not getattr(user, "is_authenticated", False):
        return Charge.objects.none()
    scoped = exclude_recused(
        scope_to_stratas(Charge.objects.all(), user, Right.VIEW_LEDGER, via="case__strata"), user
    )
    return charges_with_balances(
        scoped.select_related("case__strata", "unit", "liable_person", "bylaw")
    )


def ledger_rows(
    user,
    *,
    strata: Strata | int | None = None,
    person: Person | int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Charge]:
    """The ledger ``user`` may read, narrowed to a strata, a liable person and a date range
    (inclusive), oldest first."""
    charges = charges_visible_to(user)
    if strata is not None:
        charges = charges.filter(case__strata=strata)
    if person is not None:
        charges = charges.filter(liable_person=person)
    if start is not None:
        charges = charges.filter(charged_on__gte=start)
    if end is not None:
        charges = charges.filter(charged_on__lte=end)
    return charges.order_by("charged_on", "id")


def ledger_totals(charges: QuerySet[Charge]) -> dict[str, Decimal]:
    """Charged, paid, waived and balance over ``charges``, summed in one query.

    The sums name the payment and waiver subqueries again rather than the ``paid`` and
    ``waived`` annotations: Django drops those from the inner query it aggregates over."""
    totals = Charge.objects.filter(pk__in=charges.values("pk")).aggregate(
        charged=Sum("amount"), paid=Sum(_total(Payment)), waived=Sum(_total(Waiver))
    )
    totals = {key: (value or ZERO_CENTS).quantize(CENT) for key, value in totals.items()}
    totals["balance"] = totals["charged"] - totals["paid"] - totals["waived"]
    return totals


def outstanding_balances_for(user) -> list[dict]:
    """Per strata where ``user`` reads the ledger: how many charges still have a balance
    and how much is owing, in one query. Stratas with nothing owing are left out."""
    rows = (
        charges_visible_to(user)
        .filter(balance__gt=0)
        .order_by()
        .values("case__strata_id", "case__strata__name", "case__strata__plan_number")
        .annotate(charges=Count("id"), owing=Sum("balance"))
        .order_by("case__strata__name")
    )
    return [
        {
            "strata_id": row["case__strata_id"],
            "name": row["case__strata__name"],
            "plan_number": row["case__strata__plan_number"],
            "charges": row["charges"],
            "owing": row["owing"].quantize(CENT),
        }
        for row in rows
    ]
