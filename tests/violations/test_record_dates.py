"""Every recorded date against the facts it follows (issue 13 item 3): a response after the
notice was sent, a service not before its letter, an observation or compliance not before the
incident, a payment not before its charge, a hearing outcome not before the hearing, and none
of them after the strata's today. Each rule at its boundary: the same day is allowed, a day
before (or after today) is refused with a field error naming both dates.

The clock is T0, 10:00 in Vancouver on Wednesday November 25, 2026, unless a test moves it;
the case's incident was on November 1, 2026.
"""

import datetime as dt
import types
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tests.violations.charges import charge_on
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    complaint,
    decision_kwargs,
    respondent_party,
    snapshot,
)
from tests.violations.factories import ViolationFactory
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import FineProposal, HearingOutcome, Payment, Status
from violations.selectors import record_dates
from violations.services.continuing import continuing_fines_propose, fine_proposal_confirm
from violations.services.ledger import payment_record

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock in Vancouver on ``day``."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=VANCOUVER)


NOV = {n: dt.date(2026, 11, n) for n in range(1, 31)}
DEC = {n: dt.date(2026, 12, n) for n in range(1, 32)}


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(case, tenant, owner_for_notices, manager, council_member, second_council_member):
    return types.SimpleNamespace(
        case=case,
        tenant=tenant,
        owner=owner_for_notices,
        manager=manager,
        council=[council_member, second_council_member],
        driver=Driver(actor=manager, council=[council_member, second_council_member]),
    )


def refusal(call) -> dict:
    with pytest.raises(TransitionRefused) as refused:
        call()
    return refused.value.message_dict


# --- responses -------------------------------------------------------------------------------


def record_response(w, received_at):
    return services.violation_record_response(
        case=w.case,
        actor=w.manager,
        party=respondent_party(w.case),
        text="It was not me.",
        channel="letter",
        received_at=received_at,
    )


def test_a_response_received_before_the_notice_was_sent_is_refused(w):
    """The issue's example: 'received' 20 Nov on a notice sent (emailed, accepted) 3 Dec."""
    with time_machine.travel(at(DEC[3]), tick=False):
        w.driver.to(w.case, "notice_sent")
        before = snapshot(w.case)

        assert refusal(lambda: record_response(w, at(NOV[20]))) == {
            "received_at": [
                "The response cannot be received on 20 Nov 2026, before the notice was sent on "
                "3 Dec 2026."
            ]
        }
        assert snapshot(w.case) == before


def test_a_response_the_day_the_notice_was_sent_is_recorded_and_a_day_before_is_not(w):
    w.driver.to(w.case, "notice_sent")  # emailed and accepted at 10:00 on November 25

    assert refusal(lambda: record_response(w, at(NOV[24], 18))) == {
        "received_at": [
            "The response cannot be received on 24 Nov 2026, before the notice was sent on "
            "25 Nov 2026."
        ]
    }
    response = record_response(w, at(NOV[25], 9))  # the same day, before the email went
    assert response.received_at == at(NOV[25], 9)


def test_a_response_cannot_be_received_after_the_stratas_today(w):
    w.driver.to(w.case, "notice_sent")
    before = snapshot(w.case)

    assert refusal(lambda: record_response(w, at(NOV[26], 8))) == {
        "received_at": [
            "The response cannot be received on 26 Nov 2026, after today (25 Nov 2026)."
        ]
    }
    assert snapshot(w.case) == before
    assert record_response(w, timezone.now()).received_at == T0


# --- service ---------------------------------------------------------------------------------


def pending_mail(w):
    """The tenant respondent gave no email: the notice waits in the print queue."""
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    return w.case.letters.get(kind="notice").deliveries.get(person=w.tenant)


def record_service(w, service, on_date):
    return services.violation_record_service(
        service=service, actor=w.manager, method="hand_person", on_date=on_date
    )


def test_a_service_before_its_letter_was_issued_is_refused(w):
    service = pending_mail(w)  # the notice was issued on November 25
    before = snapshot(w.case)

    assert refusal(lambda: record_service(w, service, NOV[24])) == {
        "on_date": [
            "The service cannot be recorded on 24 Nov 2026, before the letter was issued on "
            "25 Nov 2026."
        ]
    }
    assert snapshot(w.case) == before
    assert record_service(w, service, NOV[25]).deemed_given_on == NOV[25]


def test_a_service_cannot_be_recorded_after_today(w):
    service = pending_mail(w)

    assert refusal(lambda: record_service(w, service, NOV[26])) == {
        "on_date": ["The service cannot be recorded on 26 Nov 2026, after today (25 Nov 2026)."]
    }


# --- compliance ------------------------------------------------------------------------------


def test_compliance_before_the_incident_is_refused(w, noise_bylaw):
    """The issue's example: compliance on 1 Nov for an incident on 2 Dec closed the case."""
    with time_machine.travel(at(DEC[10]), tick=False):
        case = ViolationFactory(unit=w.case.unit, bylaws=[noise_bylaw], incident_on=DEC[2])
        w.driver.to(case, "warned")
        before = snapshot(case)

        assert refusal(
            lambda: services.violation_close(case=case, actor=w.manager, compliance_on=NOV[1])
        ) == {
            "compliance_on": [
                "Compliance cannot be dated 1 Nov 2026, before the incident on 2 Dec 2026."
            ]
        }
        assert snapshot(case) == before
        assert refusal(
            lambda: services.violation_close(case=case, actor=w.manager, compliance_on=DEC[1])
        ) == {
            "compliance_on": [
                "Compliance cannot be dated 1 Dec 2026, before the incident on 2 Dec 2026."
            ]
        }
        closed = services.violation_close(case=case, actor=w.manager, compliance_on=DEC[2])
        assert (closed.status, closed.compliance_on) == (Status.CLOSED, DEC[2])


def test_compliance_cannot_be_after_today(w):
    w.driver.to(w.case, "warned")

    assert refusal(
        lambda: services.violation_close(case=w.case, actor=w.manager, compliance_on=NOV[26])
    ) == {"compliance_on": ["Compliance cannot be dated 26 Nov 2026, after today (25 Nov 2026)."]}
    closed = services.violation_close(case=w.case, actor=w.manager, compliance_on=NOV[25])
    assert closed.compliance_on == NOV[25]


# --- observations of a continuing contravention ----------------------------------------------


@pytest.fixture
def proposal(w):
    """Upheld today, $50 every 7 days; the next fine falls due on December 2."""
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
    with time_machine.travel(at(DEC[2]), tick=False):
        continuing_fines_propose()
    return FineProposal.objects.get()


def confirm(w, proposal, observed_at):
    return fine_proposal_confirm(
        proposal=proposal,
        actor=w.manager,
        observed_by="Carl the caretaker",
        observed_at=observed_at,
        observation="Music still loud.",
    )


def test_an_observation_before_the_fine_fell_due_is_refused_naming_both_dates(w, proposal):
    with time_machine.travel(at(DEC[3]), tick=False):
        assert refusal(lambda: confirm(w, proposal, at(DEC[1], 23))) == {
            "observed_at": [
                "The observation cannot be dated 1 Dec 2026, before the fine fell due on "
                "2 Dec 2026: only a sighting on or after that day shows the contravention "
                "continued into this interval."
            ]
        }
        assert confirm(w, proposal, at(DEC[2], 7)).proposal == proposal


def test_an_observation_cannot_be_after_today(w, proposal):
    with time_machine.travel(at(DEC[3]), tick=False):
        assert refusal(lambda: confirm(w, proposal, at(DEC[4], 7))) == {
            "observed_at": ["The observation cannot be dated 4 Dec 2026, after today (3 Dec 2026)."]
        }


def test_an_observation_before_the_incident_is_refused(case, strata):
    """The incident comes first: checked before the fine's due date."""
    due = types.SimpleNamespace(due_on=NOV[1])
    assert record_dates.observation_refusal(case, due, at(NOV[1], 0)) is None
    assert (
        record_dates.observation_refusal(case, due, at(dt.date(2026, 10, 31), 23))
        == "The observation cannot be dated 31 Oct 2026, before the incident on 1 Nov 2026."
    )


# --- payments --------------------------------------------------------------------------------


@pytest.fixture
def charge(unit, owner, manager):
    return charge_on(unit, owner, manager, charged_on=NOV[20])


def pay(charge, manager, paid_on):
    return payment_record(
        charge=charge, actor=manager, amount="50.00", paid_on=paid_on, method="cheque"
    )


def test_a_payment_before_its_charge_is_refused(charge, manager):
    assert refusal(lambda: pay(charge, manager, NOV[19])) == {
        "paid_on": [
            "The payment cannot be dated 19 Nov 2026, before the charge was imposed on 20 Nov 2026."
        ]
    }
    assert not Payment.objects.exists()
    assert pay(charge, manager, NOV[20]).paid_on == NOV[20]


def test_a_payment_cannot_be_after_today(charge, manager):
    assert refusal(lambda: pay(charge, manager, NOV[26])) == {
        "paid_on": ["The payment cannot be dated 26 Nov 2026, after today (25 Nov 2026)."]
    }
    assert pay(charge, manager, NOV[25]).paid_on == NOV[25]


# --- hearing outcomes ------------------------------------------------------------------------


def test_a_hearing_outcome_before_the_hearing_is_refused(w):
    w.driver.to(w.case, "hearing_scheduled")  # at 10:00 on December 2
    hearing = w.case.hearings.get()

    def held():
        return services.violation_record_hearing_outcome(
            case=w.case, actor=w.manager, outcome=HearingOutcome.HELD, minutes="Heard Olive."
        )

    with time_machine.travel(at(DEC[1]), tick=False):
        assert refusal(held) == {
            "outcome": [
                "The hearing cannot be recorded as held on 1 Dec 2026, before it was held at "
                "10:00 a.m. on 2 Dec 2026."
            ]
        }
    with time_machine.travel(hearing.scheduled_for, tick=False):
        assert held().outcome == HearingOutcome.HELD


# --- the incident ----------------------------------------------------------------------------


def test_an_incident_cannot_be_after_today(strata, unit, owner, manager, noise_bylaw):
    def report(incident_on):
        return services.violation_report(
            actor=manager,
            unit=unit,
            bylaws=[noise_bylaw],
            incident_on=incident_on,
            description="Loud music.",
            complaint=complaint(received_on=NOV[25]),
        )

    assert refusal(lambda: report(NOV[26])) == {
        "incident_on": ["The incident cannot be dated 26 Nov 2026, after today (25 Nov 2026)."]
    }
    assert report(NOV[25]).incident_on == NOV[25]
