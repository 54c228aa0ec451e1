"""Voiding and amending a recorded entry (issue 13 item 3): a response, a service record, a
payment, a hearing outcome, an observation of a continuing contravention, and compliance.

The original stays (a voided row, or its values in the correction's event and audit entry),
the correction is one ``correction`` event and one ``violation.correction`` audit entry, and
the guards read the corrected record. A correction that would leave a later step without its
basis (the decision council already recorded) is refused, never silently rewound.

The clock is T0, 10:00 in Vancouver on Wednesday November 25, 2026, unless a test moves it.
"""

import datetime as dt
import types
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditLog
from tests.violations.charges import charge_on
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    counts,
    decision_kwargs,
    deliver_emails,
    respondent_party,
    snapshot,
)
from violations import services
from violations.domain import rule_pack
from violations.domain.workflow import TransitionRefused
from violations.models import (
    Charge,
    DeliveryStatus,
    FineProposal,
    HearingOutcome,
    LetterDelivery,
    Payment,
    ProposalStatus,
    Response,
    Status,
    ViolationEvent,
)
from violations.selectors.continuing import last_seen_on
from violations.selectors.guards import decision_refusal
from violations.selectors.ledger import charges_with_balances
from violations.services.continuing import continuing_fines_propose, fine_proposal_confirm
from violations.services.corrections import entry_amend, entry_void
from violations.services.ledger import waiver_record

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
REASON = "Typed into the wrong case."


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=VANCOUVER)


NOV = {n: dt.date(2026, 11, n) for n in range(1, 31)}
DEC = {n: dt.date(2026, 12, n) for n in range(1, 32)}


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(
    case,
    tenant,
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
        tenant=tenant,
        owner=owner_for_notices,
        manager=manager,
        council=council,
        caretaker=caretaker,
        recused=recused_council_member,
        driver=Driver(actor=manager, council=council),
    )


def refusal(call) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as refused:
        call()
    return refused.value


def correction_event() -> ViolationEvent:
    return ViolationEvent.objects.filter(kind="correction").get()


def correction_audit() -> AuditLog:
    return AuditLog.objects.filter(action="violation.correction").get()


# --- responses -------------------------------------------------------------------------------


def test_voiding_a_mistyped_response_sends_the_case_back_to_notice_sent(w):
    w.driver.to(w.case, "responded")
    response = w.case.responses.get()
    before = counts()

    entry_void(entry=response, actor=w.manager, reason=REASON)

    response = Response.all_objects.get(pk=response.pk)
    assert (response.voided_at, response.voided_by, response.void_reason) == (
        T0,
        w.manager,
        REASON,
    )
    assert response.text == "It was a birthday party; it will not happen again."
    assert not w.case.responses.exists()
    w.case.refresh_from_db()
    assert w.case.status == Status.NOTICE_SENT
    event = correction_event()
    assert (event.actor, event.from_status, event.to_status) == (
        w.manager,
        Status.RESPONDED,
        Status.NOTICE_SENT,
    )
    assert event.data == {
        "entry": "response",
        "uuid": str(response.uuid),
        "action": "void",
        "reason": REASON,
        "before": {
            "received_at": T0.isoformat(),
            "channel": "letter",
            "text": "It was a birthday party; it will not happen again.",
            "declines_hearing": False,
        },
    }
    audit = correction_audit()
    assert (audit.actor, audit.strata, audit.changes["status"]) == (
        w.manager,
        w.case.strata,
        {"from": Status.RESPONDED, "to": Status.NOTICE_SENT},
    )
    assert delta_without_responses(before) == {"events": 1, "audit": 1}


def delta_without_responses(before: dict) -> dict:
    """What changed, less the live responses (a voided one leaves the live count)."""
    after = counts()
    return {k: after[k] - before[k] for k in after if after[k] != before[k] and k != "responses"}


def test_amending_a_response_keeps_the_original_and_the_guard_reads_the_amended_one(w):
    w.driver.to(w.case, "responded")
    original = w.case.responses.get()
    assert decision_refusal(w.case) is not None  # before the deadline, no hearing declined

    amended = entry_amend(
        entry=original,
        actor=w.manager,
        reason="The letter also declines a hearing; missed when it was typed in.",
        declines_hearing=True,
    )

    original = Response.all_objects.get(pk=original.pk)
    assert original.voided_at == T0 and original.declines_hearing is False
    assert (amended.amends, amended.declines_hearing, amended.text, amended.received_at) == (
        original,
        True,
        original.text,
        original.received_at,
    )
    assert list(w.case.responses.all()) == [amended]
    w.case.refresh_from_db()
    assert w.case.status == Status.RESPONDED
    assert decision_refusal(w.case) is None  # the respondent declined a hearing in writing
    data = correction_event().data
    assert (data["action"], data["before"]["declines_hearing"], data["after"]) == (
        "amend",
        False,
        {"declines_hearing": True},
    )
    assert data["replacement"] == str(amended.uuid)


def test_an_amended_date_passes_the_same_date_rules(w):
    w.driver.to(w.case, "responded")
    response = w.case.responses.get()
    before = snapshot(w.case)

    refused = refusal(
        lambda: entry_amend(
            entry=response, actor=w.manager, reason="Wrong day.", received_at=at(NOV[24])
        )
    )

    assert refused.message_dict == {
        "received_at": [
            "The response cannot be received on 24 Nov 2026, before the notice was sent on "
            "25 Nov 2026."
        ]
    }
    assert snapshot(w.case) == before
    assert Response.all_objects.get().voided_at is None


def test_a_correction_needs_a_reason(w):
    w.driver.to(w.case, "responded")
    before = snapshot(w.case)

    refused = refusal(lambda: entry_void(entry=w.case.responses.get(), actor=w.manager, reason=""))

    assert refused.message_dict == {
        "reason": ["Give the reason for the correction: it stays on the record with it."]
    }
    assert snapshot(w.case) == before


def test_an_amendment_that_changes_nothing_is_refused(w):
    w.driver.to(w.case, "responded")
    response = w.case.responses.get()

    refused = refusal(
        lambda: entry_amend(entry=response, actor=w.manager, reason="x", channel="letter")
    )

    assert refused.messages == ["The amendment changes nothing: give the corrected values."]


@pytest.mark.parametrize(("who", "code"), [("caretaker", "role"), ("recused", "recused")])
def test_a_caretaker_or_a_recused_member_cannot_correct(w, who, code):
    w.driver.to(w.case, "responded")
    before = snapshot(w.case)

    refused = refusal(
        lambda: entry_void(entry=w.case.responses.get(), actor=getattr(w, who), reason=REASON)
    )

    assert refused.code == code
    assert snapshot(w.case) == before


def test_a_voided_entry_cannot_be_corrected_again(w):
    w.driver.to(w.case, "responded")
    response = w.case.responses.get()
    entry_void(entry=response, actor=w.manager, reason=REASON)

    refused = refusal(lambda: entry_void(entry=response, actor=w.manager, reason=REASON))

    assert refused.messages == [
        "This response was voided on 25 Nov 2026: it cannot be corrected again."
    ]


def test_voiding_the_response_council_decided_on_is_refused(w):
    """Council decided before the deadline because the respondent declined a hearing in
    writing: without that response the decision has no basis, so the void is refused."""
    w.driver.to(w.case, "decided_dismissed")
    response = w.case.responses.get()
    before = snapshot(w.case)

    refused = refusal(lambda: entry_void(entry=response, actor=w.manager, reason=REASON))

    assert refused.messages[0].startswith(
        "Council decided VIO-20261101-001 at its meeting of 25 Nov 2026 on the record as it "
        "stood; after this correction the decision would have no basis: "
    )
    assert snapshot(w.case) == before
    # A correction that leaves the decision standing is made.
    amended = entry_amend(
        entry=response, actor=w.manager, reason="Typo.", text="No hearing, thank you."
    )
    assert amended.declines_hearing is True


# --- service records -------------------------------------------------------------------------


def tenant_served_by_hand(w, on_date):
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    service = w.case.letters.get(kind="notice").deliveries.get(person=w.tenant)
    return services.violation_record_service(
        service=service, actor=w.manager, method="hand_person", on_date=on_date
    )


def test_voiding_a_recorded_service_puts_the_letter_back_in_the_print_queue(w):
    service = tenant_served_by_hand(w, NOV[25])
    w.case.refresh_from_db()
    assert w.case.response_deadline is not None

    entry_void(entry=service, actor=w.manager, reason="It was handed to the wrong person.")

    service = LetterDelivery.all_objects.get(pk=service.pk)
    assert (service.status, service.voided_by) == (DeliveryStatus.SENT, w.manager)
    pending = w.case.letters.get(kind="notice").deliveries.get(person=w.tenant)
    assert (pending.status, pending.method, pending.address) == (
        DeliveryStatus.PENDING,
        "mail",
        service.address,
    )
    w.case.refresh_from_db()
    assert w.case.response_deadline is None  # a required party is unserved again


def test_amending_a_service_moves_the_deadline_with_the_deemed_date(w):
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    pending = w.case.letters.get(kind="notice").deliveries.get(person=w.tenant)
    with time_machine.travel(at(NOV[27]), tick=False):
        service = services.violation_record_service(
            service=pending, actor=w.manager, method="hand_person", on_date=NOV[27]
        )
        w.case.refresh_from_db()
        stated = w.case.response_deadline  # the letter's own deadline (Nov 29) is the later

        amended = entry_amend(
            entry=service,
            actor=w.manager,
            reason="It was mailed, not handed over.",
            method="mail",
        )

    assert (amended.amends, amended.method, amended.status, amended.deemed_given_on) == (
        LetterDelivery.all_objects.get(pk=service.pk),
        "mail",
        DeliveryStatus.SENT,
        DEC[1],
    )
    assert LetterDelivery.all_objects.get(pk=service.pk).voided_at is not None
    w.case.refresh_from_db()
    assert w.case.response_deadline == rule_pack.response_deadline(w.case.strata, DEC[1])
    assert w.case.response_deadline > stated


def test_an_amended_service_date_passes_the_same_date_rules(w):
    service = tenant_served_by_hand(w, NOV[25])

    refused = refusal(
        lambda: entry_amend(entry=service, actor=w.manager, reason="x", on_date=NOV[24])
    )

    assert refused.message_dict == {
        "on_date": [
            "The service cannot be recorded on 24 Nov 2026, before the letter was issued on "
            "25 Nov 2026."
        ]
    }


def test_an_email_service_is_not_corrected_by_hand(w):
    w.driver.to(w.case, "notice_sent")
    emailed = w.case.letters.get(kind="notice").deliveries.get(person=w.owner)

    refused = refusal(lambda: entry_void(entry=emailed, actor=w.manager, reason=REASON))

    assert refused.messages == [
        "Only a paper service recorded by staff can be corrected; an emailed letter is "
        "settled by the mail server (re-serve it to serve it again)."
    ]


# --- payments --------------------------------------------------------------------------------


@pytest.fixture
def paid(unit, owner, manager):
    charge = charge_on(unit, owner, manager, charged_on=NOV[20])
    payment = Payment.objects.create(
        charge=charge,
        amount=Decimal("50.00"),
        paid_on=NOV[21],
        method=Payment.Method.CHEQUE,
        reference="Cheque 101",
        recorded_by=manager,
    )
    return types.SimpleNamespace(charge=charge, payment=payment)


def balance(charge) -> Decimal:
    return charges_with_balances(Charge.objects.filter(pk=charge.pk)).get().balance


def test_voiding_a_payment_restores_the_balance(paid, manager):
    assert balance(paid.charge) == Decimal("150.00")

    entry_void(entry=paid.payment, actor=manager, reason="The cheque bounced.")

    assert balance(paid.charge) == Decimal("200.00")
    assert Payment.all_objects.get().void_reason == "The cheque bounced."
    assert correction_event().data["entry"] == "payment"


def test_amending_a_payment_records_the_new_amount_and_keeps_the_old(paid, manager):
    amended = entry_amend(
        entry=paid.payment, actor=manager, reason="The cheque was for $60.", amount="60.00"
    )

    assert (amended.amount, amended.paid_on, amended.reference, amended.amends) == (
        Decimal("60.00"),
        NOV[21],
        "Cheque 101",
        paid.payment,
    )
    assert balance(paid.charge) == Decimal("140.00")
    assert Payment.all_objects.count() == 2
    assert correction_event().data["after"] == {"amount": "60.00"}


def test_an_amended_payment_cannot_exceed_what_is_owing_or_predate_the_charge(paid, manager):
    assert refusal(
        lambda: entry_amend(entry=paid.payment, actor=manager, reason="x", amount="200.01")
    ).message_dict == {
        "amount": [
            "More than is owing: paying $200.01 would exceed the balance of $200.00 on this charge."
        ]
    }
    assert refusal(
        lambda: entry_amend(entry=paid.payment, actor=manager, reason="x", paid_on=NOV[19])
    ).message_dict == {
        "paid_on": [
            "The payment cannot be dated 19 Nov 2026, before the charge was imposed on 20 Nov 2026."
        ]
    }
    assert Payment.all_objects.get().voided_at is None


def test_only_who_records_payments_corrects_one(paid, council_member):
    refused = refusal(lambda: entry_void(entry=paid.payment, actor=council_member, reason="x"))

    assert refused.code == "role"
    assert Payment.all_objects.get().voided_at is None


# --- hearing outcomes ------------------------------------------------------------------------


def held(w):
    w.driver.to(w.case, "hearing_scheduled")
    hearing = w.case.hearings.get()
    with time_machine.travel(hearing.scheduled_for, tick=False):
        services.violation_record_hearing_outcome(
            case=w.case, actor=w.manager, outcome=HearingOutcome.HELD, minutes="Olive spoke."
        )
    hearing.refresh_from_db()
    return hearing


def test_voiding_a_hearing_outcome_reopens_the_hearing(w):
    hearing = held(w)

    entry_void(entry=hearing, actor=w.manager, reason="Recorded on the wrong hearing.")

    hearing.refresh_from_db()
    assert (hearing.outcome, hearing.minutes, hearing.held_at) == ("", "", None)
    w.case.refresh_from_db()
    assert w.case.status == Status.HEARING_SCHEDULED
    event = correction_event()
    assert (event.from_status, event.to_status) == (
        Status.AWAITING_DECISION,
        Status.HEARING_SCHEDULED,
    )
    assert event.data["before"] == {
        "outcome": "held",
        "minutes": "Olive spoke.",
        "held_at": hearing.scheduled_for.isoformat(),
    }


def test_amending_a_hearing_outcome_keeps_the_original_in_the_record(w):
    hearing = held(w)

    with time_machine.travel(hearing.scheduled_for + dt.timedelta(days=1), tick=False):
        entry_amend(
            entry=hearing,
            actor=w.manager,
            reason="Olive did not come; the minutes were of another case.",
            outcome=HearingOutcome.NO_SHOW,
            minutes="",
        )

    hearing.refresh_from_db()
    assert (hearing.outcome, hearing.minutes, hearing.held_at) == ("no_show", "", None)
    data = correction_event().data
    assert data["before"]["outcome"] == "held"
    assert data["after"] == {"outcome": "no_show", "minutes": "", "held_at": None}
    w.case.refresh_from_db()
    assert w.case.status == Status.AWAITING_DECISION


def test_a_hearing_outcome_council_decided_after_cannot_be_voided(w):
    hearing = held(w)
    with time_machine.travel(hearing.scheduled_for + dt.timedelta(hours=2), tick=False):
        services.violation_record_decision(
            case=w.case, actor=w.manager, **decision_kwargs(w.case, w.council)
        )
        before = snapshot(w.case)

        refused = refusal(lambda: entry_void(entry=hearing, actor=w.manager, reason=REASON))

    assert refused.messages == [
        "Council has decided VIO-20261101-001 after this hearing: its outcome can be amended, "
        "not voided."
    ]
    assert snapshot(w.case) == before


# --- observations of a continuing contravention ----------------------------------------------


@pytest.fixture
def observed(w):
    """Upheld, $50 every 7 days; the fine due December 2 charged on Carl's sighting."""
    w.driver.to(w.case, "responded")
    w.case.responses.update(declines_hearing=True)
    services.violation_record_decision(
        case=w.case,
        actor=w.manager,
        **decision_kwargs(
            w.case,
            w.council,
            outcome="upheld_continuing",
            fine_amount=Decimal("50"),
            continuing_every_days=7,
        ),
    )
    with time_machine.travel(at(DEC[3]), tick=False):
        continuing_fines_propose()
        proposal = FineProposal.objects.get()
        charge = fine_proposal_confirm(
            proposal=proposal,
            actor=w.manager,
            observed_by="Carl the caretaker",
            observed_at=at(DEC[2], 21),
            observation="Music still loud.",
        )
        deliver_emails()
    proposal.refresh_from_db()
    return types.SimpleNamespace(proposal=proposal, charge=charge)


def test_amending_an_observation_keeps_the_original_in_the_record(w, observed):
    with time_machine.travel(at(DEC[4]), tick=False):
        entry_amend(
            entry=observed.proposal,
            actor=w.manager,
            reason="Carl saw it at 11 p.m., not 9.",
            observed_at=at(DEC[2], 23),
        )

    observed.proposal.refresh_from_db()
    assert observed.proposal.observed_at == at(DEC[2], 23)
    data = correction_event().data
    assert (data["entry"], data["before"]["observed_at"], data["after"]) == (
        "observation",
        at(DEC[2], 21).astimezone(dt.UTC).isoformat(),
        {"observed_at": at(DEC[2], 23).astimezone(dt.UTC).isoformat()},
    )
    assert last_seen_on(w.case) == DEC[2]


def test_an_amended_observation_passes_the_same_date_rules(w, observed):
    with time_machine.travel(at(DEC[4]), tick=False):
        refused = refusal(
            lambda: entry_amend(
                entry=observed.proposal, actor=w.manager, reason="x", observed_at=at(DEC[5])
            )
        )

    assert refused.message_dict == {
        "observed_at": ["The observation cannot be dated 5 Dec 2026, after today (4 Dec 2026)."]
    }


def test_an_observation_whose_fine_is_owing_is_voided_only_after_council_waives_it(w, observed):
    with time_machine.travel(at(DEC[4]), tick=False):
        before = snapshot(w.case)
        refused = refusal(
            lambda: entry_void(entry=observed.proposal, actor=w.manager, reason="Not seen.")
        )
        assert refused.messages == [
            "The fine of $50.00 charged on this observation is still owing: council waives "
            "it first (the fines ledger), then the observation can be voided."
        ]
        assert snapshot(w.case) == before

        waiver_record(
            charge=observed.charge,
            actor=w.manager,
            amount="50.00",
            meeting_on=DEC[4],
            resolution="Council waives the fine: nobody saw the music continue.",
        )
        entry_void(entry=observed.proposal, actor=w.manager, reason="Not seen.")

    observed.proposal.refresh_from_db()
    assert (observed.proposal.status, observed.proposal.observation) == (
        ProposalStatus.DISMISSED,
        "Music still loud.",
    )
    assert last_seen_on(w.case) is None


# --- compliance ------------------------------------------------------------------------------


def test_amending_compliance_keeps_the_original_date_in_the_record(w):
    w.driver.to(w.case, "warned")
    services.violation_close(case=w.case, actor=w.manager, compliance_on=NOV[20])

    entry_amend(
        entry=w.case, actor=w.manager, reason="It stopped a day later.", compliance_on=NOV[21]
    )

    w.case.refresh_from_db()
    assert (w.case.status, w.case.compliance_on) == (Status.CLOSED, NOV[21])
    data = correction_event().data
    assert (data["entry"], data["before"], data["after"]) == (
        "compliance",
        {"compliance_on": "2026-11-20"},
        {"compliance_on": "2026-11-21"},
    )


def test_an_amended_compliance_date_passes_the_same_date_rules(w):
    w.driver.to(w.case, "warned")
    services.violation_close(case=w.case, actor=w.manager, compliance_on=NOV[20])

    refused = refusal(
        lambda: entry_amend(
            entry=w.case, actor=w.manager, reason="x", compliance_on=dt.date(2026, 10, 31)
        )
    )

    assert refused.message_dict == {
        "compliance_on": [
            "Compliance cannot be dated 31 Oct 2026, before the incident on 1 Nov 2026."
        ]
    }


def test_compliance_a_fined_case_closed_on_cannot_be_voided(w):
    w.driver.to(w.case, "responded")
    w.case.responses.update(declines_hearing=True)
    services.violation_record_decision(
        case=w.case,
        actor=w.manager,
        **decision_kwargs(w.case, w.council, outcome="upheld_fine", fine_amount=Decimal("50")),
    )
    services.violation_close(case=w.case, actor=w.manager, compliance_on=NOV[25])
    before = snapshot(w.case)

    refused = refusal(lambda: entry_void(entry=w.case, actor=w.manager, reason=REASON))

    assert refused.messages == [
        "A fined case is closed on its compliance date: amend the date instead of voiding it."
    ]
    assert snapshot(w.case) == before


def test_compliance_of_a_warned_case_can_be_voided(w):
    w.driver.to(w.case, "warned")
    services.violation_close(case=w.case, actor=w.manager, compliance_on=NOV[20])

    entry_void(entry=w.case, actor=w.manager, reason="Nobody checked.")

    w.case.refresh_from_db()
    assert (w.case.status, w.case.compliance_on) == (Status.CLOSED, None)
    assert correction_event().data["before"] == {"compliance_on": "2026-11-20"}


def test_every_correction_writes_one_event_and_one_audit_entry(w):
    w.driver.to(w.case, "responded")
    response = w.case.responses.get()
    events, audits = ViolationEvent.objects.count(), AuditLog.objects.count()

    entry_amend(entry=response, actor=w.manager, reason="Typo.", text="It was a party.")

    assert ViolationEvent.objects.count() - events == 1
    assert AuditLog.objects.count() - audits == 1
    assert correction_audit().changes["data"]["after"] == {"text": "It was a party."}
    assert timezone.now() == T0
    assert respondent_party(w.case) == response.party
