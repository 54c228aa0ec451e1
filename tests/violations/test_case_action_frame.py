"""One case-action frame (``services.frame``): a transition, a payment, a waiver, a remedy
cost, a continuing fine, a council meeting, a case file export and a correction refuse a
recused member, and an actor without the right, with the frame's one message each, before
anything is written."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AuditLog, StrataMembership
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory
from tests.violations.charges import charge_on
from tests.violations.drive import FAST_HASHERS, T0
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import (
    CaseFileExport,
    Charge,
    CouncilMeeting,
    FineProposal,
    Payment,
    ViolationEvent,
    Waiver,
)
from violations.services.case_file import case_file_export
from violations.services.charging import remedy_cost_charge
from violations.services.continuing import fine_proposal_confirm
from violations.services.corrections import entry_void
from violations.services.ledger import payment_record, waiver_record
from violations.services.meetings import meeting_decisions_record

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 24)
RECUSED = (
    "You are recused from VIO-20261120-001: you are a party, a complainant or an occupant "
    "of its unit (SPA s.32). "
)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def charge(unit, owner, manager):
    """A fine on an upheld case, with a continuing fine proposed and a payment recorded."""
    charge = charge_on(unit, owner, manager, reference="VIO-20261120-001")
    FineProposal.objects.create(case=charge.case, decision=charge.decision, due_on=ON)
    Payment.objects.create(
        charge=charge, amount=Decimal("10.00"), paid_on=ON, method="cheque", recorded_by=manager
    )
    return charge


@pytest.fixture
def recused_manager(strata, unit):
    """A manager who lives in the case's unit: holds every right the actions need, and is
    recused from the case (SPA s.32)."""
    user = UserFactory(email="rita@example.test", full_name="Rita Resident")
    MembershipFactory(strata=strata, role=StrataMembership.Role.MANAGER, user=user)
    OccupancyFactory(
        unit=unit,
        role=Occupancy.Role.OCCUPANT,
        person=PersonFactory(strata=strata, full_name="Rita Resident", user=user),
    )
    return user


def _reject(charge, actor):
    services.violation_reject(case=charge.case, actor=actor, reason="Not a bylaw matter.")


def _pay(charge, actor):
    payment_record(charge=charge, actor=actor, amount="10.00", paid_on=ON, method="cheque")


def _waive(charge, actor):
    waiver_record(charge=charge, actor=actor, amount="10.00", meeting_on=ON, resolution="Waived.")


def _remedy_cost(charge, actor):
    remedy_cost_charge(
        case=charge.case,
        actor=actor,
        amount=Decimal("80.00"),
        charged_on=ON,
        description="Cleaning the lobby carpet.",
    )


def _confirm(charge, actor):
    fine_proposal_confirm(
        proposal=charge.case.fine_proposals.get(),
        actor=actor,
        observed_by="Carl the caretaker",
        observed_at=T0,
        observation="Music still loud.",
    )


def _meeting(charge, actor):
    meeting_decisions_record(
        strata=charge.case.strata,
        actor=actor,
        submission=uuid.uuid4(),
        held_on=ON,
        members_present=[actor],
        items=[
            {
                "case": charge.case,
                "motion": "That the owner of the unit be fined.",
                "votes_for": 1,
                "votes_against": 0,
                "outcome": "dismissed",
                "reasons": "Not proven.",
            }
        ],
    )


def _export(charge, actor):
    case_file_export(case=charge.case, actor=actor, purpose="council")


def _correct(charge, actor):
    entry_void(entry=charge.payments.get(), actor=actor, reason="Recorded twice.")


# action, what a recused actor is told to do instead, the refusal without the right
ACTIONS = [
    (_reject, "Another member must act.", "Reject needs the role of manager, council"),
    (
        _pay,
        "Another manager must record the payment.",
        "Recording a payment needs the role of manager",
    ),
    (
        _waive,
        "Another member must record the waiver.",
        "Recording a waiver needs the role of manager or council",
    ),
    (
        _remedy_cost,
        "Another member must act.",
        "Recording a remedy cost needs the role of manager, council",
    ),
    (
        _confirm,
        "Another member must act.",
        "Confirming a continuing fine needs the role of manager, council",
    ),
    (
        _meeting,
        "Another member must act.",
        "Recording council's decisions needs the role of manager or council",
    ),
    (
        _export,
        "Another member must export it.",
        "Exporting the case file needs the role of manager or council",
    ),
    (_correct, "Another member must act.", "Correcting a payment needs the role of manager"),
]
IDS = ["transition", "payment", "waiver", "remedy", "continuing", "meeting", "export", "fix"]


def written() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            ViolationEvent,
            AuditLog,
            Charge,
            Payment,
            Waiver,
            CouncilMeeting,
            CaseFileExport,
        )
    }


@pytest.mark.parametrize(("act", "instead", "role"), ACTIONS, ids=IDS)
def test_a_recused_member_is_refused_with_the_frames_message(
    charge, recused_manager, act, instead, role
):
    before = written()

    with pytest.raises(TransitionRefused) as raised:
        act(charge, recused_manager)

    refusals = getattr(raised.value, "refusals", [raised.value])  # a meeting names each case
    assert [r.messages for r in refusals] == [[RECUSED + instead]]
    assert refusals[0].error_list[0].code == "recused"
    assert written() == before


@pytest.mark.parametrize(("act", "instead", "role"), ACTIONS, ids=IDS)
def test_an_actor_without_the_right_is_refused_with_the_frames_message(
    charge, caretaker, act, instead, role
):
    before = written()

    with pytest.raises(TransitionRefused) as raised:
        act(charge, caretaker)

    assert raised.value.messages == [f"{role} in Harbour View."]
    assert raised.value.code == "role"
    assert written() == before
