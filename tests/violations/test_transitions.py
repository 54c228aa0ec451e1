"""Every transition of the enforcement table, for every staff role and a resident.

The expected outcomes are written out below from DESIGN §5, not read from
``violations.domain.workflow``, so a change to the table or the permission layer shows up here.
"""

import datetime as dt
import types

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditLog
from accounts.strata_time import strata_today
from properties.models import Person
from tests.accounts.factories import UserFactory
from tests.properties.factories import PersonFactory
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    complaint,
    counts,
    decision_kwargs,
    delta,
    respondent_party,
    snapshot,
    written_request,
)
from violations import services
from violations.domain.workflow import TRANSITIONS, TransitionRefused
from violations.models import LetterDelivery, Violation, ViolationEvent

pytestmark = pytest.mark.django_db

# transition x role → outcome (DESIGN §5). "recused" is a council member who lives in the
# case's unit; "other_manager" manages another strata; "resident" is a user linked to a person
# of the strata, with no membership.
GRID_TEXT = """
transition              caretaker  council  recused  manager  other_manager  superuser  resident
report                  ok         ok       refused  ok       refused        ok         refused
add_complaint           ok         ok       refused  ok       refused        ok         refused
reject                  refused    ok       refused  ok       refused        ok         refused
warn                    refused    ok       refused  ok       refused        ok         refused
prepare_notice          refused    ok       refused  ok       refused        ok         refused
approve_notice          refused    ok       refused  refused  refused        refused    refused
send_notice             refused    ok       refused  ok       refused        ok         refused
record_service          refused    ok       refused  ok       refused        ok         refused
reserve                 refused    ok       refused  ok       refused        ok         refused
record_response         refused    ok       refused  ok       refused        ok         refused
receive_hearing_request refused    ok       refused  ok       refused        ok         refused
schedule_hearing        refused    ok       refused  ok       refused        ok         refused
record_hearing_outcome  refused    ok       refused  ok       refused        ok         refused
record_decision         refused    ok       refused  ok       refused        ok         refused
withdraw                refused    ok       refused  ok       refused        ok         refused
close                   refused    ok       refused  ok       refused        ok         refused
"""


def _grid(text: str) -> dict[tuple[str, str], str]:
    header, *rows = [line.split() for line in text.strip().splitlines()]
    return {
        (row[0], role): outcome
        for row in rows
        for role, outcome in zip(header[1:], row[1:], strict=True)
    }


GRID = _grid(GRID_TEXT)
ROLES = GRID_TEXT.split()[1:8]

# Where each transition starts from in these tests, and what an allowed call changes:
# (source status, respondent, approvals the strata requires, past the response deadline,
#  status after, rows added besides the one event and one audit entry).
CASES = {
    "report": ("reported", "owners", 0, False, "reported", {"cases": 1, "complaints": 1}),
    "add_complaint": ("reported", "owners", 0, False, "reported", {"complaints": 1}),
    "reject": ("reported", "owners", 0, False, "rejected", {}),
    "warn": (
        "reported",
        "owners",
        0,
        False,
        "warned",
        {"letters": 1, "parties": 1, "services": 1, "emails": 1},
    ),
    "prepare_notice": (
        "reported",
        "owners",
        0,
        False,
        "notice_pending_approval",
        {"letters": 1, "parties": 1},
    ),
    "approve_notice": (
        "notice_pending_approval",
        "owners",
        1,
        False,
        "notice_pending_approval",
        {"approvals": 1},
    ),
    "send_notice": (
        "notice_pending_approval",
        "owners",
        0,
        False,
        "notice_sent",
        {"services": 1, "emails": 1},
    ),
    "record_service": ("notice_sent", "tenant", 0, False, "notice_sent", {}),
    "reserve": ("notice_sent", "owners", 0, False, "notice_sent", {"services": 1}),
    "record_response": ("notice_sent", "owners", 0, False, "responded", {"responses": 1}),
    "receive_hearing_request": (
        "notice_sent",
        "owners",
        0,
        False,
        "hearing_requested",
        {"hearings": 1},
    ),
    "schedule_hearing": (
        "hearing_requested",
        "owners",
        0,
        False,
        "hearing_scheduled",
        {"letters": 1, "services": 1, "emails": 1},
    ),
    "record_hearing_outcome": ("hearing_scheduled", "owners", 0, False, "awaiting_decision", {}),
    "record_decision": (
        "notice_sent",
        "owners",
        0,
        True,
        "decided_dismissed",
        {"decisions": 1, "letters": 1, "services": 1, "emails": 1},
    ),
    "withdraw": ("reported", "owners", 0, False, "withdrawn", {}),
    "close": ("warned", "owners", 0, False, "closed", {}),
}


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def world(
    case,
    strata,
    unit,
    noise_bylaw,
    tenant,
    owner_for_notices,
    manager,
    council_member,
    second_council_member,
    caretaker,
    recused_council_member,
    other_manager,
    superuser,
):
    resident = UserFactory(email="resident@example.test", full_name="Rita Resident")
    PersonFactory(strata=strata, full_name="Rita Resident", user=resident)
    return types.SimpleNamespace(
        case=case,
        unit=unit,
        bylaw=noise_bylaw,
        tenant=tenant,
        owner=owner_for_notices,
        manager=manager,
        council=[council_member, second_council_member],
        actors={
            "caretaker": caretaker,
            "council": council_member,
            "recused": recused_council_member,
            "manager": manager,
            "other_manager": other_manager,
            "superuser": superuser,
            "resident": resident,
        },
        driver=Driver(actor=manager, council=[council_member, second_council_member]),
    )


def invoke(name: str, case: Violation, actor, w):
    """Call transition ``name`` with valid arguments for a case in its source status."""
    match name:
        case "report":
            return services.violation_report(
                actor=actor,
                unit=w.unit,
                bylaws=[w.bylaw],
                incident_on=dt.date(2026, 11, 20),
                description="Music after 11 p.m. again.",
                complaint=complaint(),
            )
        case "add_complaint":
            return services.violation_add_complaint(case=case, actor=actor, complaint=complaint())
        case "reject":
            return services.violation_reject(case=case, actor=actor, reason="Not a bylaw matter.")
        case "warn" | "prepare_notice":
            transition = getattr(services, f"violation_{name}")
            return transition(case=case, actor=actor, respondent_role="owners")
        case "approve_notice" | "send_notice":
            return getattr(services, f"violation_{name}")(case=case, actor=actor)
        case "record_service":
            pending = LetterDelivery.objects.get(person=w.tenant, status="pending")
            return services.violation_record_service(
                service=pending, actor=actor, method="mail", on_date=strata_today(case.strata)
            )
        case "reserve":
            party = case.parties.get(person=w.owner)
            return services.violation_reserve(case=case, actor=actor, party=party, method="mail")
        case "record_response":
            return services.violation_record_response(
                case=case,
                actor=actor,
                party=respondent_party(case),
                text="I deny it.",
                channel="email",
                received_at=timezone.now(),
            )
        case "receive_hearing_request":
            return services.violation_receive_hearing_request(
                case=case,
                actor=actor,
                party=respondent_party(case),
                reason="I want to be heard.",
                requested_on=strata_today(case.strata),
            )
        case "schedule_hearing":
            return services.violation_schedule_hearing(
                case=case,
                actor=actor,
                scheduled_for=timezone.now() + dt.timedelta(days=5),
                location="Amenity room",
            )
        case "record_hearing_outcome":
            return services.violation_record_hearing_outcome(
                case=case, actor=actor, outcome="withdrawn", consent_file=written_request()
            )
        case "record_decision":
            return services.violation_record_decision(
                case=case, actor=actor, **decision_kwargs(case, w.council)
            )
        case "withdraw":
            return services.violation_withdraw(case=case, actor=actor, reason="Resolved.")
        case "close":
            return services.violation_close(case=case, actor=actor)
    raise AssertionError(name)


def test_the_grid_has_a_row_for_every_transition_and_nothing_else():
    assert sorted({name for name, _role in GRID}) == sorted(TRANSITIONS)
    assert sorted(CASES) == sorted(TRANSITIONS)
    assert ROLES == [
        "caretaker",
        "council",
        "recused",
        "manager",
        "other_manager",
        "superuser",
        "resident",
    ]


@pytest.mark.parametrize(("name", "role"), sorted(GRID))
def test_transition_by_role(name, role, world):
    source, respondent_role, approvals, past_deadline, after, added = CASES[name]
    case = world.case
    case.strata.notice_approvals_required = approvals
    case.strata.save()
    respondent = world.tenant if respondent_role == "tenant" else None
    world.driver.to(case, source, respondent_role=respondent_role, respondent=respondent)
    actor = world.actors[role]
    moment = case.response_deadline + dt.timedelta(hours=1) if past_deadline else T0
    with time_machine.travel(moment, tick=False):
        before = snapshot(case)
        if GRID[name, role] == "refused":
            with pytest.raises(TransitionRefused) as refused:
                invoke(name, case, actor, world)
            assert refused.value.code in ("role", "recused")
            assert snapshot(case) == before
            return
        result = invoke(name, case, actor, world)
    target = result if name == "report" else case
    target.refresh_from_db()
    assert target.status == after
    assert delta(before, counts()) == {"events": 1, "audit": 1, **added}
    event = ViolationEvent.objects.latest("id")
    assert (event.case, event.kind, event.actor, event.to_status) == (target, name, actor, after)
    entry = AuditLog.objects.latest("id")
    assert (entry.action, entry.actor, entry.target_uuid) == (
        f"violation.{name}",
        actor,
        target.uuid,
    )
    if name != "report":
        assert case.status == after


def test_a_recused_council_member_is_refused_for_their_own_unit_with_the_reason(world):
    with pytest.raises(TransitionRefused) as refused:
        invoke("reject", world.case, world.actors["recused"], world)
    assert refused.value.messages == [
        "You are recused from VIO-20261101-001: you are a party, a complainant or an occupant "
        "of its unit (SPA s.32). Another member must act."
    ]


def test_a_manager_is_told_only_council_approves_a_notice(world):
    with pytest.raises(TransitionRefused) as refused:
        invoke("approve_notice", world.case, world.actors["manager"], world)
    assert refused.value.messages == [
        "Approve the notice needs the role of council in Harbour View."
    ]


# transition → (a status it cannot start from, that status's label, respondent for the drive)
WRONG_STATUS = {
    "add_complaint": ("rejected", "Rejected", "owners"),
    "reject": ("warned", "Warned", "owners"),
    "warn": ("notice_pending_approval", "Notice prepared", "owners"),
    "prepare_notice": ("rejected", "Rejected", "owners"),
    "approve_notice": ("reported", "Reported", "owners"),
    "send_notice": ("reported", "Reported", "owners"),
    "reserve": ("warned", "Warned", "owners"),
    "record_response": ("hearing_requested", "Hearing requested", "owners"),
    "receive_hearing_request": ("warned", "Warned", "owners"),
    "schedule_hearing": ("notice_sent", "Notice sent", "owners"),
    "record_hearing_outcome": ("hearing_requested", "Hearing requested", "owners"),
    "record_decision": ("hearing_requested", "Hearing requested", "owners"),
    "withdraw": ("decided_dismissed", "Dismissed", "owners"),
    "close": ("reported", "Reported", "owners"),
}


def test_every_transition_but_report_has_a_wrong_status_case():
    # Recording the mailing of a letter is possible in every status (a decision letter is
    # mailed after the decision); its guard is a pending paper service.
    assert sorted(WRONG_STATUS) == sorted(set(TRANSITIONS) - {"report", "record_service"})


def test_the_mailing_of_a_warning_letter_is_recorded_while_the_case_is_warned(world):
    world.driver.to(world.case, "warned", respondent_role="tenant", respondent=world.tenant)
    pending = LetterDelivery.objects.get(
        letter__case=world.case, status=LetterDelivery.Status.PENDING
    )

    invoke_record = services.violation_record_service(
        service=pending, actor=world.manager, method="mail", on_date=strata_today(world.case.strata)
    )

    assert (invoke_record.status, invoke_record.deemed_given_on) == (
        "sent",
        strata_today(world.case.strata) + dt.timedelta(days=4),
    )
    world.case.refresh_from_db()
    assert (world.case.status, world.case.response_deadline) == ("warned", None)


@pytest.mark.parametrize("name", sorted(WRONG_STATUS))
def test_transition_from_a_wrong_status_is_refused_naming_the_status(name, world):
    status, label, respondent_role = WRONG_STATUS[name]
    case = world.case
    if name == "approve_notice":
        case.strata.notice_approvals_required = 1
        case.strata.save()
    respondent = world.tenant if respondent_role == "tenant" else None
    world.driver.to(case, status, respondent_role=respondent_role, respondent=respondent)
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as refused:
        invoke(name, case, world.actors["council"], world)
    assert refused.value.code == "state"
    message = refused.value.messages[0]
    assert message.startswith(f"VIO-20261101-001 is {label}; ")
    assert snapshot(case) == before


def test_record_decision_from_a_requested_hearing_says_what_to_do(world):
    world.driver.to(world.case, "hearing_requested")
    with pytest.raises(TransitionRefused) as refused:
        invoke("record_decision", world.case, world.manager, world)
    assert refused.value.messages == [
        "VIO-20261101-001 is Hearing requested; record council's decision is possible only "
        "when it is: Awaiting decision, Notice sent, Responded. A hearing was requested on "
        "2026-11-25; record it as held, no-show or withdrawn first (it must be held by "
        "2026-12-23)."
    ]


def test_a_resident_linked_to_a_person_is_still_no_staff(world):
    resident = world.actors["resident"]
    assert Person.objects.get(user=resident).strata == world.case.strata
    with pytest.raises(TransitionRefused) as refused:
        invoke("add_complaint", world.case, resident, world)
    assert refused.value.code == "role"
