"""Charges for ledger tests, written through the ORM on a case council decided (the charging
service is tested on its own): an upheld case with its decision, and a charge on it."""

import datetime as dt
from decimal import Decimal

from tests.violations.factories import BylawFactory, ViolationFactory
from violations.models import Charge, Decision, DecisionOutcome, Status


def charge_on(
    unit,
    person,
    recorded_by,
    *,
    amount="200.00",
    charged_on=dt.date(2026, 11, 20),
    description="Fine for noise",
    bylaw=None,
    reference=None,
    kind=Charge.Kind.FINE,
) -> Charge:
    bylaw = bylaw or BylawFactory(strata=unit.strata)
    extra = {"reference": reference} if reference else {}
    case = ViolationFactory(
        unit=unit, bylaws=[bylaw], status=Status.DECIDED_UPHELD, complaint=False, **extra
    )
    decision = Decision.objects.create(
        case=case,
        meeting_on=charged_on,
        motion="That the owner of the unit be fined.",
        votes_for=3,
        votes_against=0,
        outcome=DecisionOutcome.UPHELD_FINE,
        reasons="The bylaw was contravened.",
        fine_amount=Decimal(amount),
        recorded_by=recorded_by,
    )
    return Charge.objects.create(
        case=case,
        decision=decision,
        liable_person=person,
        unit=unit,
        bylaw=bylaw,
        kind=kind,
        amount=Decimal(amount),
        charged_on=charged_on,
        description=description,
        created_by=recorded_by,
    )
