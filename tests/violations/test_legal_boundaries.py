"""The legal rules at their edges: one minute either side of each deadline (end of day,
strata time), each fine cap exactly and one cent over, and the meeting, fine and recusal
guards no other test reaches (SPA ss.26-27, 32, 34.1, 61, 135; Reg 7.1).

Every test runs on a fixed clock (drive.T0, 10:00 in Vancouver on November 25, 2026) and
moves it only with ``time_machine.travel``. The fine caps' over-the-cap refusals of
test_decision_guards live here, one cent over each cap.
"""

import datetime as dt
import types
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from communications.models import OutboundEmail
from tests.properties.factories import PersonFactory
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    decision_kwargs,
    snapshot,
)
from tests.violations.factories import BylawFactory
from violations import services
from violations.domain import rule_pack
from violations.domain.workflow import TransitionRefused
from violations.models import Bylaw, Charge, Decision, Hearing
from violations.selectors.access import is_recused
from violations.selectors.guards import decision_refusal

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
MINUTE = dt.timedelta(minutes=1)

# Olive's notice is emailed at T0 (November 25), deemed given 4 days later (November 29,
# SPA s.61); the 14-day window ends with December 13: the end of that day in Vancouver.
LAST_DAY = dt.date(2026, 12, 13)
DEADLINE = dt.datetime(2026, 12, 13, 23, 59, 59, 999999, tzinfo=VANCOUVER)
BEFORE_DEADLINE = DEADLINE - MINUTE  # 23:58:59.999999 on December 13, Vancouver
AFTER_DEADLINE = DEADLINE + MINUTE  # 00:00:59.999999 on December 14, Vancouver

# A hearing asked for at T0 (November 25) is held within 28 days: by December 23.
HOLD_BY = dt.date(2026, 12, 23)
END_OF_HOLD_BY = dt.datetime(2026, 12, 23, 23, 59, 59, 999999, tzinfo=VANCOUVER)

NOT_YET = (
    "The response deadline is December 13, 2026 (end of day, Vancouver time); before then a "
    "decision needs the respondent's written response declining a hearing."
)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(case, owner_for_notices, manager, council_member, second_council_member):
    council = [council_member, second_council_member]
    return types.SimpleNamespace(
        case=case,
        owner=owner_for_notices,
        manager=manager,
        council=council,
        driver=Driver(actor=manager, council=council),
    )


def decide(w, **overrides):
    return services.violation_record_decision(
        case=w.case, actor=w.manager, **decision_kwargs(w.case, w.council, **overrides)
    )


def assert_decision_refused(w, message, **overrides):
    """Recording the decision is refused with ``message``, and nothing changes."""
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        decide(w, **overrides)
    assert snapshot(w.case) == before
    if isinstance(message, dict):
        assert refused.value.message_dict == message
    else:
        assert refused.value.messages == [message]


# --- the response deadline (SPA s.135(1)(f), s.61) -----------------------------------------


def test_the_response_deadline_is_the_end_of_the_windows_last_day_in_strata_time(w):
    w.driver.to(w.case, "notice_sent")
    assert w.case.response_deadline == DEADLINE
    assert w.case.response_deadline.astimezone(dt.UTC) == dt.datetime(
        2026, 12, 14, 7, 59, 59, 999999, tzinfo=dt.UTC
    )


def test_a_case_is_not_ready_for_decision_one_minute_before_the_deadline(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        assert decision_refusal(w.case) == NOT_YET
        assert_decision_refused(w, NOT_YET)


def test_a_case_is_ready_for_decision_one_minute_after_the_deadline(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert decision_refusal(w.case) is None
        decision = decide(w)
    w.case.refresh_from_db()
    assert (w.case.status, decision.meeting_on) == ("decided_dismissed", dt.date(2026, 12, 14))


def test_meeting_on_the_last_day_of_the_window_cannot_decide(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(w, NOT_YET, meeting_on=LAST_DAY)
    assert not Decision.objects.exists()


def test_meeting_on_the_day_after_the_last_day_of_the_window_decides(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE + dt.timedelta(days=2), tick=False):
        decision = decide(w, meeting_on=LAST_DAY + dt.timedelta(days=1))
    w.case.refresh_from_db()
    assert (w.case.status, decision.meeting_on) == ("decided_dismissed", dt.date(2026, 12, 14))


# --- council approval of the notice ------------------------------------------------------


def test_a_notice_short_of_the_council_approvals_the_strata_requires_is_not_sent(w):
    w.case.strata.notice_approvals_required = 2
    w.case.strata.save()
    w.driver.to(w.case, "notice_pending_approval")
    services.violation_approve_notice(case=w.case, actor=w.council[0])
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_send_notice(case=w.case, actor=w.manager)
    assert refused.value.messages == [
        "This notice has 1 of the 2 council approvals Harbour View requires; it can be sent "
        "once 1 more member(s) approve."
    ]
    assert snapshot(w.case) == before
    assert w.case.letters.get(kind="notice").issued_at is None
    assert (before["services"], w.case.status) == (0, "notice_pending_approval")
    assert not OutboundEmail.objects.filter(kind="notice").exists()


def test_a_notice_is_sent_once_the_last_required_approval_is_given(w):
    w.case.strata.notice_approvals_required = 2
    w.case.strata.save()
    w.driver.to(w.case, "notice_pending_approval")
    for member in w.council:
        services.violation_approve_notice(case=w.case, actor=member)
    letter = services.violation_send_notice(case=w.case, actor=w.manager)
    w.case.refresh_from_db()
    assert (w.case.status, letter.issued_at, letter.approvals.count()) == ("notice_sent", T0, 2)


# --- the hearing deadline (SPA s.34.1) ---------------------------------------------------


def _schedule(w, when):
    """Schedule the hearing at ``when``, given in UTC as the admin's form gives it."""
    return services.violation_schedule_hearing(
        case=w.case, actor=w.manager, scheduled_for=when.astimezone(dt.UTC), location="Amenity room"
    )


def test_a_hearing_one_minute_before_the_end_of_the_hold_by_day_is_scheduled(w):
    w.driver.to(w.case, "hearing_requested")
    assert w.case.hearings.get().hold_by == HOLD_BY
    hearing = _schedule(w, END_OF_HOLD_BY - MINUTE)
    w.case.refresh_from_db()
    assert (w.case.status, hearing.scheduled_for) == (
        "hearing_scheduled",
        dt.datetime(2026, 12, 23, 23, 58, 59, 999999, tzinfo=VANCOUVER),
    )


def test_a_hearing_one_minute_after_the_hold_by_day_is_refused(w):
    w.driver.to(w.case, "hearing_requested")
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        _schedule(w, END_OF_HOLD_BY + MINUTE)
    assert refused.value.message_dict == {
        "scheduled_for": [
            "The hearing must be held by 2026-12-23: 28 days after the request of 2026-11-25 "
            "(SPA s.34.1). Choose an earlier date, or record a postponement the respondent "
            "asked for in writing."
        ]
    }
    assert snapshot(w.case) == before
    assert Hearing.objects.get().scheduled_for is None
    assert not w.case.letters.filter(kind="hearing_notice").exists()


# --- the fine caps (Reg 7.1, the strata's bylaws, the notice) -----------------------------


def _bylaw_fine(w, amount):
    bylaw = w.case.bylaws.get()
    bylaw.fine_amount = Decimal(amount)
    bylaw.save()


def _strata_max(w, amount):
    w.case.strata.max_fine_bylaw = Decimal(amount)
    w.case.strata.save()


def _rule_case(w):
    rule = BylawFactory(strata=w.case.strata, number="R2", title="Pool hours", kind=Bylaw.Kind.RULE)
    w.case.strata.max_fine_rule = Decimal(50)
    w.case.strata.save()
    w.case.bylaws.set([rule])


def _short_term_rental_case(w):
    rental = BylawFactory(
        strata=w.case.strata,
        number="7.1",
        title="Short-term accommodation",
        is_short_term_rental=True,
    )
    rental.fine_amount = Decimal(1000)
    rental.continuing_interval_days = 1
    rental.save()
    w.case.bylaws.set([rental])


def _notice_then_amended(w):
    """The notice contemplated $100; the bylaw was amended to $150 after it went out."""
    _strata_max(w, 200)
    _bylaw_fine(w, 100)


# cap → (arrange before the notice, arrange after it, the cap, why it is the cap)
CAPS = {
    "the bylaw's own amount": (
        lambda w: _bylaw_fine(w, 25),
        None,
        Decimal("25.00"),
        "A fine of $25.01 is over the cap of $25.00: Bylaw 3.1 Nuisance and noise sets its "
        "fine at $25.00.",
    ),
    "the strata's maximum": (
        lambda w: None,
        None,
        Decimal("50.00"),
        "A fine of $50.01 is over the cap of $50.00: the strata's maximum is $50.00.",
    ),
    "Reg 7.1 for a bylaw": (
        lambda w: _strata_max(w, 200),
        None,
        Decimal("200.00"),
        "A fine of $200.01 is over the cap of $200.00: Reg 7.1 caps a bylaw fine at $200.",
    ),
    "Reg 7.1 for a rule": (
        _rule_case,
        None,
        Decimal("50.00"),
        "A fine of $50.01 is over the cap of $50.00: Reg 7.1 caps a rule fine at $50.",
    ),
    "Reg 7.1(1) for a short-term rental bylaw": (
        _short_term_rental_case,
        None,
        Decimal("1000.00"),
        "A fine of $1,000.01 is over the cap of $1,000.00: Reg 7.1(1) caps a short-term "
        "rental fine at $1,000.",
    ),
    "what the notice contemplated": (
        _notice_then_amended,
        lambda w: _bylaw_fine(w, 150),
        Decimal("100.00"),
        "The notice contemplated at most $100.00; council cannot fine more.",
    ),
}


def _to_decision_over(w, cap):
    before_notice, after_notice, amount, _message = CAPS[cap]
    before_notice(w)
    w.driver.to(w.case, "notice_sent")
    if after_notice is not None:
        after_notice(w)
    return amount


@pytest.mark.parametrize("cap", list(CAPS))
def test_a_fine_exactly_at_the_cap_is_charged(w, cap):
    amount = _to_decision_over(w, cap)
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        decision = decide(w, outcome="upheld_fine", fine_amount=amount)
    charge = Charge.objects.get()
    assert (decision.fine_amount, charge.amount, charge.bylaw, charge.liable_person) == (
        amount,
        amount,
        w.case.bylaws.get(),
        w.owner,
    )


@pytest.mark.parametrize("cap", list(CAPS))
def test_a_fine_one_cent_over_the_cap_is_refused_naming_the_cap(w, cap):
    amount = _to_decision_over(w, cap)
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(
            w,
            {"fine_amount": [CAPS[cap][3]]},
            outcome="upheld_fine",
            fine_amount=amount + Decimal("0.01"),
        )
    assert not Charge.objects.exists()


def test_a_short_term_rental_bylaw_with_its_own_fine_may_fine_up_to_1000_daily(strata):
    rental = BylawFactory(strata=strata, number="7.1", is_short_term_rental=True)
    rental.fine_amount = Decimal("1000.00")
    rental.continuing_interval_days = 1
    rental.save()
    limit = rule_pack.fine_limit(rental, strata)
    assert (limit.amount, limit.interval_days, limit.why) == (
        Decimal("1000"),
        1,
        "Reg 7.1(1) caps a short-term rental fine at $1,000",
    )


# --- the meeting and the fine: guards no other test reaches --------------------------------


def test_a_decision_where_everyone_present_is_recused_is_refused(
    w, strata, recused_council_member, second_council_member
):
    # Cora complained about the unit; Rex lives in it. Both present, both rightly recused.
    cora = PersonFactory(strata=strata, full_name="Cora Council", user=second_council_member)
    w.case.complaints.update(complainant=cora)
    w.driver.to(w.case, "notice_sent")
    present = [second_council_member, recused_council_member]
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(
            w,
            {
                "votes_for": [
                    "Every member present is recused: no one present may vote on this case."
                ]
            },
            members_present=present,
            recusals=present,
            votes_for=2,
        )


@pytest.mark.parametrize(
    ("votes", "message"),
    [
        ((2, 1, 0), "3 votes were recorded but only 2 members present could vote."),
        ((1, 0, 2), "3 votes were recorded but only 2 members present could vote."),
    ],
)
def test_more_votes_than_members_who_could_vote_is_refused(
    w, recused_council_member, votes, message
):
    # Three present, Rex recused: two may vote.
    w.driver.to(w.case, "notice_sent")
    votes_for, votes_against, votes_abstaining = votes
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(
            w,
            {"votes_for": [message]},
            members_present=[*w.council, recused_council_member],
            recusals=[recused_council_member],
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstaining=votes_abstaining,
        )


def test_as_many_votes_as_members_who_could_vote_is_recorded(w, recused_council_member):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        decision = decide(
            w,
            members_present=[*w.council, recused_council_member],
            recusals=[recused_council_member],
            votes_for=1,
            votes_against=0,
            votes_abstaining=1,
        )
    assert (decision.votes_for, decision.votes_against, decision.votes_abstaining) == (1, 0, 1)


def test_a_fine_under_a_bylaw_not_on_the_case_is_refused(w, strata):
    other = BylawFactory(strata=strata, number="4.2", title="Parking")
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(
            w,
            {"fine_bylaw": ["Name the one bylaw of the case the fine is for."]},
            outcome="upheld_fine",
            fine_amount=Decimal("50"),
            fine_bylaw=other,
        )
    assert not Charge.objects.exists()


def test_a_fine_on_a_case_of_two_bylaws_must_name_one(w, strata):
    w.case.bylaws.add(BylawFactory(strata=strata, number="4.2", title="Parking"))
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(
            w,
            {"fine_bylaw": ["Name the one bylaw of the case the fine is for."]},
            outcome="upheld_fine",
            fine_amount=Decimal("50"),
        )


@pytest.mark.parametrize("amount", [None, Decimal("0"), Decimal("0.00"), Decimal("-0.01")])
def test_a_fine_of_nothing_zero_or_less_is_refused(w, amount):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(
            w,
            {"fine_amount": ["Give the amount of the fine."]},
            outcome="upheld_fine",
            fine_amount=amount,
        )
    assert not Charge.objects.exists()


def test_a_fine_of_one_cent_is_charged(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        decide(w, outcome="upheld_fine", fine_amount=Decimal("0.01"))
    assert Charge.objects.get().amount == Decimal("0.01")


# --- a complainant on council is recused (SPA s.32) --------------------------------------


@pytest.fixture
def filed_by_cora(strata, unit, noise_bylaw, owner_for_notices, second_council_member):
    """Cora, on council, filed the complaint about unit 101 herself, as its complainant."""
    cora = PersonFactory(
        strata=strata,
        full_name="Cora Council",
        email="cora@example.test",
        user=second_council_member,
    )
    return services.violation_report(
        actor=second_council_member,
        unit=unit,
        bylaws=[noise_bylaw],
        incident_on=dt.date(2026, 11, 1),
        incident_time=dt.time(23, 30),
        incident_place="Unit balcony",
        description="Loud music until 2 a.m.",
        complaint={
            "channel": "in_person",
            "received_on": dt.date(2026, 11, 2),
            "complainant": cora,
        },
    )


def test_a_council_member_who_filed_the_complaint_is_recused_from_approving_the_notice(
    w, filed_by_cora, second_council_member, council_member
):
    case = filed_by_cora
    case.strata.notice_approvals_required = 1
    case.strata.save()
    assert is_recused(second_council_member, case)
    assert not is_recused(council_member, case)
    w.driver.to(case, "notice_pending_approval")
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_approve_notice(case=case, actor=second_council_member)
    assert refused.value.code == "recused"
    assert refused.value.messages == [
        f"You are recused from {case.reference}: you are a party, a complainant or an occupant "
        "of its unit (SPA s.32). Another member must act."
    ]
    assert snapshot(case) == before
    assert not case.letters.get(kind="notice").approvals.exists()


def test_a_complainant_present_at_the_meeting_must_be_recorded_as_recused(
    w, filed_by_cora, second_council_member
):
    w.case = filed_by_cora
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_decision_refused(
            w,
            {
                "recusals": [
                    "Cora Council must be recorded as recused: a party, complainant or occupant "
                    "of the unit (SPA s.32)."
                ]
            },
        )
        decision = decide(w, recusals=[second_council_member], votes_for=1)
    assert list(decision.recusals.all()) == [second_council_member]
