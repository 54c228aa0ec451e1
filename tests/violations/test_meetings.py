"""Council meetings (issue 5, DESIGN §9): the agenda and recording a meeting's decisions in
one action, once, all or nothing.

Cases council decides are driven through the services (notice served by email on the owner,
who answers declining a hearing); the many rows of the agenda's query guard are built
directly, as the workflow leaves them.
"""

import datetime as dt
import itertools
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.strata_time import strata_today
from communications.models import OutboundEmail
from properties.models import Occupancy
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    counts,
    deliver_emails,
    delta,
    respondent_party,
)
from tests.violations.factories import ViolationFactory
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import (
    CaseParty,
    Complaint,
    CouncilMeeting,
    Decision,
    DeliveryMethod,
    DeliveryStatus,
    Hearing,
    HearingOutcome,
    Letter,
    LetterDelivery,
    LetterKind,
    PartyRole,
    Response,
    Status,
    Violation,
)
from violations.selectors.meetings import meeting_agenda
from violations.services import case_letters
from violations.services.meetings import ItemsRefused, meeting_decisions_record

pytestmark = pytest.mark.django_db

AGENDA = "admin:council_meeting_agenda"
RECORD = "admin:council_meeting_record"
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast(settings, monkeypatch):
    """Cheap passwords, letters' PDFs without WeasyPrint, and the clock at T0."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    monkeypatch.setattr(case_letters, "html_to_pdf", lambda html: b"%PDF-1.7\n%" + html.encode())
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def council(council_member, second_council_member):
    return [council_member, second_council_member]


def ready_case(strata, manager, *, n=None) -> Violation:
    """A case council may decide now: the notice emailed to the owner, who answered in
    writing declining a hearing."""
    n = n or next(_numbers)
    unit = UnitFactory(strata=strata, unit_number=f"M{n:03d}", strata_lot_number=500 + n)
    OccupancyFactory(
        unit=unit,
        role=Occupancy.Role.OWNER,
        person=PersonFactory(
            strata=strata,
            full_name=f"Owner {n:03d}",
            email_for_notices=f"owner{n:03d}@example.test",
            email_for_notices_given_on=dt.date(2024, 1, 1),
        ),
    )
    case = ViolationFactory(unit=unit, reference=f"VIO-20261120-{n:03d}")
    services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")
    services.violation_send_notice(case=case, actor=manager)
    deliver_emails()
    services.violation_record_response(
        case=case,
        actor=manager,
        party=respondent_party(case),
        text="No hearing, thank you.",
        channel="letter",
        received_at=timezone.now(),
        declines_hearing=True,
    )
    return case


def item(case, council, **extra) -> dict:
    return {
        "case": case,
        "motion": f"That {case.reference} be decided as recorded.",
        "votes_for": len(council),
        "votes_against": 0,
        "outcome": "upheld_warning",
        "reasons": "Council read the complaint and the response.",
        **extra,
    }


def record(strata, actor, council, items, submission=None):
    return meeting_decisions_record(
        strata=strata,
        actor=actor,
        submission=submission or uuid.uuid4(),
        held_on=strata_today(strata),
        members_present=council,
        items=items,
    )


# --- the service ------------------------------------------------------------------------------


def test_a_meeting_of_ten_cases_records_ten_decisions_letters_and_emails_once(
    strata, manager, council
):
    cases = [ready_case(strata, manager) for _ in range(10)]
    token = uuid.uuid4()
    before = counts()

    meeting = record(strata, manager, council, [item(c, council) for c in cases], token)

    assert delta(before, counts()) == {
        "decisions": 10,
        "letters": 10,
        "services": 10,
        "emails": 10,
        "events": 10,
        "audit": 11,  # one per decision, one for the meeting
    }
    assert CouncilMeeting.objects.get() == meeting
    assert set(meeting.members_present.all()) == set(council)
    assert sorted(d.case.reference for d in meeting.decisions.all()) == sorted(
        c.reference for c in cases
    )
    assert set(
        Letter.objects.filter(kind=LetterKind.DECISION).values_list("case__reference", flat=True)
    ) == {c.reference for c in cases}
    decision_emails = OutboundEmail.objects.filter(kind="decision")
    assert sorted(decision_emails.values_list("to_address", flat=True)) == sorted(
        f"owner{c.unit.unit_number[1:]}@example.test" for c in cases
    )

    again = counts()
    assert record(strata, manager, council, [item(c, council) for c in cases], token) == meeting
    assert delta(again, counts()) == {}
    assert CouncilMeeting.objects.count() == 1


def test_one_refused_case_records_nothing_and_names_it(strata, manager, council):
    cases = [ready_case(strata, manager) for _ in range(3)]
    too_much = item(cases[1], council, outcome="upheld_fine", fine_amount=Decimal("500.00"))
    before = counts()

    with pytest.raises(ItemsRefused) as refused:
        record(
            strata, manager, council, [item(cases[0], council), too_much, item(cases[2], council)]
        )

    [refusal] = refused.value.refusals
    assert refusal.case == cases[1]
    assert refusal.message_dict == {
        "fine_amount": [
            "A fine of $500.00 is over the cap of $50.00: the strata's maximum is $50.00."
        ]
    }
    assert delta(before, counts()) == {}
    assert not CouncilMeeting.objects.exists()
    assert {c.status for c in Violation.objects.filter(pk__in=[c.pk for c in cases])} == {
        Status.RESPONDED
    }


def test_every_refused_case_is_named_in_one_refusal(strata, manager, council):
    cases = [ready_case(strata, manager) for _ in range(3)]
    before = counts()

    with pytest.raises(ItemsRefused) as refused:
        record(
            strata,
            manager,
            council,
            [
                item(cases[0], council, outcome="upheld_fine", fine_amount=Decimal("500.00")),
                item(cases[1], council),
                item(cases[2], council, votes_for=0, votes_against=2),
            ],
        )

    assert [(r.case, r.message_dict) for r in refused.value.refusals] == [
        (
            cases[0],
            {
                "fine_amount": [
                    "A fine of $500.00 is over the cap of $50.00: the strata's maximum is $50.00."
                ]
            },
        ),
        (
            cases[2],
            {
                "votes_for": [
                    "The motion did not carry (0 for, 2 against); record the motion council passed."
                ]
            },
        ),
    ]
    assert delta(before, counts()) == {}
    assert not CouncilMeeting.objects.exists()


def test_a_case_already_decided_is_refused_by_name_under_a_new_token(strata, manager, council):
    decided, fresh = ready_case(strata, manager), ready_case(strata, manager)
    record(strata, manager, council, [item(decided, council)])
    before = counts()

    with pytest.raises(ItemsRefused) as refused:
        record(strata, manager, council, [item(fresh, council), item(decided, council)])

    [refusal] = refused.value.refusals
    assert refusal.case == decided
    assert refusal.messages == [
        f"{decided.reference} is Upheld; record council's decision is possible only when it "
        "is: Awaiting decision, Notice sent, Responded."
    ]
    assert delta(before, counts()) == {}
    assert CouncilMeeting.objects.count() == 1


def test_a_recused_member_present_is_recorded_as_recused_on_their_case(
    strata, unit, manager, council, recused_council_member, owner_for_notices
):
    """Rex lives in unit 101: present at the meeting, recused from its case, voting on the
    other (meeting_guard: recused members are present, and do not vote)."""
    theirs = ViolationFactory(unit=unit, reference="VIO-20261120-101")
    services.violation_prepare_notice(case=theirs, actor=manager, respondent_role="owners")
    services.violation_send_notice(case=theirs, actor=manager)
    deliver_emails()
    services.violation_record_response(
        case=theirs,
        actor=manager,
        party=respondent_party(theirs),
        text="No hearing.",
        channel="letter",
        received_at=timezone.now(),
        declines_hearing=True,
    )
    other = ready_case(strata, manager)
    present = [*council, recused_council_member]

    meeting = record(
        strata,
        manager,
        present,
        [
            item(theirs, council, recusals=[recused_council_member]),
            item(other, present),
        ],
    )

    on_theirs, on_other = (Decision.objects.get(case=c) for c in (theirs, other))
    assert on_theirs.meeting == on_other.meeting == meeting
    assert list(on_theirs.recusals.all()) == [recused_council_member]
    assert set(on_theirs.members_present.all()) == set(present)
    assert (on_theirs.votes_for, on_other.votes_for) == (2, 3)
    assert not on_other.recusals.exists()


def test_a_conflicted_member_not_marked_recused_refuses_the_meeting(
    strata, unit, manager, council, recused_council_member, owner_for_notices
):
    theirs = ViolationFactory(unit=unit, reference="VIO-20261120-101")
    services.violation_prepare_notice(case=theirs, actor=manager, respondent_role="owners")
    services.violation_send_notice(case=theirs, actor=manager)
    deliver_emails()
    services.violation_record_response(
        case=theirs,
        actor=manager,
        party=respondent_party(theirs),
        text="No hearing.",
        channel="letter",
        received_at=timezone.now(),
        declines_hearing=True,
    )
    before = counts()

    with pytest.raises(ItemsRefused) as refused:
        record(strata, manager, [*council, recused_council_member], [item(theirs, council)])

    [refusal] = refused.value.refusals
    assert refusal.message_dict == {
        "recusals": [
            "Rex Recused must be recorded as recused: a party, complainant or occupant of the "
            "unit (SPA s.32)."
        ]
    }
    assert delta(before, counts()) == {}


def test_the_meeting_itself_is_checked_before_any_case(strata, other_strata, manager, council):
    case = ready_case(strata, manager)
    tomorrow = strata_today(strata) + dt.timedelta(days=1)
    before = counts()

    with pytest.raises(TransitionRefused) as refused:
        meeting_decisions_record(
            strata=strata,
            actor=manager,
            submission=uuid.uuid4(),
            held_on=tomorrow,
            members_present=[],
            items=[],
        )

    assert refused.value.message_dict == {
        "held_on": ["The meeting date cannot be in the future."],
        "members_present": ["Name the council members present at the meeting."],
        "items": ["Include at least one case the meeting decided."],
    }
    with pytest.raises(TransitionRefused) as elsewhere:
        record(other_strata, manager, council, [item(case, council)])
    assert elsewhere.value.code == "role"
    assert delta(before, counts()) == {}


def test_a_caretaker_cannot_record_a_meeting(strata, manager, caretaker, council):
    case = ready_case(strata, manager)
    before = counts()

    with pytest.raises(TransitionRefused) as refused:
        record(strata, caretaker, council, [item(case, council)])

    assert refused.value.code == "role"
    assert delta(before, counts()) == {}


# --- the recording form -----------------------------------------------------------------------


def form_data(strata, council, cases, token, **per_case) -> dict:
    data = {
        "submission": str(token),
        "held_on": strata_today(strata).isoformat(),
        "members_present": [str(m.pk) for m in council],
        "cases": [str(c.uuid) for c in cases],
    }
    for case in cases:
        prefix = f"case-{case.uuid}"
        values = {
            "include": "on",
            "motion": f"That {case.reference} be upheld with a warning.",
            "votes_for": str(len(council)),
            "votes_against": "0",
            "votes_abstaining": "0",
            "outcome": "upheld_warning",
            "reasons": "Council read the complaint and the response.",
            **per_case.get(case.reference, {}),
        }
        data |= {f"{prefix}-{name}": value for name, value in values.items()}
    return data


def test_the_form_records_ten_decisions_once_even_if_posted_twice(client, strata, manager, council):
    cases = [ready_case(strata, manager) for _ in range(10)]
    client.force_login(manager)
    url = reverse(RECORD, args=[strata.uuid])
    page = client.get(url)
    assert page.status_code == 200
    assert [f.item.case for f in page.context["item_forms"]] == sorted(
        cases, key=lambda c: (c.response_deadline, c.created_at, c.pk)
    )
    data = form_data(strata, council, cases, page.context["meeting_form"]["submission"].value())
    before = counts()

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse(AGENDA, args=[strata.uuid])
    assert delta(before, counts()) == {
        "decisions": 10,
        "letters": 10,
        "services": 10,
        "emails": 10,
        "events": 10,
        "audit": 11,
    }
    assert [str(m) for m in get_messages(second.wsgi_request)] == [
        f"Recorded council's meeting of {strata_today(strata)}: 10 decisions.",
        f"This meeting ({strata_today(strata)}) was already recorded; nothing was recorded again.",
    ]
    assert Decision.objects.filter(meeting=CouncilMeeting.objects.get()).count() == 10


def test_the_form_shows_a_refusal_next_to_its_case_and_records_nothing(
    client, strata, manager, council
):
    cases = [ready_case(strata, manager) for _ in range(3)]
    client.force_login(manager)
    url = reverse(RECORD, args=[strata.uuid])
    data = form_data(
        strata,
        council,
        cases,
        uuid.uuid4(),
        **{cases[1].reference: {"outcome": "upheld_fine", "fine_amount": "500"}},
    )
    before = counts()

    response = client.post(url, data)

    assert response.status_code == 200
    forms = {f.item.case.reference: f for f in response.context["item_forms"]}
    assert forms[cases[1].reference].errors["fine_amount"] == [
        "A fine of $500.00 is over the cap of $50.00: the strata's maximum is $50.00."
    ]
    assert not forms[cases[0].reference].errors
    assert response.context["meeting_form"].non_field_errors() == [
        f"Nothing was recorded: council's decision on {cases[1].reference} was refused. "
        "Correct it (or leave the case out) and record the meeting again."
    ]
    assert delta(before, counts()) == {}


def test_a_case_decided_in_another_tab_is_refused_by_name_on_the_form(
    client, strata, manager, council
):
    decided, fresh = ready_case(strata, manager), ready_case(strata, manager)
    client.force_login(manager)
    url = reverse(RECORD, args=[strata.uuid])
    stale = form_data(strata, council, [decided, fresh], uuid.uuid4())
    record(strata, manager, council, [item(decided, council)])
    before = counts()

    response = client.post(url, stale)

    assert response.status_code == 200
    forms = {f.item.case.reference: f for f in response.context["item_forms"]}
    assert forms[decided.reference].non_field_errors() == [
        f"{decided.reference} is Upheld; record council's decision is possible only when it "
        "is: Awaiting decision, Notice sent, Responded."
    ]
    assert delta(before, counts()) == {}


def test_the_form_reports_every_refused_case_in_one_response(client, strata, manager, council):
    fine, fine_ok, vote = (ready_case(strata, manager) for _ in range(3))
    client.force_login(manager)
    url = reverse(RECORD, args=[strata.uuid])
    data = form_data(
        strata,
        council,
        [fine, fine_ok, vote],
        uuid.uuid4(),
        **{
            fine.reference: {"outcome": "upheld_fine", "fine_amount": "500"},
            vote.reference: {"votes_for": "0", "votes_against": "2"},
        },
    )
    before = counts()

    response = client.post(url, data)

    assert response.status_code == 200
    forms = {f.item.case.reference: f for f in response.context["item_forms"]}
    assert {ref: dict(form.errors) for ref, form in forms.items() if form.errors} == {
        fine.reference: {
            "fine_amount": [
                "A fine of $500.00 is over the cap of $50.00: the strata's maximum is $50.00."
            ]
        },
        vote.reference: {
            "votes_for": [
                "The motion did not carry (0 for, 2 against); record the motion council passed."
            ]
        },
    }
    assert response.context["meeting_form"].non_field_errors() == [
        f"Nothing was recorded: council's decisions on {fine.reference} and {vote.reference} "
        "were refused. Correct them (or leave the cases out) and record the meeting again."
    ]
    for form in forms.values():
        for (message,) in form.errors.values():
            assert response.text.count(escape(message)) == 1
    assert delta(before, counts()) == {}


def test_a_problem_of_the_meeting_is_shown_once_not_once_per_case(client, strata, manager, council):
    cases = [ready_case(strata, manager) for _ in range(3)]
    client.force_login(manager)
    url = reverse(RECORD, args=[strata.uuid])
    data = form_data(strata, council[:1], cases, uuid.uuid4())
    for case in cases:
        data[f"case-{case.uuid}-votes_for"] = "1"
    before = counts()

    response = client.post(url, data)

    quorum = "1 of 2 council members were present; a quorum is 2 (Standard Bylaw 18)."
    assert response.status_code == 200
    assert response.context["meeting_form"].errors["members_present"] == [quorum]
    assert response.text.count(quorum) == 1
    assert not any(form.errors for form in response.context["item_forms"])
    assert delta(before, counts()) == {}


def test_the_form_ticks_a_conflicted_member_as_recused(
    client, strata, unit, manager, council, recused_council_member, owner_for_notices
):
    theirs = ViolationFactory(unit=unit, reference="VIO-20261120-101")
    services.violation_prepare_notice(case=theirs, actor=manager, respondent_role="owners")
    services.violation_send_notice(case=theirs, actor=manager)
    deliver_emails()
    services.violation_record_response(
        case=theirs,
        actor=manager,
        party=respondent_party(theirs),
        text="No hearing.",
        channel="letter",
        received_at=timezone.now(),
        declines_hearing=True,
    )
    client.force_login(manager)

    response = client.get(reverse(RECORD, args=[strata.uuid]))

    [form] = response.context["item_forms"]
    assert form.initial["recusals"] == [str(recused_council_member.pk)]


# --- the agenda -------------------------------------------------------------------------------


def test_the_agenda_shows_the_particulars_but_never_the_complainant(
    client, strata, manager, council, owner_for_notices, unit, noise_bylaw
):
    case = ready_case(strata, manager)
    strata.notice_approvals_required = 1
    strata.save()
    Complaint.objects.filter(case=case).update(
        complainant=PersonFactory(strata=strata, full_name="Nora Neighbour"),
        complainant_name="Nora Neighbour",
        details="Bass through the floor at 1 a.m.",
    )
    pending = ViolationFactory(unit=unit, bylaws=[noise_bylaw], reference="VIO-20261120-900")
    services.violation_prepare_notice(case=pending, actor=manager, respondent_role="owners")
    client.force_login(council[0])

    response = client.get(reverse(AGENDA, args=[strata.uuid]))

    assert response.status_code == 200
    agenda = response.context["agenda"]
    assert [i.case.reference for i in agenda["approvals"]] == ["VIO-20261120-900"]
    assert [i.case.reference for i in agenda["decisions"]] == [case.reference]
    assert "Bass through the floor at 1 a.m." in response.text
    assert "No hearing, thank you." in response.text
    assert "Nora Neighbour" not in response.text
    assert "@media print" in response.text
    assert reverse(RECORD, args=[strata.uuid]) in response.text


def test_a_recused_member_sees_the_case_marked_without_its_particulars(
    client, strata, unit, manager, recused_council_member, owner_for_notices
):
    theirs = ViolationFactory(
        unit=unit, reference="VIO-20261120-101", description="Secret particulars here."
    )
    services.violation_prepare_notice(case=theirs, actor=manager, respondent_role="owners")
    services.violation_send_notice(case=theirs, actor=manager)
    deliver_emails()
    services.violation_record_response(
        case=theirs,
        actor=manager,
        party=respondent_party(theirs),
        text="My private answer.",
        channel="letter",
        received_at=timezone.now(),
        declines_hearing=True,
    )
    client.force_login(recused_council_member)

    response = client.get(reverse(AGENDA, args=[strata.uuid]))

    [row] = response.context["agenda"]["decisions"]
    assert (row.case, row.recused, row.complaints, row.responses) == (theirs, True, [], [])
    assert "VIO-20261120-101" in response.text
    assert "you are recused from this case" in response.text
    assert "Secret particulars here." not in response.text
    assert "My private answer." not in response.text
    assert reverse("admin:violations_violation_change", args=[theirs.pk]) not in response.text


def test_the_agenda_is_for_council_and_managers_of_the_strata(
    client, strata, caretaker, other_manager
):
    url = reverse(AGENDA, args=[strata.uuid])
    for user in (caretaker, other_manager):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse(RECORD, args=[strata.uuid])).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('admin:login')}?next=")


def test_the_selector_gives_nothing_to_a_caretaker(strata, manager, caretaker):
    ready_case(strata, manager)
    assert meeting_agenda(strata, user=caretaker) == {
        "strata": strata,
        "approvals": [],
        "decisions": [],
    }


def test_the_agenda_selector_runs_five_queries(
    strata, manager, council_member, django_assert_num_queries
):
    for _ in range(3):
        ready_case(strata, manager)
    meeting_agenda(strata, user=council_member)  # the member's roles, cached on the user

    with django_assert_num_queries(5):
        agenda = meeting_agenda(strata, user=council_member)

    assert [len(i.complaints) for i in agenda["decisions"]] == [1, 1, 1]


def agenda_rows(strata, count):
    """``count`` cases as the workflow leaves them: half notices awaiting approval, half
    served, answered (declining a hearing) or heard, each with a complaint."""
    for _ in range(count):
        n = next(_numbers)
        unit = UnitFactory(strata=strata, unit_number=f"R{n:04d}", strata_lot_number=2000 + n)
        if n % 2:
            case = ViolationFactory(
                unit=unit, reference=f"VIO-20261119-{n:04d}", status=Status.NOTICE_PENDING_APPROVAL
            )
            Letter.objects.create(case=case, kind=LetterKind.NOTICE, html="<p>Draft</p>")
            continue
        case = ViolationFactory(
            unit=unit,
            reference=f"VIO-20261119-{n:04d}",
            status=Status.AWAITING_DECISION,
            response_deadline=timezone.now() - dt.timedelta(days=1),
            fine_contemplated=Decimal("200.00"),
        )
        person = PersonFactory(strata=strata)
        party = CaseParty.objects.create(case=case, person=person, role=PartyRole.RESPONDENT)
        letter = Letter.objects.create(
            case=case,
            kind=LetterKind.NOTICE,
            html="<p>Notice</p>",
            pdf="letters/notice.pdf",
            issued_at=timezone.now() - dt.timedelta(days=20),
        )
        LetterDelivery.objects.create(
            letter=letter,
            party=party,
            person=person,
            method=DeliveryMethod.MAIL,
            address="1 Main Street",
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
            deemed_given_on=strata_today(strata) - dt.timedelta(days=16),
        )
        Response.objects.create(
            case=case,
            party=party,
            received_at=timezone.now() - dt.timedelta(days=3),
            channel="letter",
            text=f"Answer {n}",
        )
        Hearing.objects.create(
            case=case,
            requested_by=party,
            requested_on=strata_today(strata) - dt.timedelta(days=10),
            reason="To explain.",
            hold_by=strata_today(strata) + dt.timedelta(days=18),
            scheduled_for=timezone.now() - dt.timedelta(days=2),
            outcome=HearingOutcome.HELD,
            minutes=f"Minutes {n}",
        )


def test_agenda_queries_do_not_grow_with_cases(
    client, strata, council_member, django_assert_num_queries
):
    strata.notice_approvals_required = 1
    strata.save()
    agenda_rows(strata, 10)
    client.force_login(council_member)
    url = reverse(AGENDA, args=[strata.uuid])
    client.get(url)  # warm process-wide caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    agenda = response.context["agenda"]
    assert (len(agenda["approvals"]), len(agenda["decisions"])) == (5, 5)
    agenda_rows(strata, 190)

    with django_assert_num_queries(len(queries)):
        response = client.get(url)

    agenda = response.context["agenda"]
    assert (len(agenda["approvals"]), len(agenda["decisions"])) == (100, 100)
    assert all(len(i.hearings) == 1 and len(i.responses) == 1 for i in agenda["decisions"])


# --- two submissions at once ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_records_one_meeting(strata, manager, council):
    cases = [ready_case(strata, manager) for _ in range(3)]
    token = uuid.uuid4()
    before = counts()
    barrier = threading.Barrier(2)

    def submit():
        try:
            barrier.wait(timeout=10)
            return record(strata, manager, council, [item(c, council) for c in cases], token)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: submit(), range(2))

    assert first == second == CouncilMeeting.objects.get()
    assert delta(before, counts()) == {
        "decisions": 3,
        "letters": 3,
        "services": 3,
        "emails": 3,
        "events": 3,
        "audit": 4,
    }
