"""Two clerks record against one charge at once: the charge row is locked, so together they
cannot take it below zero. Real threads on PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AuditLog
from tests.violations.charges import charge_on
from tests.violations.drive import FAST_HASHERS, T0
from tests.violations.test_concurrency import race
from violations.domain.workflow import TransitionRefused
from violations.models import Charge, Payment, Waiver
from violations.services.ledger import payment_record, waiver_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


def test_a_payment_and_a_waiver_of_the_whole_balance_at_once_record_one(
    transactional_db, unit, owner, manager, council_member
):
    charge = charge_on(unit, owner, manager, amount="200.00")

    def pay():
        return payment_record(
            charge=Charge.objects.get(pk=charge.pk),
            actor=manager,
            amount="200.00",
            paid_on=dt.date(2026, 11, 25),
            method="cheque",
        )

    def waive():
        return waiver_record(
            charge=Charge.objects.get(pk=charge.pk),
            actor=council_member,
            amount="200.00",
            meeting_on=dt.date(2026, 11, 25),
            resolution="Waived in full.",
        )

    results = race([pay, waive])

    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(refused) == 1
    assert (
        refused[0]
        .message_dict["amount"][0]
        .endswith("would exceed the balance of $0.00 on this charge.")
    )
    assert Payment.objects.count() + Waiver.objects.count() == 1
    assert AuditLog.objects.filter(action__startswith="charge.").count() == 1
    recorded = Payment.objects.first() or Waiver.objects.first()
    assert recorded.amount == Decimal("200.00")
