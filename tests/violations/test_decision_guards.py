"""When council's decision may be recorded, and what recording it does (SPA ss.26-27, 34.1,
135(2), Reg 7.1)."""

import datetime as dt
import types
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import StrataMembership
from communications.models import OutboundEmail
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.properties.factories import PersonFactory
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    counts,
    decision_kwargs,
    respondent_party,
    snapshot,
)
from tests.violations.factories import BylawFactory
from violations import services
from violations.domain import rule_pack
from violations.domain.workflow import TransitionRefused
from violations.models import Charge, Decision, DeliveryMethod, DeliveryStatus, LetterDelivery
from violations.selectors.access import is_recused

pytestmark = pytest.mark.django_db

# Olive was emailed the notice on November 25 (deemed given November 29); 14 days later is
# December 13, the deadline the notice stated: the end of that day in Vancouver (PST).
DEADLINE = dt.datetime(2026, 12, 14, 7, 59, 59, 999999, tzinfo=dt.UTC)
AFTER_DEADLINE = DEADLINE + dt.timedelta(hours=2)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(case, tenant, owner_for_notices, manager, council_member, second_council_member):
    council = [council_member, second_council_member]
    return types.SimpleNamespace(
        case=case,
        tenant=tenant,
        owner=owner_for_notices,
        manager=manager,
        council=council,
        driver=Driver(actor=manager, council=council),
    )


def decide(w, case=None, **overrides):
    case = case or w.case
    return services.violation_record_decision(
        case=case, actor=w.manager, **decision_kwargs(case, w.council, **overrides)
    )


def assert_refused(w, message, case=None, **overrides):
    """The decision is refused with ``message`` and nothing changes, nothing is queued."""
    case = case or w.case
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as refused:
        decide(w, case, **overrides)
    assert snapshot(case) == before
    if isinstance(message, dict):
        assert refused.value.message_dict == message
    else:
        assert refused.value.messages == [message]


# --- refused -------------------------------------------------------------------------------


def test_refused_before_service_on_a_party_still_in_the_print_queue(w):
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    assert LetterDelivery.objects.get(person=w.tenant).status == DeliveryStatus.PENDING
    with time_machine.travel(T0 + dt.timedelta(days=60), tick=False):
        assert_refused(
            w,
            "The notice has not been served on Terry Tenant. A decision needs service on every "
            "required party: record how each paper copy was served, or re-serve (an emailed "
            "notice counts once the mail server accepts it).",
        )


def test_refused_while_an_emailed_notice_waits_for_the_mail_server(w):
    Driver(actor=w.manager, council=w.driver.council, deliver=False).to(w.case, "notice_sent")
    assert LetterDelivery.objects.get(person=w.owner).status == DeliveryStatus.QUEUED
    with time_machine.travel(T0 + dt.timedelta(days=60), tick=False):
        assert_refused(
            w,
            "The notice has not been served on Olive Owner. A decision needs service on every "
            "required party: record how each paper copy was served, or re-serve (an emailed "
            "notice counts once the mail server accepts it).",
        )


def test_refused_inside_the_response_window_without_a_response_declining_a_hearing(w):
    w.driver.to(w.case, "responded")  # a response that does not decline a hearing
    assert w.case.response_deadline == DEADLINE
    with time_machine.travel(DEADLINE, tick=False):  # the last instant of the window
        assert_refused(
            w,
            "The response deadline is December 13, 2026 (end of day, Vancouver time); before "
            "then a decision needs the respondent's written response declining a hearing.",
        )


def test_refused_when_the_meeting_was_inside_the_window_even_if_recorded_after_it(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            "The response deadline is December 13, 2026 (end of day, Vancouver time); before "
            "then a decision needs the respondent's written response declining a hearing.",
            meeting_on=dt.date(2026, 12, 10),
        )


@pytest.mark.parametrize(
    ("status", "requested", "hold_by"),
    [
        ("hearing_requested", "2026-11-25", "2026-12-23"),
        ("hearing_scheduled", "2026-11-25", "2026-12-23"),
    ],
)
def test_refused_while_a_requested_hearing_is_not_held_no_show_or_withdrawn(
    w, status, requested, hold_by
):
    w.driver.to(w.case, status)
    label = {"hearing_requested": "Hearing requested", "hearing_scheduled": "Hearing scheduled"}
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            f"VIO-20261101-001 is {label[status]}; record council's decision is possible only "
            "when it is: Awaiting decision, Notice sent, Responded. A hearing was requested on "
            f"{requested}; record it as held, no-show or withdrawn first (it must be held by "
            f"{hold_by}).",
        )


def test_refused_after_a_postponement_until_the_new_hearing_is_held(w):
    w.driver.to(w.case, "hearing_scheduled")
    services.violation_record_hearing_outcome(
        case=w.case,
        actor=w.manager,
        outcome="postponed_by_request",
        consent_file=SimpleUploadedFile("request.pdf", b"%PDF-1.4\n% written request\n"),
    )
    with (
        time_machine.travel(AFTER_DEADLINE, tick=False),
        pytest.raises(TransitionRefused) as refused,
    ):
        decide(w)
    assert refused.value.code == "state"
    assert "A hearing was requested on 2026-11-25" in refused.value.messages[0]
    stored = w.case.hearings.get(outcome="postponed_by_request").consent_file.name
    assert stored.startswith("hearings/") and stored.endswith(".pdf")
    assert "request" not in stored  # a random name, never the uploader's


def test_a_postponement_request_that_is_no_document_is_refused(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w.driver.to(w.case, "hearing_scheduled")
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_hearing_outcome(
            case=w.case,
            actor=w.manager,
            outcome="postponed_by_request",
            consent_file=SimpleUploadedFile("request.pdf", b"MZ\x90\x00" + b"\x00" * 64),
        )
    assert list(refused.value.message_dict) == ["consent_file"]
    assert "request.pdf is not an image" in refused.value.message_dict["consent_file"][0]
    assert snapshot(w.case) == before


def test_refused_without_a_meeting_date_and_without_a_vote(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            {
                "meeting_on": [
                    "A decision is council's (SPA s.26-27): give the date of the council meeting."
                ],
                "votes_for": ["Record the vote: for, against and abstaining."],
            },
            meeting_on=None,
            votes_for=None,
            votes_against=None,
        )


def test_refused_when_the_motion_did_not_carry(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            {
                "votes_for": [
                    "The motion did not carry (1 for, 1 against); record the motion council passed."
                ]
            },
            votes_for=1,
            votes_against=1,
        )


def test_refused_when_a_present_member_who_is_recused_is_not_recorded_as_recused(
    w, recused_council_member
):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            {
                "recusals": [
                    "Rex Recused must be recorded as recused: a party, complainant or occupant "
                    "of the unit (SPA s.32)."
                ]
            },
            members_present=[*w.council, recused_council_member],
        )
        decision = decide(
            w,
            members_present=[*w.council, recused_council_member],
            recusals=[recused_council_member],
        )
    assert list(decision.recusals.all()) == [recused_council_member]
    assert decision.members_present.count() == 3


def test_a_continuing_fine_more_often_than_every_seven_days_is_refused(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            {
                "continuing_every_days": [
                    "A continuing fine repeats at most every 7 days for Bylaw 3.1 Nuisance and "
                    "noise (Reg 7.1(2))."
                ]
            },
            outcome="upheld_continuing",
            fine_amount=Decimal("50"),
            continuing_every_days=6,
        )
        decision = decide(
            w, outcome="upheld_continuing", fine_amount=Decimal("50"), continuing_every_days=7
        )
    assert (decision.continuing_every_days, decision.fine_amount) == (7, Decimal("50.00"))


# --- allowed -------------------------------------------------------------------------------


def test_allowed_once_the_deadline_has_passed(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(DEADLINE + dt.timedelta(microseconds=1), tick=False):
        decision = decide(w)
    w.case.refresh_from_db()
    assert (w.case.status, decision.outcome, decision.meeting_on) == (
        "decided_dismissed",
        "dismissed",
        dt.date(2026, 12, 14),  # the first instant after the deadline is midnight, Dec 14
    )


def test_allowed_before_the_deadline_when_the_respondent_declined_a_hearing_in_writing(w):
    w.driver.to(w.case, "notice_sent")
    services.violation_record_response(
        case=w.case,
        actor=w.manager,
        party=respondent_party(w.case),
        text="I accept the facts and do not want a hearing.",
        channel="letter",
        received_at=timezone.now(),
        declines_hearing=True,
    )
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        assert timezone.now() < DEADLINE
        decide(w, outcome="upheld_warning")
    w.case.refresh_from_db()
    assert w.case.status == "decided_upheld"


def test_allowed_after_a_hearing_was_held(w):
    w.driver.to(w.case, "hearing_scheduled")
    hearing = w.case.hearings.get()
    with time_machine.travel(hearing.scheduled_for + dt.timedelta(hours=2), tick=False):
        services.violation_record_hearing_outcome(
            case=w.case, actor=w.manager, outcome="held", minutes="Olive explained the party."
        )
        assert timezone.now() < DEADLINE
        decide(w)
    w.case.refresh_from_db()
    hearing.refresh_from_db()
    assert (w.case.status, hearing.outcome, hearing.held_at) == (
        "decided_dismissed",
        "held",
        hearing.scheduled_for,
    )


@pytest.fixture
def tenant_case_served(w):
    """Terry (tenant, no email for notices) is the respondent; Olive owns and lets the unit;
    Terry's notice was mailed on November 26."""
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        services.violation_record_service(
            service=LetterDelivery.objects.get(person=w.tenant),
            actor=w.manager,
            method=DeliveryMethod.MAIL,
            on_date=dt.date(2026, 11, 26),
        )
    w.case.refresh_from_db()
    return w.case


def test_an_upheld_fine_creates_one_charge_for_the_one_bylaw_respondent_and_unit(
    w, tenant_case_served
):
    case = tenant_case_served
    with time_machine.travel(case.response_deadline + dt.timedelta(hours=1), tick=False):
        decision = decide(w, outcome="upheld_fine", fine_amount=Decimal("50"))
    charge = Charge.objects.get()
    assert (
        charge.case,
        charge.decision,
        charge.bylaw,
        charge.liable_person,
        charge.unit,
        charge.kind,
        charge.amount,
        charge.charged_on,
    ) == (
        case,
        decision,
        case.bylaws.get(),
        w.tenant,
        case.unit,
        "fine",
        Decimal("50.00"),
        dt.date(2026, 12, 15),
    )


def test_a_dismissal_creates_no_charge(w, tenant_case_served):
    with time_machine.travel(tenant_case_served.response_deadline + dt.timedelta(hours=1)):
        decision = decide(w, outcome="dismissed")
    assert decision.outcome == "dismissed"
    assert not Charge.objects.exists()
    assert decision.fine_amount is None


def test_the_decision_letter_is_emailed_once_to_each_emailable_party_and_printed_for_others(
    w, tenant_case_served
):
    case = tenant_case_served
    before = counts()
    decided_at = case.response_deadline + dt.timedelta(hours=1)
    with time_machine.travel(decided_at, tick=False):
        decision = decide(w, outcome="upheld_warning")
    letter = decision.letter
    assert (letter.kind, letter.issued_at) == ("decision", decided_at)
    emails = OutboundEmail.objects.filter(kind="decision")
    assert [(e.to_address, e.dedup_key, e.person) for e in emails] == [
        (
            "olive.notices@example.test",
            f"violation:{case.uuid}:decision:{w.owner.uuid}:v1",
            w.owner,
        )
    ]
    services_ = {s.person: s for s in letter.deliveries.all()}
    assert set(services_) == {w.owner, w.tenant}
    olive, terry = services_[w.owner], services_[w.tenant]
    # Olive's copy is served once the mail server accepts it.
    assert (olive.method, olive.status, olive.outbound_email) == ("email", "queued", emails.get())
    assert (terry.method, terry.status, terry.deemed_given_on, terry.outbound_email) == (
        "mail",
        "pending",
        None,
        None,
    )
    assert counts()["emails"] - before["emails"] == 1
    assert Decision.objects.get() == decision


# --- the record before the meeting (review findings) ---------------------------------------


def test_refused_when_the_meeting_is_dated_before_the_notice_went_out(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            {
                "meeting_on": [
                    "The meeting of 2026-11-01 is before the notice was sent (2026-11-25): "
                    "council decides on the record before it."
                ]
            },
            meeting_on=dt.date(2026, 11, 1),
        )


def test_a_withdrawn_hearing_request_does_not_open_the_decision_before_the_deadline(w):
    w.driver.to(w.case, "awaiting_decision")  # the hearing request was withdrawn in writing
    assert_refused(
        w,
        "The response deadline is December 13, 2026 (end of day, Vancouver time); before "
        "then a decision needs the respondent's written response declining a hearing.",
    )


def test_a_hearing_request_is_withdrawn_only_in_writing(w):
    w.driver.to(w.case, "hearing_scheduled")
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_hearing_outcome(case=w.case, actor=w.manager, outcome="withdrawn")
    assert list(refused.value.message_dict) == ["consent_file"]
    assert snapshot(w.case) == before


def test_a_no_show_is_refused_when_a_party_was_not_given_the_hearing_notice_in_time(w):
    # Terry (the tenant) gave no email: his hearing notice waits in the print queue.
    w.driver.to(w.case, "hearing_scheduled", respondent_role="tenant", respondent=w.tenant)
    before = snapshot(w.case)
    with (
        time_machine.travel(T0 + dt.timedelta(days=8), tick=False),
        pytest.raises(TransitionRefused) as refused,
    ):
        services.violation_record_hearing_outcome(case=w.case, actor=w.manager, outcome="no_show")
    assert refused.value.message_dict["outcome"][0].startswith(
        "Terry Tenant had not been given the hearing notice by 2026-12-02"
    )
    assert snapshot(w.case) == before


def test_a_hearing_can_be_scheduled_again_with_a_new_notice(w):
    w.driver.to(w.case, "hearing_scheduled")
    first = w.case.hearings.get().notice_letter

    hearing = services.violation_schedule_hearing(
        case=w.case,
        actor=w.manager,
        scheduled_for=timezone.now() + dt.timedelta(days=10),
        location="Lobby meeting room",
    )

    assert hearing.notice_letter != first
    assert (hearing.location, w.case.letters.filter(kind="hearing_notice").count()) == (
        "Lobby meeting room",
        2,
    )
    keys = OutboundEmail.objects.filter(kind="hearing_notice").values_list("dedup_key", flat=True)
    assert len(set(keys)) == 2  # each notice its own key: the second is sent, not deduplicated


def test_a_short_term_rental_bylaw_without_its_own_fine_takes_the_stratas_maximum(w):
    bylaw = BylawFactory(strata=w.case.strata, number="7.1", is_short_term_rental=True)
    limit = rule_pack.fine_limit(bylaw, w.case.strata)
    assert (limit.amount, limit.interval_days) == (Decimal("50.00"), 7)


def test_refused_without_a_quorum_of_council(w, strata):
    for n in range(3):  # five council members: a quorum is three (Standard Bylaw 18)
        MembershipFactory(
            strata=strata,
            role=StrataMembership.Role.COUNCIL,
            starts_on=dt.date(2026, 1, 1),
            user=UserFactory(email=f"member{n}@example.test"),
        )
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            {
                "members_present": [
                    "2 of 5 council members were present; a quorum is 3 (Standard Bylaw 18)."
                ]
            },
        )


def test_refused_when_a_member_present_had_left_council_before_the_meeting(w):
    leaver = w.council[1]
    leaver.memberships.update(ends_on=dt.date(2026, 12, 1))
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert_refused(
            w,
            {
                "members_present": [
                    f"{leaver} were not council members of Harbour View on 2026-12-14."
                ]
            },
        )


def test_a_hearing_request_cannot_predate_the_notice(w):
    w.driver.to(w.case, "notice_sent")
    with pytest.raises(TransitionRefused) as refused:
        services.violation_receive_hearing_request(
            case=w.case,
            actor=w.manager,
            party=respondent_party(w.case),
            reason="I want to explain.",
            requested_on=dt.date(2026, 11, 20),
        )
    assert refused.value.message_dict == {
        "requested_on": [
            "The notice went out on 2026-11-25; a hearing request answers it, so it is "
            "received on or after that day."
        ]
    }


def test_a_landlord_on_council_is_recused_before_anyone_is_served(w, council_member):
    landlord = PersonFactory(strata=w.case.strata, full_name="Lou Landlord", user=council_member)
    Occupancy.objects.filter(person=w.tenant, role="tenant").update(landlord=landlord)

    assert is_recused(council_member, w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_reject(case=w.case, actor=council_member, reason="Not a matter.")
    assert refused.value.code == "recused"
