"""A party's own answer from their pages or app goes through the same service as one staff
record (violations.services.responses), checked as theirs instead of by staff right."""

import pytest

from accounts.models import AuditLog
from tests.violations.drive import counts, delta
from violations.domain.workflow import TransitionRefused
from violations.models import Response, Status
from violations.services import resident_request_hearing, resident_respond


def test_a_respondent_answers_their_notice_as_staff_would_record_it(world):
    case = world.cases.a
    olive = world.users["respondent_owner"]
    before = counts()

    response = resident_respond(case=case, actor=olive, text="It was my son's birthday.")

    case.refresh_from_db()
    assert case.status == Status.RESPONDED
    assert (response.channel, response.party.person, response.recorded_by) == (
        Response.Channel.PORTAL,
        world.persons.olive,
        olive,
    )
    assert delta(before, counts()) == {"responses": 1, "events": 1, "audit": 1}
    event = case.events.latest("pk")
    assert (event.kind, event.actor, event.visible_to_resident) == ("record_response", olive, True)
    audit = AuditLog.objects.latest("pk")
    assert (audit.action, audit.actor) == ("violation.record_response", olive)


@pytest.mark.parametrize(
    "actor",
    ["landlord", "tenant_respondent", "complainant", "unrelated_resident", "manager"],
)
def test_nobody_else_answers_for_the_respondents(world, actor):
    before = counts()

    with pytest.raises(TransitionRefused, match="Only a person served with this notice"):
        resident_respond(case=world.cases.a, actor=world.users[actor], text="Not mine to say.")

    assert delta(before, counts()) == {}


def test_an_archived_person_answers_nothing(world):
    olive = world.persons.olive
    olive.archived_at = world.cases.a.created_at
    olive.save()

    with pytest.raises(TransitionRefused):
        resident_respond(case=world.cases.a, actor=olive.user, text="Still here.")


def test_a_hearing_request_from_a_tenant_starts_the_four_week_clock(world):
    case = world.cases.t
    hearing = resident_request_hearing(
        case=case, actor=world.users["tenant_respondent"], reason="I want to explain."
    )

    case.refresh_from_db()
    assert case.status == Status.HEARING_REQUESTED
    assert hearing.requested_on == world.today
    assert (hearing.hold_by - hearing.requested_on).days == case.strata.hearing_deadline_days
    assert hearing.requested_by.person == world.persons.terry


def test_an_answer_after_the_case_moved_on_is_refused_by_its_status(world):
    olive = world.users["respondent_owner"]
    resident_request_hearing(case=world.cases.a, actor=olive, reason="In person, please.")
    before = counts()

    with pytest.raises(TransitionRefused) as refused:
        resident_respond(case=world.cases.a, actor=olive, text="And in writing.")

    assert refused.value.code == "state"
    assert delta(before, counts()) == {}


def test_a_party_dropped_from_a_case_no_longer_follows_it(world):
    """The respondent changes from the tenant to the owners: the tenant's pages and personal
    link stop showing the case (DESIGN §5: residents see the cases where they are a party)."""
    from tests.violations.drive import Driver
    from tests.violations.factories import ViolationFactory
    from violations import services
    from violations.selectors.resident import resident_case_get
    from violations.services.case_links import case_link_make, case_link_read

    manager, terry = world.users["manager"], world.persons.terry
    case = ViolationFactory(unit=world.units.u102, bylaws=[world.cases.t.bylaws.get()])
    Driver(actor=manager).to(case, "warned", respondent_role="tenant", respondent=terry)
    link = case_link_make(case, terry)
    assert resident_case_get(terry.user, case.uuid) == case

    services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")

    assert resident_case_get(terry.user, case.uuid) is None
    assert case_link_read(link).problem == "unknown"
    assert resident_case_get(world.users["landlord"], case.uuid) == case
