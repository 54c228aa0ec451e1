"""The fines ledger's services and selectors: payments, waivers and derived balances."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AuditLog, StrataMembership
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory
from tests.violations.charges import charge_on
from tests.violations.drive import T0
from violations.domain.workflow import TransitionRefused
from violations.models import Charge, Payment, ViolationEvent, Waiver
from violations.selectors.ledger import (
    charges_visible_to,
    charges_with_balances,
    ledger_rows,
    ledger_totals,
    outstanding_balances_for,
)
from violations.services.ledger import payment_record, waiver_record

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # T0 in Vancouver


@pytest.fixture(autouse=True)
def _at_t0():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def charge(unit, owner, manager):
    return charge_on(unit, owner, manager, amount="200.00")


def ledger_counts() -> dict[str, int]:
    return {
        "payments": Payment.objects.count(),
        "waivers": Waiver.objects.count(),
        "events": ViolationEvent.objects.count(),
        "audit": AuditLog.objects.count(),
    }


def balance_of(charge: Charge) -> Decimal:
    return charges_with_balances(Charge.objects.filter(pk=charge.pk)).get().balance


def pay(charge, actor, amount, **extra):
    return payment_record(
        charge=charge,
        actor=actor,
        amount=amount,
        paid_on=extra.pop("paid_on", TODAY),
        method=extra.pop("method", "cheque"),
        **extra,
    )


def waive(charge, actor, amount, **extra):
    return waiver_record(
        charge=charge,
        actor=actor,
        amount=amount,
        meeting_on=extra.pop("meeting_on", TODAY),
        resolution=extra.pop("resolution", "Council resolved to waive part of the fine."),
        **extra,
    )


def refusal(call) -> dict[str, list[str]]:
    with pytest.raises(TransitionRefused) as raised:
        call()
    return raised.value.message_dict


# --- arithmetic --------------------------------------------------------------------------------


def test_partial_payments_and_waivers_leave_the_balance_exact_to_the_cent(
    charge, manager, council_member
):
    pay(charge, manager, "50.25", reference="Cheque 118")
    waive(charge, council_member, Decimal("49.75"))

    assert balance_of(charge) == Decimal("100.00")
    assert refusal(lambda: pay(charge, manager, "100.01")) == {
        "amount": [
            "More than is owing: paying $100.01 would exceed the balance of $100.00 on this charge."
        ]
    }

    pay(charge, manager, "100.00", method="eft")

    row = charges_visible_to(manager).get(pk=charge.pk)
    assert (row.amount, row.paid, row.waived, row.balance) == (
        Decimal("200.00"),
        Decimal("150.25"),
        Decimal("49.75"),
        Decimal("0.00"),
    )
    assert refusal(lambda: waive(charge, council_member, "0.01")) == {
        "amount": [
            "More than is owing: waiving $0.01 would exceed the balance of $0.00 on this charge."
        ]
    }


def test_a_payment_writes_the_payment_its_event_and_its_audit_entry(charge, manager):
    before = ledger_counts()

    payment = pay(charge, manager, "50.25", reference="Cheque 118")

    assert ledger_counts() == {**before, "payments": 1, "events": 1, "audit": 1}
    payment.refresh_from_db()
    assert (payment.amount, payment.paid_on, payment.method, payment.reference) == (
        Decimal("50.25"),
        TODAY,
        "cheque",
        "Cheque 118",
    )
    assert payment.recorded_by == manager
    event = ViolationEvent.objects.get(case=charge.case)
    assert (event.kind, event.actor, event.text) == (
        "payment_recorded",
        manager,
        "$50.25 paid on 2026-11-25 (Cheque); $149.75 owing.",
    )
    entry = AuditLog.objects.get()
    assert (entry.action, entry.strata, entry.target_uuid) == (
        "charge.payment_recorded",
        charge.case.strata,
        charge.uuid,
    )
    assert entry.changes["amount"] == "50.25"
    assert entry.changes["balance"] == "149.75"


def test_a_waiver_cites_the_meeting_and_resolution_in_its_audit_entry(charge, council_member):
    waiver = waive(charge, council_member, "49.75", resolution="Waived: first offence.")

    assert (waiver.amount, waiver.meeting_on, waiver.resolution) == (
        Decimal("49.75"),
        TODAY,
        "Waived: first offence.",
    )
    entry = AuditLog.objects.get()
    assert entry.action == "charge.waiver_recorded"
    assert entry.changes["resolution"] == "Waived: first offence."
    assert ViolationEvent.objects.get(case=charge.case).kind == "waiver_recorded"


# --- refusals ----------------------------------------------------------------------------------


def test_a_waiver_without_councils_decision_is_refused_and_nothing_is_written(
    charge, council_member
):
    before = ledger_counts()

    errors = refusal(lambda: waive(charge, council_member, "20.00", meeting_on=None, resolution=""))

    assert errors == {
        "meeting_on": [
            "A waiver must cite council's decision: give the date of the council meeting."
        ],
        "resolution": [
            "A waiver must cite council's decision: give the text of council's resolution."
        ],
    }
    assert ledger_counts() == before


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be more than $0.00."),
        ("-5.00", "The amount must be more than $0.00."),
        ("10.005", "Give the amount in dollars and cents, e.g. 50.25."),
        ("ten", "Give the amount in dollars and cents, e.g. 50.25."),
        ("NaN", "Give the amount in dollars and cents, e.g. 50.25."),
        (
            "200.01",
            "More than is owing: paying $200.01 would exceed the balance of "
            "$200.00 on this charge.",
        ),
    ],
)
def test_a_payment_of_a_bad_amount_is_refused(charge, manager, amount, message):
    before = ledger_counts()
    assert refusal(lambda: pay(charge, manager, amount)) == {"amount": [message]}
    assert ledger_counts() == before


@pytest.mark.parametrize(
    ("paid_on", "message"),
    [
        (
            dt.date(2026, 11, 26),
            "The payment cannot be dated 26 Nov 2026, after today (25 Nov 2026).",
        ),
        (
            dt.date(2026, 11, 19),
            "The payment cannot be dated 19 Nov 2026, before the charge was imposed on "
            "20 Nov 2026.",
        ),
    ],
)
def test_a_payment_dated_in_the_future_or_before_the_charge_is_refused(
    charge, manager, paid_on, message
):
    assert refusal(lambda: pay(charge, manager, "10.00", paid_on=paid_on)) == {"paid_on": [message]}
    assert not Payment.objects.exists()


def test_a_waiver_at_a_meeting_before_the_charge_is_refused(charge, council_member):
    errors = refusal(lambda: waive(charge, council_member, "10.00", meeting_on=dt.date(2026, 1, 5)))
    assert errors == {
        "meeting_on": [
            "The council meeting cannot be dated 5 Jan 2026, before the charge was imposed on "
            "20 Nov 2026."
        ]
    }
    assert not Waiver.objects.exists()


def test_a_payment_by_an_unknown_method_is_refused(charge, manager):
    assert refusal(lambda: pay(charge, manager, "10.00", method="bitcoin")) == {
        "method": ["Choose how the payment was made."]
    }


# --- rights ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["caretaker", "council_member", "other_manager"])
def test_only_a_manager_of_the_strata_records_a_payment(request, charge, role):
    actor = request.getfixturevalue(role)
    before = ledger_counts()

    with pytest.raises(TransitionRefused) as raised:
        pay(charge, actor, "10.00")

    assert raised.value.messages == [
        "Recording a payment needs the role of manager in Harbour View."
    ]
    assert ledger_counts() == before


@pytest.mark.parametrize("role", ["caretaker", "other_manager"])
def test_caretakers_and_other_stratas_cannot_waive(request, charge, role):
    actor = request.getfixturevalue(role)
    before = ledger_counts()

    with pytest.raises(TransitionRefused) as raised:
        waive(charge, actor, "10.00")

    assert raised.value.messages == [
        "Recording a waiver needs the role of manager or council in Harbour View."
    ]
    assert ledger_counts() == before


def test_an_owner_with_a_login_cannot_pay_or_waive(charge, owner):
    owner.user = UserFactory(email="olive.login@example.test")
    owner.save()
    before = ledger_counts()

    with pytest.raises(TransitionRefused):
        pay(charge, owner.user, "10.00")
    with pytest.raises(TransitionRefused):
        waive(charge, owner.user, "10.00")

    assert ledger_counts() == before


def test_council_and_managers_may_waive(charge, council_member, manager):
    waive(charge, council_member, "10.00")
    waive(charge, manager, "10.00")

    assert balance_of(charge) == Decimal("180.00")


def test_a_recused_council_member_cannot_waive(charge, unit, strata):
    member = UserFactory(email="recused@example.test")
    MembershipFactory(strata=strata, role=StrataMembership.Role.COUNCIL, user=member)
    OccupancyFactory(
        unit=unit,
        role=Occupancy.Role.OCCUPANT,
        person=PersonFactory(strata=strata, user=member),
    )

    with pytest.raises(TransitionRefused) as raised:
        waive(charge, member, "10.00")

    assert raised.value.code == "recused"
    assert not Waiver.objects.exists()


# --- selectors ---------------------------------------------------------------------------------


@pytest.fixture
def two_stratas(charge, other_unit, other_manager, manager, council_member):
    """The own charge, $50.25 paid and $49.75 waived, and a charge of $75.50 in Cedar Grove."""
    payer = PersonFactory(strata=other_unit.strata, full_name="Otto Outsider")
    other = charge_on(other_unit, payer, other_manager, amount="75.50")
    pay(charge, manager, "50.25")
    waive(charge, council_member, "49.75")
    return charge, other


def test_charges_visible_to_keeps_each_strata_to_its_own(
    two_stratas, manager, council_member, caretaker, other_manager, superuser
):
    own, other = two_stratas

    assert list(charges_visible_to(manager).values_list("pk", flat=True)) == [own.pk]
    assert list(charges_visible_to(council_member).values_list("pk", flat=True)) == [own.pk]
    assert not charges_visible_to(caretaker).exists()
    assert list(charges_visible_to(other_manager).values_list("pk", flat=True)) == [other.pk]
    assert set(charges_visible_to(superuser).values_list("pk", flat=True)) == {own.pk, other.pk}


def test_ledger_totals_are_summed_exactly(two_stratas, manager, unit, owner, superuser):
    own, _other = two_stratas
    charge_on(unit, owner, manager, amount="0.10", charged_on=dt.date(2026, 10, 1))

    assert ledger_totals(ledger_rows(manager, strata=own.case.strata)) == {
        "charged": Decimal("200.10"),
        "paid": Decimal("50.25"),
        "waived": Decimal("49.75"),
        "balance": Decimal("100.10"),
    }
    assert ledger_totals(ledger_rows(superuser)) == {
        "charged": Decimal("275.60"),
        "paid": Decimal("50.25"),
        "waived": Decimal("49.75"),
        "balance": Decimal("175.60"),
    }
    october = ledger_rows(manager, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
    assert [c.amount for c in october] == [Decimal("0.10")]
    assert [c.amount for c in ledger_rows(manager, person=owner)] == [
        Decimal("0.10"),
        Decimal("200.00"),
    ]


def test_outstanding_balances_per_strata(two_stratas, manager, superuser, caretaker):
    own, _other = two_stratas

    assert outstanding_balances_for(manager) == [
        {
            "strata_id": own.case.strata_id,
            "name": "Harbour View",
            "plan_number": "BCS1234",
            "charges": 1,
            "owing": Decimal("100.00"),
        }
    ]
    assert [(r["name"], r["owing"]) for r in outstanding_balances_for(superuser)] == [
        ("Cedar Grove", Decimal("75.50")),
        ("Harbour View", Decimal("100.00")),
    ]
    assert outstanding_balances_for(caretaker) == []
