"""Charges and their fine notices: the fine council imposes, and SPA s.133 remedy costs."""

import datetime as dt
import types
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditLog
from communications.models import OutboundEmail
from tests.violations.drive import FAST_HASHERS, T0, Driver, counts, decision_kwargs, delta
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import (
    Charge,
    DeliveryMethod,
    DeliveryStatus,
    LetterDelivery,
    LetterKind,
    ViolationEvent,
)
from violations.services.charging import remedy_cost_charge

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(
    case,
    owner_for_notices,
    manager,
    council_member,
    second_council_member,
    caretaker,
    recused_council_member,
):
    council = [council_member, second_council_member]
    return types.SimpleNamespace(
        case=case,
        owner=owner_for_notices,
        manager=manager,
        council=council,
        council_member=council_member,
        caretaker=caretaker,
        recused=recused_council_member,
        driver=Driver(actor=manager, council=council),
    )


def decide(w, **extra):
    """Olive (the owner, who gave an email for notices) answers declining a hearing, and
    council decides today."""
    w.driver.to(w.case, "responded")
    response = w.case.responses.get()
    response.declines_hearing = True
    response.save()
    return services.violation_record_decision(
        case=w.case, actor=w.manager, **decision_kwargs(w.case, w.council, **extra)
    )


def test_a_decision_with_a_fine_charges_it_and_serves_its_fine_notice(w):
    w.driver.to(w.case, "responded")
    response = w.case.responses.get()
    response.declines_hearing = True
    response.save()
    before = counts()

    decision = services.violation_record_decision(
        case=w.case,
        actor=w.manager,
        **decision_kwargs(w.case, w.council, outcome="upheld_fine", fine_amount=Decimal("50")),
    )

    assert delta(before, counts()) == {
        "decisions": 1,
        "charges": 1,
        "letters": 2,
        "services": 2,
        "emails": 2,
        "events": 1,
        "audit": 1,
    }
    charge = Charge.objects.get()
    assert (
        charge.decision,
        charge.liable_person,
        charge.unit,
        charge.bylaw,
        charge.kind,
        charge.amount,
        charge.charged_on,
        charge.created_by,
    ) == (
        decision,
        w.owner,
        w.case.unit,
        w.case.bylaws.get(),
        "fine",
        Decimal("50.00"),
        dt.date(2026, 11, 25),
        w.manager,
    )
    letter = charge.letter
    assert (letter.kind, letter.issued_at) == (LetterKind.FINE_NOTICE, T0)
    assert "Notice of a fine" in letter.html
    assert "a fine of <strong>$50.00</strong> was charged on November 25, 2026" in letter.html
    assert "against Olive Owner and strata lot 1" in letter.html
    service = letter.deliveries.get()
    # Served when the mail server accepts it (violation_services_check).
    assert (service.person, service.method, service.status) == (w.owner, "email", "queued")
    assert service.outbound_email.dedup_key == (
        f"violation:{w.case.uuid}:fine_notice:{charge.uuid}:{w.owner.uuid}:v1"
    )
    assert (service.outbound_email.kind, service.outbound_email.to_address) == (
        "notice",
        "olive.notices@example.test",
    )


def test_a_warning_only_decision_charges_nothing(w):
    decide(w, outcome="upheld_warning")
    assert not Charge.objects.exists()
    assert not w.case.letters.filter(kind=LetterKind.FINE_NOTICE).exists()


def test_a_remedy_cost_is_charged_to_the_respondent_with_its_own_notice(w):
    decide(w, outcome="upheld_warning")
    before = counts()

    charge = remedy_cost_charge(
        case=w.case,
        actor=w.manager,
        amount=Decimal("125.50"),
        charged_on=dt.date(2026, 11, 24),
        description="Carpet cleaning in the corridor",
    )

    assert delta(before, counts()) == {
        "charges": 1,
        "letters": 1,
        "services": 1,
        "emails": 1,
        "events": 1,
        "audit": 1,
    }
    assert (
        charge.kind,
        charge.amount,
        charge.charged_on,
        charge.liable_person,
        charge.unit,
        charge.bylaw,
        charge.description,
        charge.decision,
    ) == (
        "remedy_cost",
        Decimal("125.50"),
        dt.date(2026, 11, 24),
        w.owner,
        w.case.unit,
        w.case.bylaws.get(),
        "Carpet cleaning in the corridor",
        w.case.decision,
    )
    assert "Notice of a remedy cost" in charge.letter.html
    assert "a remedy cost of <strong>$125.50</strong>" in charge.letter.html
    assert charge.letter.deliveries.get().status == DeliveryStatus.QUEUED
    event = ViolationEvent.objects.latest("id")
    assert (event.kind, event.actor, event.text, event.data["amount"]) == (
        "remedy_cost_charged",
        w.manager,
        "Carpet cleaning in the corridor",
        "125.50",
    )
    assert AuditLog.objects.latest("id").action == "violation.remedy_cost_charged"

    again = counts()
    with pytest.raises(TransitionRefused) as refused:
        remedy_cost_charge(
            case=w.case,
            actor=w.manager,
            amount=Decimal("125.50"),
            charged_on=dt.date(2026, 11, 24),
            description="Carpet cleaning in the corridor ",
        )
    assert refused.value.messages == [
        f"This remedy cost is already charged on {w.case.reference} (same amount, date and "
        "description): it was not charged twice."
    ]
    assert counts() == again


def test_a_remedy_cost_is_refused_on_an_undecided_case(w):
    w.driver.to(w.case, "notice_sent")
    before = counts()
    with pytest.raises(TransitionRefused) as refused:
        remedy_cost_charge(
            case=w.case,
            actor=w.manager,
            amount=Decimal("80"),
            charged_on=dt.date(2026, 11, 25),
            description="Clean-up",
        )
    assert refused.value.messages == [
        "VIO-20261101-001 has no upheld decision: a remedy cost (SPA s.133) is charged only "
        "once council has found the contravention."
    ]
    assert counts() == before


def test_a_remedy_cost_is_refused_on_a_dismissed_case(w):
    decide(w, outcome="dismissed")
    before = counts()
    with pytest.raises(TransitionRefused):
        remedy_cost_charge(
            case=w.case,
            actor=w.manager,
            amount=Decimal("80"),
            charged_on=dt.date(2026, 11, 25),
            description="Clean-up",
        )
    assert counts() == before


def test_a_remedy_cost_needs_a_description_an_amount_in_cents_and_a_past_date(w):
    decide(w, outcome="upheld_warning")
    before = counts()
    with pytest.raises(TransitionRefused) as refused:
        remedy_cost_charge(
            case=w.case,
            actor=w.manager,
            amount=Decimal("10.005"),
            charged_on=dt.date(2026, 11, 26),
            description="  ",
        )
    assert refused.value.message_dict == {
        "amount": ["Give the amount in dollars and cents, more than zero."],
        "charged_on": ["Give the date of the charge (not in the future)."],
        "description": ["Say what the cost was for (the damage or clean-up)."],
    }
    assert counts() == before


@pytest.mark.parametrize(("who", "code"), [("caretaker", "role"), ("recused", "recused")])
def test_a_caretaker_or_a_recused_member_cannot_charge_a_remedy_cost(w, who, code):
    decide(w, outcome="upheld_warning")
    before = counts()
    with pytest.raises(TransitionRefused) as refused:
        remedy_cost_charge(
            case=w.case,
            actor=getattr(w, who),
            amount=Decimal("80"),
            charged_on=dt.date(2026, 11, 25),
            description="Clean-up",
        )
    assert refused.value.code == code
    assert counts() == before


def test_the_fine_notice_is_emailed_to_a_party_with_an_address_and_printed_for_others(w, tenant):
    """Terry (tenant, no email for notices) is the respondent and liable; Olive, owner and
    landlord, gets her copy by email."""
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=tenant)
    services.violation_record_service(
        service=LetterDelivery.objects.get(person=tenant),
        actor=w.manager,
        method=DeliveryMethod.HAND_PERSON,
        on_date=dt.date(2026, 11, 25),
    )
    services.violation_record_response(
        case=w.case,
        actor=w.manager,
        party=w.case.parties.get(person=tenant),
        text="No hearing, thank you.",
        channel="letter",
        received_at=timezone.now(),
        declines_hearing=True,
    )

    services.violation_record_decision(
        case=w.case,
        actor=w.manager,
        **decision_kwargs(w.case, w.council, outcome="upheld_fine", fine_amount=Decimal("50")),
    )

    charge = Charge.objects.get()
    assert charge.liable_person == tenant
    services_ = {
        s.person: (s.method, s.status) for s in charge.letter.deliveries.select_related("person")
    }
    assert services_ == {w.owner: ("email", "queued"), tenant: ("mail", "pending")}
    assert (
        OutboundEmail.objects.filter(dedup_key__contains=f"fine_notice:{charge.uuid}").count() == 1
    )
