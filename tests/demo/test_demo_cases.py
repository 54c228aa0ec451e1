"""The demo's bylaw cases: one in every status, built through the services, and the cases
that show where a letter goes, service under the door and a corrected entry."""

import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command

from accounts.models import AuditLog, Strata, User
from demo import register_data as demo_data
from demo.cases import demo_cases_create
from properties.models import Occupancy
from tests.built_once import rows_kept_for_the_scope
from violations.domain import rule_pack
from violations.models import (
    Decision,
    DeliveryMethod,
    DeliveryStatus,
    Letter,
    LetterDelivery,
    LetterKind,
    Response,
    Status,
    Violation,
)
from violations.selectors.cases import print_queue_for
from violations.selectors.serving import current_deliveries

pytestmark = pytest.mark.django_db


@pytest.fixture
def harbourview():
    demo_data.demo_seed(units=20)
    return Strata.objects.get(plan_number="BCS2024")


def test_demo_has_a_case_in_every_status_with_letters_and_service(harbourview):
    created = demo_cases_create(harbourview)

    assert created == len(Status.values)
    statuses = sorted(Violation.objects.filter(strata=harbourview).values_list("status", flat=True))
    assert statuses == sorted(Status.values)
    sent = Violation.objects.get(status=Status.NOTICE_SENT)
    assert sent.letters.get(kind="notice").issued_at is not None
    assert LetterDelivery.objects.filter(letter__case=sent).count() == sent.parties.count()
    decided = Violation.objects.get(status=Status.DECIDED_UPHELD)
    assert decided.decision.outcome == Decision.Outcome.UPHELD_FINE
    assert decided.charges.get().amount == decided.decision.fine_amount
    assert (
        Letter.objects.filter(case__strata=harbourview, pdf="")
        .exclude(case__status=Status.NOTICE_PENDING_APPROVAL)
        .count()
        == 0
    )


def test_a_second_run_creates_no_more_cases(harbourview):
    demo_cases_create(harbourview)
    before = Violation.objects.count()

    assert demo_cases_create(harbourview) == 0
    assert Violation.objects.count() == before


def test_seed_demo_reports_the_cases(settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("seed_demo", "--units", "20", stdout=out)

    assert f"Created {len(Status.values)} bylaw cases, one in every status." in out.getvalue()


NOW = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)  # noon in Vancouver
TODAY = dt.date(2026, 3, 2)
REASON = (
    "Recorded without the time the letter came in, so it showed as midnight; it was handed in "
    "at the office later that day."
)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture(scope="class")
def demo_cases(django_db_setup, django_db_blocker):
    """Harbourview's demo cases, built once for the class at a pinned time."""
    with time_machine.travel(NOW, tick=False), rows_kept_for_the_scope(django_db_blocker):
        demo_data.demo_seed(units=20)
        demo_cases_create(Strata.objects.get(plan_number="BCS2024"))
        yield


@pytest.mark.usefixtures("demo_cases")
class TestTheDemoShowsTheFixes:
    def test_a_neighbours_acknowledgement_waits_in_the_print_queue_for_their_own_unit(self):
        case = Violation.objects.get(status=Status.REPORTED)
        complainant = case.complaints.get().complainant
        home = Occupancy.objects.get(person=complainant, role=Occupancy.Role.TENANT).unit
        acknowledgement = LetterDelivery.objects.get(
            letter__case=case, letter__kind=LetterKind.COMPLAINANT_ACKNOWLEDGEMENT
        )
        manager = User.objects.get(email="manager@demo.stratatracker.test")

        assert (complainant.full_name, home.unit_number, case.unit.unit_number) == (
            "Camille Fernandes",
            "107",
            "101",
        )
        assert (complainant.postal_address, complainant.email_for_notices) == ("", "")
        assert (acknowledgement.person, acknowledgement.method, acknowledgement.status) == (
            complainant,
            DeliveryMethod.MAIL,
            DeliveryStatus.PENDING,
        )
        # Her own unit, not the unit complained about.
        assert acknowledgement.address == "Unit 107, 1650 Bayshore Drive\nVancouver, BC  V6G 3K2"
        assert list(print_queue_for(manager).filter(letter__case=case)) == [acknowledgement]

    def test_the_responded_case_is_served_under_the_door_deemed_four_days_later(self):
        case = Violation.objects.get(status=Status.RESPONDED)
        notice = case.letters.get(kind=LetterKind.NOTICE)
        served = current_deliveries(case)

        # The tenant is served under the door of the unit they rent; their landlord, who gave
        # an address elsewhere for notices (SPA s.61(1)(a)), by mail there.
        assert [
            (s.person.full_name, s.party.role, s.method, s.address, s.delivered_by) for s in served
        ] == [
            (
                "Deepa MacDonald",
                "owner",
                DeliveryMethod.MAIL,
                "1302 Fraser Highway\nSurrey, BC  V3S 2K1",
                "Priya Sandhu",
            ),
            (
                "Sofia Taylor",
                "respondent",
                DeliveryMethod.UNDER_DOOR,
                "Unit 106, 1650 Bayshore Drive\nVancouver, BC  V6G 3K2",
                "Marco Reyes",
            ),
        ]
        for service in served:
            assert (service.letter, service.status, service.sent_at) == (
                notice,
                DeliveryStatus.SENT,
                NOW,
            )
            assert service.deemed_given_on == TODAY + dt.timedelta(days=4)
            assert service.recorded_by.email == "manager@demo.stratatracker.test"
        assert case.response_deadline == rule_pack.response_deadline(
            case.strata, TODAY + dt.timedelta(days=4)
        )

    def test_the_responded_case_keeps_its_mistimed_response_voided_beside_the_amendment(self):
        case = Violation.objects.get(status=Status.RESPONDED)
        original = Response.all_objects.get(case=case, amends__isnull=True)
        amended = Response.objects.get(case=case)
        event = case.events.get(kind="correction")
        midnight = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # in Vancouver

        assert original.received_at == midnight
        assert original.voided_at == NOW
        assert original.voided_by.email == "manager@demo.stratatracker.test"
        assert original.void_reason == REASON
        assert (amended.amends, amended.received_at, amended.voided_at) == (original, NOW, None)
        assert (amended.text, amended.channel) == (original.text, original.channel)
        assert event.text == (
            f"The response of {original.party.person.full_name} received 2 Mar 2026 amended. "
            f"Reason: {REASON}"
        )
        assert event.data == {
            "entry": "response",
            "uuid": str(original.uuid),
            "action": "amend",
            "reason": REASON,
            "before": {
                "received_at": midnight.isoformat(),
                "channel": "letter",
                "text": "It was a birthday party; it will not happen again.",
                "declines_hearing": False,
            },
            "after": {"received_at": NOW.isoformat()},
            "replacement": str(amended.uuid),
        }
        assert (
            AuditLog.objects.filter(action="violation.correction", target_uuid=case.uuid).count()
            == 1
        )

    def test_a_second_run_duplicates_nothing(self):
        strata = Strata.objects.get(plan_number="BCS2024")
        before = row_counts()

        with time_machine.travel(NOW, tick=False):
            assert demo_cases_create(strata) == 0

        assert row_counts() == before
