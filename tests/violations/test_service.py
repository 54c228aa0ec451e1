"""Who is served (SPA s.135(1)(e)), how (SPA s.61), the deadline service sets, paper service
when an email fails, re-service, and the case reference."""

import datetime as dt
import types

import pytest
import time_machine

from communications import sending
from communications.models import OutboundEmail, TrackingEvent
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, StrataFactory
from tests.communications.factories import SuppressionFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory
from tests.violations.drive import FAST_HASHERS, T0, Driver, complaint, counts, snapshot
from tests.violations.factories import BylawFactory
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import DeliveryMethod, DeliveryStatus, ViolationEvent

pytestmark = pytest.mark.django_db

# End of day in Vancouver (PST, UTC-8) as stored.
DEC_13_END = dt.datetime(2026, 12, 14, 7, 59, 59, 999999, tzinfo=dt.UTC)
DEC_14_END = dt.datetime(2026, 12, 15, 7, 59, 59, 999999, tzinfo=dt.UTC)
DEC_15_END = dt.datetime(2026, 12, 16, 7, 59, 59, 999999, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(case, tenant, owner_for_notices, manager, council_member):
    return types.SimpleNamespace(
        case=case,
        tenant=tenant,
        owner=owner_for_notices,
        manager=manager,
        driver=Driver(actor=manager, council=[council_member]),
    )


def parties(case):
    return sorted((p.person.full_name, p.role, p.required) for p in case.parties.all())


def notice_services(case):
    notice = case.letters.get(kind="notice")
    return sorted(
        (s.person.full_name, s.method, s.status, s.deemed_given_on) for s in notice.deliveries.all()
    )


# --- who is served -------------------------------------------------------------------------


def test_a_tenant_respondent_serves_the_tenant_the_landlord_and_the_owner(w, occupant):
    landlord = PersonFactory(strata=w.case.strata, full_name="Larry Landlord")
    Occupancy.objects.filter(person=w.tenant).update(landlord=landlord)
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    assert parties(w.case) == [
        ("Larry Landlord", "landlord", True),
        ("Olive Owner", "owner", True),
        ("Terry Tenant", "respondent", True),
    ]
    assert notice_services(w.case) == [
        ("Larry Landlord", "mail", "pending", None),
        ("Olive Owner", "email", "sent", dt.date(2026, 11, 29)),
        ("Terry Tenant", "mail", "pending", None),
    ]
    assert not w.case.parties.filter(person=occupant).exists()


def test_owners_as_respondents_serve_only_the_owners(w, occupant, recused_council_member):
    co_owner = OccupancyFactory(
        unit=w.case.unit,
        role=Occupancy.Role.OWNER,
        person=PersonFactory(strata=w.case.strata, full_name="Oscar Owner"),
    ).person
    w.driver.to(w.case, "notice_sent")
    assert parties(w.case) == [
        ("Olive Owner", "respondent", True),
        ("Oscar Owner", "respondent", True),
    ]
    assert notice_services(w.case) == [
        ("Olive Owner", "email", "sent", dt.date(2026, 11, 29)),
        ("Oscar Owner", "mail", "pending", None),
    ]
    assert co_owner.case_parties.get().case == w.case


def test_a_landlord_who_owns_the_unit_is_served_once_as_owner(w):
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    assert parties(w.case) == [("Olive Owner", "owner", True), ("Terry Tenant", "respondent", True)]
    assert len(notice_services(w.case)) == 2
    assert OutboundEmail.objects.filter(kind="notice").count() == 1


def test_a_former_tenant_cannot_be_the_respondent(w):
    Occupancy.objects.filter(person=w.tenant).update(ends_on=dt.date(2026, 10, 31))
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_prepare_notice(
            case=w.case, actor=w.manager, respondent_role="tenant", respondent=w.tenant
        )
    assert refused.value.message_dict == {"respondent": ["Choose a current tenant of Unit 101."]}
    assert snapshot(w.case) == before


# --- how, and the deadline -----------------------------------------------------------------


def test_an_emailed_notice_is_served_when_the_mail_server_accepts_it(w, manager):
    Driver(actor=manager, deliver=False).to(w.case, "notice_sent")
    service = w.case.letters.get(kind="notice").deliveries.get()
    email = OutboundEmail.objects.get(kind="notice")
    # Queued is not served: the deadline waits for the mail server.
    assert (
        service.method,
        service.status,
        service.address,
        service.sent_at,
        service.deemed_given_on,
        service.outbound_email,
    ) == ("email", "queued", "olive.notices@example.test", None, None, email)
    assert email.dedup_key == f"violation:{w.case.uuid}:notice:{w.owner.uuid}:v1"
    w.case.refresh_from_db()
    assert w.case.response_deadline is None
    assert services.violation_services_check() == 0

    # The outbox worker gets it to the mail server the next morning.
    accepted = T0 + dt.timedelta(days=1)
    with time_machine.travel(accepted, tick=False):
        sending.send_batch(sending.claim(limit=10))
        assert services.violation_services_check() == 1

    service.refresh_from_db()
    w.case.refresh_from_db()
    assert (service.status, service.sent_at, service.deemed_given_on) == (
        "sent",
        accepted,
        dt.date(2026, 11, 30),
    )
    # November 26 + 4 days + 14 days = December 14, later than the stated December 13.
    assert w.case.response_deadline == DEC_14_END
    again = snapshot(w.case)
    assert services.violation_services_check() == 0
    assert snapshot(w.case) == again


def test_a_party_without_email_waits_in_the_print_queue_and_holds_the_deadline(w):
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    paper = w.case.letters.get(kind="notice").deliveries.get(person=w.tenant)
    assert (paper.method, paper.status, paper.deemed_given_on, paper.sent_at) == (
        "mail",
        "pending",
        None,
        None,
    )
    assert paper.address == "Unit 101, 1 Main Street, Vancouver BC"
    w.case.refresh_from_db()
    assert w.case.response_deadline is None
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        services.violation_record_service(
            service=paper, actor=w.manager, method="mail", on_date=dt.date(2026, 11, 27)
        )
    paper.refresh_from_db()
    w.case.refresh_from_db()
    assert (paper.status, paper.deemed_given_on) == ("sent", dt.date(2026, 12, 1))
    # November 27 + 4 days + 14 days = December 15, later than the stated December 13.
    assert w.case.response_deadline == DEC_15_END
    event = w.case.events.get(kind="record_service")
    assert event.data["deemed_given_on"] == "2026-12-01"


def test_hand_service_is_deemed_given_the_same_day_and_the_stated_date_still_holds(w):
    w.owner.email_for_notices = ""
    w.owner.save()
    w.driver.to(w.case, "notice_sent")
    paper = w.case.letters.get(kind="notice").deliveries.get()
    services.violation_record_service(
        service=paper, actor=w.manager, method="hand_person", on_date=dt.date(2026, 11, 25)
    )
    paper.refresh_from_db()
    w.case.refresh_from_db()
    assert (paper.method, paper.status, paper.deemed_given_on) == (
        "hand_person",
        "sent",
        dt.date(2026, 11, 25),
    )
    # November 25 + 14 days is December 9, but the notice stated December 13.
    assert w.case.response_deadline == DEC_13_END


def test_a_mailing_cannot_be_recorded_in_the_future(w):
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    paper = w.case.letters.get(kind="notice").deliveries.get(person=w.tenant)
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_service(
            service=paper, actor=w.manager, method="mail", on_date=dt.date(2026, 11, 26)
        )
    assert refused.value.message_dict == {
        "on_date": ["The service cannot be recorded on 26 Nov 2026, after today (25 Nov 2026)."]
    }
    assert snapshot(w.case) == before


# --- failed and bounced email --------------------------------------------------------------


def _fail(w):
    """The outbox gives up before any mail server accepted the email."""
    Driver(actor=w.manager, deliver=False).to(w.case, "notice_sent")
    email = OutboundEmail.objects.get(kind="notice")
    email.status = OutboundEmail.Status.FAILED
    email.save()


def _bounce(w):
    """The mail server accepted the email (the notice was served), then it bounced."""
    w.driver.to(w.case, "notice_sent")
    w.case.refresh_from_db()
    assert w.case.response_deadline == DEC_13_END
    TrackingEvent.objects.create(
        email=OutboundEmail.objects.get(kind="notice"),
        kind="bounce",
        provider_event_id="evt-1",
        occurred_at=T0,
    )


@pytest.mark.parametrize(("break_it", "status"), [(_fail, "failed"), (_bounce, "bounced")])
def test_an_undelivered_notice_email_becomes_a_paper_service_task_once(w, break_it, status):
    break_it(w)
    emailed = w.case.letters.get(kind="notice").deliveries.get()
    before = counts()

    assert services.violation_services_check() == 1

    emailed.refresh_from_db()
    w.case.refresh_from_db()
    assert emailed.status == status
    paper = w.case.letters.get(kind="notice").deliveries.exclude(pk=emailed.pk).get()
    assert (
        paper.person,
        paper.party,
        paper.method,
        paper.status,
        paper.deemed_given_on,
        paper.address,
    ) == (w.owner, emailed.party, "mail", "pending", None, "Unit 101, 1 Main Street, Vancouver BC")
    assert w.case.response_deadline is None
    event = ViolationEvent.objects.latest("id")
    assert (event.case, event.kind, event.actor, event.text) == (
        w.case,
        "service_failed",
        None,
        "The email to olive.notices@example.test was not delivered; serve it on paper.",
    )
    after = counts()
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "services": 1,
        "events": 1,
        "audit": 1,
    }

    again = snapshot(w.case)
    assert services.violation_services_check() == 0
    assert snapshot(w.case) == again


def test_the_paper_task_sets_the_deadline_once_mailed(w):
    _fail(w)
    services.violation_services_check()
    paper = w.case.letters.get(kind="notice").deliveries.get(status="pending")
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        services.violation_record_service(
            service=paper, actor=w.manager, method="mail", on_date=dt.date(2026, 11, 27)
        )
    w.case.refresh_from_db()
    assert w.case.response_deadline == DEC_15_END


# --- re-service ----------------------------------------------------------------------------


def test_reserving_by_email_without_an_address_for_notices_is_refused(w):
    w.driver.to(w.case, "notice_sent", respondent_role="tenant", respondent=w.tenant)
    party = w.case.parties.get(person=w.tenant)
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_reserve(
            case=w.case, actor=w.manager, party=party, method=DeliveryMethod.EMAIL
        )
    assert refused.value.messages == [
        "Terry Tenant has given no email address for notices (SPA s.61); serve by mail or by hand."
    ]
    assert snapshot(w.case) == before


def test_reserving_by_mail_adds_a_pending_paper_service(w):
    w.driver.to(w.case, "notice_sent")
    party = w.case.parties.get(person=w.owner)
    before = counts()
    service = services.violation_reserve(
        case=w.case, actor=w.manager, party=party, method=DeliveryMethod.MAIL
    )
    assert (service.method, service.status, service.deemed_given_on, service.party) == (
        "mail",
        DeliveryStatus.PENDING,
        None,
        party,
    )
    after = counts()
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "services": 1,
        "events": 1,
        "audit": 1,
    }


def test_reserving_on_someone_no_longer_to_be_served_is_refused(w):
    w.driver.to(w.case, "notice_pending_approval", respondent_role="tenant", respondent=w.tenant)
    w.driver.to(w.case, "notice_sent")  # prepared again with the owners as respondents
    former = w.case.parties.get(person=w.tenant)
    assert former.required is False
    before = snapshot(w.case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_reserve(
            case=w.case, actor=w.manager, party=former, method=DeliveryMethod.MAIL
        )
    assert refused.value.messages == ["Terry Tenant is not a party to this case."]
    assert snapshot(w.case) == before


def test_reserving_by_email_is_a_new_version_of_the_key(w):
    _fail(w)
    party = w.case.parties.get(person=w.owner)
    services.violation_services_check()
    service = services.violation_reserve(
        case=w.case, actor=w.manager, party=party, method=DeliveryMethod.EMAIL
    )
    assert sorted(OutboundEmail.objects.values_list("dedup_key", flat=True)) == [
        f"violation:{w.case.uuid}:notice:{w.owner.uuid}:v1",
        f"violation:{w.case.uuid}:notice:{w.owner.uuid}:v2",
    ]
    assert service.outbound_email.dedup_key.endswith(":v2")


# --- references ----------------------------------------------------------------------------


def test_references_count_per_strata_per_local_day(manager, unit, strata):
    bylaw = BylawFactory(strata=strata)
    elsewhere = StrataFactory(name="Cedar Grove")
    other_unit = UnitFactory(strata=elsewhere)
    other_bylaw = BylawFactory(strata=elsewhere)

    def report(unit_, bylaw_, actor):
        return services.violation_report(
            actor=actor,
            unit=unit_,
            bylaws=[bylaw_],
            incident_on=dt.date(2026, 11, 20),
            description="Noise.",
            complaint=complaint(),
        )

    other = MembershipFactory(strata=elsewhere, role="manager").user
    # 07:30 UTC on November 25 is 23:30 on November 24 in Vancouver.
    with time_machine.travel(dt.datetime(2026, 11, 25, 7, 30, tzinfo=dt.UTC), tick=False):
        first = report(unit, bylaw, manager)
        second = report(unit, bylaw, manager)
        other_first = report(other_unit, other_bylaw, other)
    assert (first.reference, second.reference, other_first.reference) == (
        "VIO-20261124-001",
        "VIO-20261124-002",
        "VIO-20261124-001",
    )


def test_an_acknowledgement_to_a_suppressed_address_is_printed_instead(w, strata, unit):
    neighbour = PersonFactory(
        strata=strata,
        full_name="Nina Neighbour",
        email_for_notices="nina@example.test",
        email_for_notices_given_on=dt.date(2025, 1, 1),
    )
    SuppressionFactory(address="nina@example.test")

    case = services.violation_report(
        actor=w.manager,
        unit=unit,
        bylaws=list(w.case.bylaws.all()),
        incident_on=dt.date(2026, 11, 20),
        description="Music again.",
        complaint={**complaint(), "complainant": neighbour, "complainant_name": ""},
    )

    service = case.letters.get(kind="complainant_acknowledgement").deliveries.get()
    assert (service.method, service.status, service.outbound_email.status) == (
        DeliveryMethod.MAIL,
        DeliveryStatus.PENDING,
        "suppressed",
    )
