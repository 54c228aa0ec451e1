"""The daily digest (DESIGN §6 "Repeat offenders and digests", issue 5 item 4).

Two stratas, a manager of each, and a council member of both. The cases are built as the
workflow leaves them (``test_work_queues``' row helpers); the clock is time-machine's, starting
at 10:00 in Vancouver on Wednesday November 25, 2026.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import StrataMembership
from accounts.strata_time import strata_zone
from communications.models import OutboundEmail
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.violations.drive import T0
from tests.violations.factories import ViolationFactory
from tests.violations.test_work_queues import (
    future,
    hearing_case,
    new_reference,
    new_unit,
    past,
    pending_case,
    row_case,
)
from violations.models import Decision, FineProposal, Hearing, Response, Status
from violations.selectors.digests import digest_items_for
from violations.services.digests import digests_send

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def both_council(strata, other_strata, council_member):
    """The council member of Harbour View sits on Cedar Grove's council too."""
    MembershipFactory(strata=other_strata, user=council_member, role=StrataMembership.Role.COUNCIL)
    return council_member


@pytest.fixture
def work(strata, other_strata):
    """Harbour View: a notice awaiting approval, a response awaiting a decision, a notice not
    yet served (its letter in the print queue) and a hearing due in 28 days. Cedar Grove: a
    case ready for a decision with no response, and a continuing fine to confirm."""
    strata.notice_approvals_required = 1
    strata.save(update_fields=["notice_approvals_required"])
    own = {
        "approval": pending_case(strata),
        "ready": _responded(strata, past(1)),
        "unserved": row_case(strata, served=False),
        "hearing": hearing_case(strata, requested_on=TODAY)[1],
    }
    other = {
        "ready": row_case(other_strata, status=Status.NOTICE_SENT, deadline=past(1)),
        "fine": fine_proposal(row_case(other_strata, status=Status.DECIDED_UPHELD)),
    }
    return own, other


def fine_proposal(case) -> FineProposal:
    decision = Decision.objects.create(
        case=case,
        meeting_on=TODAY - dt.timedelta(days=14),
        motion="That the contravention be fined every 7 days until it stops.",
        votes_for=3,
        votes_against=0,
        outcome=Decision.Outcome.UPHELD_CONTINUING,
        reasons="The contravention continues.",
        fine_amount=Decimal("50.00"),
        continuing_every_days=7,
        recorded_by=UserFactory(),
    )
    return FineProposal.objects.create(case=case, decision=decision, due_on=TODAY)


def digests() -> dict[str, OutboundEmail]:
    return {row.to_address: row for row in OutboundEmail.objects.filter(kind="digest")}


def references(sections, key) -> list[str]:
    found = []
    for section in sections:
        for item in section[key]:
            case = getattr(item, "case", item)
            found.append(case.reference)
    return found


# --- who gets what ------------------------------------------------------------------------


def test_each_staff_member_gets_one_digest_with_exactly_their_stratas_items(
    work, manager, other_manager, both_council, caretaker
):
    own, other = work

    assert digests_send() == 3

    emails = digests()
    assert set(emails) == {manager.email, other_manager.email, both_council.email}
    assert emails[manager.email].dedup_key == f"digest:{manager.uuid}:2026-11-25"
    assert emails[manager.email].subject == (
        "StrataTracker digest for Wednesday, November 25, 2026: 5 items"
    )
    assert emails[other_manager.email].subject == (
        "StrataTracker digest for Wednesday, November 25, 2026: 2 items"
    )
    assert emails[both_council.email].subject.endswith(": 7 items")
    own_refs = [
        own["approval"].reference,
        own["ready"].reference,
        own["unserved"].reference,
        own["hearing"].case.reference,
    ]
    other_refs = [other["ready"].reference, other["fine"].case.reference]
    for address, shown, hidden in (
        (manager.email, own_refs, other_refs),
        (other_manager.email, other_refs, own_refs),
        (both_council.email, own_refs + other_refs, []),
    ):
        for body in (emails[address].body_text, emails[address].body_html):
            assert all(ref in body for ref in shown), address
            assert not any(ref in body for ref in hidden), address
    text = emails[manager.email].body_text
    assert "1 letter to print and mail" in text
    assert "hold by 2026-12-23, 28 days left" in text
    case_url = f"{settings.SITE_URL}/admin/violations/violation/{own['ready'].pk}/change/"
    assert case_url in text
    assert f'href="{case_url}"' in emails[manager.email].body_html
    assert "as of 10:00 PST" in text


def test_digest_items_are_the_work_queues_of_each_strata(work, strata, other_strata, both_council):
    own, other = work

    sections = digest_items_for(both_council, today=TODAY)

    assert [s["strata"] for s in sections] == [other_strata, strata]  # by name
    cedar, harbour = sections
    assert references([harbour], "approvals") == [own["approval"].reference]
    assert references([harbour], "responses") == [own["ready"].reference]
    assert references([harbour], "unanswered") == []
    assert references([harbour], "unserved") == [own["unserved"].reference]
    assert harbour["to_print"] == 1
    assert [h.pk for h in harbour["hearings"]] == [own["hearing"].pk]
    assert harbour["hearings"][0].days_left == 28
    assert references([cedar], "unanswered") == [other["ready"].reference]
    assert references([cedar], "responses") == []
    assert [p.pk for p in cedar["fines"]] == [other["fine"].pk]
    assert (cedar["approvals"], cedar["unserved"], cedar["to_print"]) == ([], [], 0)


def test_running_twice_the_same_day_sends_nothing_new_and_the_next_day_sends_again(
    work, clock, manager, other_manager, both_council
):
    assert digests_send() == 3
    clock.move_to(T0 + dt.timedelta(hours=5))
    assert digests_send() == 0
    assert OutboundEmail.objects.filter(kind="digest").count() == 3

    clock.move_to(T0 + dt.timedelta(days=1))
    assert digests_send() == 3

    keys = set(
        OutboundEmail.objects.filter(to_address=manager.email).values_list("dedup_key", flat=True)
    )
    assert keys == {f"digest:{manager.uuid}:2026-11-25", f"digest:{manager.uuid}:2026-11-26"}


def test_no_digest_for_an_ended_membership_an_inactive_user_or_nothing_to_do(
    work, strata, manager, other_manager, caretaker
):
    ended = UserFactory(email="ended@example.test")
    MembershipFactory(
        strata=strata,
        user=ended,
        role=StrataMembership.Role.MANAGER,
        starts_on=TODAY - dt.timedelta(days=400),
        ends_on=TODAY - dt.timedelta(days=1),
    )
    manager.is_active = False
    manager.save(update_fields=["is_active"])

    assert digests_send() == 1

    assert set(digests()) == {other_manager.email}  # the caretaker acts on none of these


def test_a_membership_ending_today_still_gets_todays_digest_but_not_tomorrows(work, clock, strata):
    leaving = UserFactory(email="leaving@example.test")
    MembershipFactory(
        strata=strata, user=leaving, role=StrataMembership.Role.MANAGER, ends_on=TODAY
    )

    assert digests_send() == 1
    clock.move_to(T0 + dt.timedelta(days=1))
    assert digests_send() == 0


def test_recused_member_gets_no_item_of_the_case_they_are_recused_from(
    strata, unit, recused_council_member
):
    theirs = _respond(row_case(strata, status=Status.RESPONDED, deadline=past(1), unit=unit))
    elsewhere = _responded(strata, past(1))

    sections = digest_items_for(recused_council_member, today=TODAY)

    assert references(sections, "responses") == [elsewhere.reference]
    assert theirs.reference not in references(sections, "responses")


# --- time zones -----------------------------------------------------------------------------


def test_digest_waits_for_seven_in_the_morning_local_time(work, clock, manager):
    clock.move_to(dt.datetime(2026, 11, 25, 14, 59, tzinfo=dt.UTC))  # 06:59 in Vancouver
    assert digests_send() == 0
    clock.move_to(dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))  # 07:00
    assert digests_send() == 1
    assert digests()[manager.email].dedup_key == f"digest:{manager.uuid}:2026-11-25"


def test_a_staff_member_in_another_time_zone_gets_their_local_date(manager, strata):
    tokyo = MembershipFactory(
        role=StrataMembership.Role.MANAGER,
        user=UserFactory(email="tokyo@example.test"),
        strata__time_zone="Asia/Tokyo",
        strata__name="Sakura Court",
    )
    row_case(tokyo.strata, status=Status.RESPONDED, deadline=past(1))
    row_case(strata, status=Status.RESPONDED, deadline=past(1))

    with time_machine.travel(dt.datetime(2026, 11, 25, 21, 0, tzinfo=dt.UTC), tick=False):
        assert digests_send() == 1  # 13:00 in Vancouver; 06:00 on the 26th in Tokyo
    with time_machine.travel(dt.datetime(2026, 11, 25, 22, 0, tzinfo=dt.UTC), tick=False):
        assert digests_send() == 1  # 07:00 on the 26th in Tokyo

    emails = digests()
    assert emails[manager.email].dedup_key == f"digest:{manager.uuid}:2026-11-25"
    assert emails["tokyo@example.test"].dedup_key == f"digest:{tokyo.user.uuid}:2026-11-26"
    assert "Thursday, November 26, 2026" in emails["tokyo@example.test"].subject
    assert "as of 07:00 JST" in emails["tokyo@example.test"].body_text


# --- overdue ---------------------------------------------------------------------------------


def test_overdue_hearings_and_decisions_head_the_digest(strata, manager, council_member):
    _case, late_hearing = hearing_case(strata, requested_on=TODAY - dt.timedelta(days=30))
    late_decision = _responded(strata, past(8))
    on_time = _responded(strata, past(7))
    heard = row_case(strata, status=Status.AWAITING_DECISION, deadline=past(20))
    Hearing.objects.create(
        case=heard,
        requested_by=heard.parties.get(),
        requested_on=TODAY - dt.timedelta(days=20),
        reason="To explain.",
        hold_by=TODAY,
        outcome=Hearing.Outcome.HELD,
        held_at=timezone.now() - dt.timedelta(days=8),
    )

    for user in (manager, council_member):
        (section,) = digest_items_for(user, today=TODAY)
        assert [h.pk for h in section["overdue_hearings"]] == [late_hearing.pk]
        assert section["overdue_hearings"][0].days_overdue == 2
        assert section["hearings"] == []
        overdue = {case.reference: case.days_overdue for case in section["overdue_decisions"]}
        assert overdue == {late_decision.reference: 1, heard.reference: 1}
        assert references([section], "responses") == [on_time.reference]

    digests_send()
    text = digests()[manager.email].body_text
    assert text.index("OVERDUE") < text.index("Responses awaiting a decision")
    assert f"Decision overdue: {late_decision.reference}" in text
    assert "due by 2026-11-24, 1 day overdue" in text
    assert "Hello manager," in text
    assert f"Hearing not held: {late_hearing.case.reference}" in text


# --- the command ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("25/11/2026", "--date '25/11/2026' is not a date: give it as YYYY-MM-DD."),
        ("2026-11-27", "--date 2026-11-27 has not begun anywhere yet: no digest for it."),
    ],
)
def test_send_digests_refuses_a_bad_date(work, manager, value, message):
    with pytest.raises(CommandError) as refused:
        call_command("send_digests", "--date", value)

    assert str(refused.value) == message
    assert not OutboundEmail.objects.exists()


def test_send_digests_for_a_date_sends_whatever_the_hour(work, clock, manager, capsys):
    clock.move_to(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))  # 01:00 in Vancouver

    call_command("send_digests", "--date", "2026-11-25")
    call_command("send_digests", "--date", "2026-11-25")

    assert capsys.readouterr().out == "Digests queued: 1.\nDigests queued: 0.\n"
    assert digests()[manager.email].dedup_key == f"digest:{manager.uuid}:2026-11-25"


def test_the_task_sends_the_digests(work, manager):
    from violations.tasks import send_digests_task

    assert send_digests_task.delay().get() == 1
    assert set(digests()) == {manager.email}


def test_beat_runs_the_digests_and_reminders_every_hour():
    from stratatracker.celery import app

    for entry, task in (
        ("send-digests", "violations.tasks.send_digests_task"),
        ("send-deadline-reminders", "violations.tasks.send_deadline_reminders_task"),
    ):
        schedule = settings.CELERY_BEAT_SCHEDULE[entry]
        assert schedule["task"] == task
        assert schedule["schedule"].hour == set(range(24))
        assert task in app.tasks


# --- every status: which sections a case is listed in ------------------------------------------


def _respond(case, *, declines_hearing=False):
    Response.objects.create(
        case=case,
        party=case.parties.get(),
        received_at=past(2),
        channel=Response.Channel.EMAIL,
        text="It was not me.",
        declines_hearing=declines_hearing,
    )
    return case


def _status(strata, status):
    return ViolationFactory(unit=new_unit(strata), reference=new_reference(), status=status)


def _responded(strata, deadline):
    return _respond(row_case(strata, status=Status.RESPONDED, deadline=deadline))


def _scheduled(strata, when):
    case, hearing = hearing_case(strata, requested_on=TODAY - dt.timedelta(days=5))
    case.status = Status.HEARING_SCHEDULED
    case.save(update_fields=["status"])
    hearing.scheduled_for = when
    hearing.location = "Amenity room"
    hearing.save(update_fields=["scheduled_for", "location"])
    return case


def _heard(strata, outcome, *, days_ago=1, written=False):
    case, hearing = hearing_case(strata, requested_on=TODAY - dt.timedelta(days=days_ago + 5))
    case.status = Status.AWAITING_DECISION
    case.save(update_fields=["status"])
    hearing.scheduled_for = hearing.held_at = past(days_ago)
    hearing.outcome = outcome
    hearing.save(update_fields=["scheduled_for", "held_at", "outcome"])
    return _respond(case) if written else case


# A case in every status, as the workflow leaves it, and exactly the digest lists it is in for a
# manager (``fines``: a continuing fine to confirm).
CASES_BY_STATUS = {
    "reported": (Status.REPORTED, lambda s: _status(s, Status.REPORTED), set()),
    "warned": (Status.WARNED, lambda s: _status(s, Status.WARNED), set()),
    "notice prepared": (Status.NOTICE_PENDING_APPROVAL, pending_case, {"approvals"}),
    "notice not yet served": (
        Status.NOTICE_SENT,
        lambda s: row_case(s, served=False),
        {"unserved"},
    ),
    "notice served, deadline ahead": (
        Status.NOTICE_SENT,
        lambda s: row_case(s, deadline=future()),
        set(),
    ),
    "no response by the deadline": (
        Status.NOTICE_SENT,
        lambda s: row_case(s, deadline=past(1)),
        {"unanswered"},
    ),
    "responded, deadline passed": (
        Status.RESPONDED,
        lambda s: _responded(s, past(1)),
        {"responses"},
    ),
    "responded, deadline ahead": (Status.RESPONDED, lambda s: _responded(s, future()), set()),
    "responded and declined a hearing": (
        Status.RESPONDED,
        lambda s: _respond(
            row_case(s, status=Status.RESPONDED, deadline=future()), declines_hearing=True
        ),
        {"responses"},
    ),
    "hearing requested, hold-by ahead": (
        Status.HEARING_REQUESTED,
        lambda s: hearing_case(s, requested_on=TODAY)[0],
        {"hearings"},
    ),
    "hearing requested, hold-by passed": (
        Status.HEARING_REQUESTED,
        lambda s: hearing_case(s, requested_on=TODAY - dt.timedelta(days=30))[0],
        {"overdue_hearings"},
    ),
    "hearing scheduled, date ahead": (
        Status.HEARING_SCHEDULED,
        lambda s: _scheduled(s, future(2)),
        {"hearings"},
    ),
    "hearing date passed, no outcome recorded": (
        Status.HEARING_SCHEDULED,
        lambda s: _scheduled(s, past(2)),
        {"overdue_hearings"},
    ),
    "hearing held": (
        Status.AWAITING_DECISION,
        lambda s: _heard(s, Hearing.Outcome.HELD),
        {"responses"},
    ),
    "hearing held, written response too": (
        Status.AWAITING_DECISION,
        lambda s: _heard(s, Hearing.Outcome.HELD, written=True),
        {"responses"},
    ),
    "respondent did not attend, no written response": (
        Status.AWAITING_DECISION,
        lambda s: _heard(s, Hearing.Outcome.NO_SHOW),
        {"unanswered"},
    ),
    "decision overdue after the hearing": (
        Status.AWAITING_DECISION,
        lambda s: _heard(s, Hearing.Outcome.HELD, days_ago=8),
        {"overdue_decisions"},
    ),
    "upheld": (Status.DECIDED_UPHELD, lambda s: row_case(s, status=Status.DECIDED_UPHELD), set()),
    "upheld, continuing fine to confirm": (
        Status.DECIDED_UPHELD,
        lambda s: fine_proposal(row_case(s, status=Status.DECIDED_UPHELD)).case,
        {"fines"},
    ),
    "dismissed": (
        Status.DECIDED_DISMISSED,
        lambda s: row_case(s, status=Status.DECIDED_DISMISSED),
        set(),
    ),
    "rejected": (Status.REJECTED, lambda s: _status(s, Status.REJECTED), set()),
    "withdrawn": (Status.WITHDRAWN, lambda s: row_case(s, status=Status.WITHDRAWN), set()),
    "closed": (Status.CLOSED, lambda s: row_case(s, status=Status.CLOSED), set()),
}


def lists_showing(sections, case) -> set[str]:
    """The names of the digest lists that show ``case`` (itself, its hearing or its fine)."""
    return {
        key
        for section in sections
        for key, items in section.items()
        if isinstance(items, list) and any(getattr(i, "case", i).pk == case.pk for i in items)
    }


def test_the_cases_cover_every_status():
    assert {status for status, _build, _lists in CASES_BY_STATUS.values()} == set(Status)


@pytest.mark.parametrize(
    ("status", "build", "lists"), CASES_BY_STATUS.values(), ids=CASES_BY_STATUS.keys()
)
def test_a_case_in_each_status_is_listed_in_exactly_its_digest_sections(
    strata, manager, status, build, lists
):
    strata.notice_approvals_required = 1
    strata.save(update_fields=["notice_approvals_required"])
    case = build(strata)
    case.refresh_from_db()
    assert case.status == status

    sections = digest_items_for(manager, today=TODAY)

    assert lists_showing(sections, case) == lists


def test_the_email_separates_responses_from_silence_and_flags_a_hearing_without_outcome(
    strata, manager
):
    answered = _responded(strata, past(1))
    silent = row_case(strata, deadline=past(1))
    unrecorded = _scheduled(strata, dt.datetime(2026, 11, 23, 19, 0, tzinfo=strata_zone(strata)))

    digests_send()

    text = digests()[manager.email].body_text
    responses = text.index("Responses awaiting a decision")
    no_response = text.index("No response by the deadline: ready for a decision")
    assert text.index(answered.reference) > responses
    assert no_response < text.index(silent.reference)
    assert answered.reference not in text[no_response:]
    assert silent.reference not in text[responses:no_response]
    assert (
        f"Hearing not held: {unrecorded.reference} ({unrecorded.unit}), scheduled for "
        "2026-11-23 19:00, no outcome recorded"
    ) in text
    assert text.index("OVERDUE") < text.index(unrecorded.reference) < responses
    html = digests()[manager.email].body_html
    assert "scheduled for 2026-11-23 19:00, no outcome recorded" in html
    assert "No response by the deadline: ready for a decision" in html
