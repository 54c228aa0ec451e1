"""The schema rules of issue 14 item 7: the stated deadline is a column of its own, a case has
one open hearing at a time, and a complaint names its complainant (or staff saw it); each
held by the database and refused by the service first, in words.

Every test starts at 10:00 in Vancouver on Wednesday November 25, 2026.
"""

import datetime as dt
import types

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.strata_time import strata_today
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    respondent_party,
    snapshot,
    written_request,
)
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import Complaint, Hearing, HearingOutcome, Violation
from violations.selectors import serving

pytestmark = pytest.mark.django_db

# The notice sent on November 25 states December 13 (November 25 + 4 days + 14 days), end of
# day in Vancouver.
DEC_13_END = dt.datetime(2026, 12, 14, 7, 59, 59, 999999, tzinfo=dt.UTC)
BEFORE = "0008_letter_delivery_renamed_from_service"


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(case, tenant, owner_for_notices, manager, council_member):
    return types.SimpleNamespace(
        case=case, manager=manager, driver=Driver(actor=manager, council=[council_member])
    )


# --- the stated deadline -----------------------------------------------------------------------


def test_the_sent_notice_keeps_its_stated_deadline_in_a_column_not_in_the_limits(w):
    case = w.driver.to(w.case, "notice_sent")

    assert case.stated_deadline == DEC_13_END
    assert "stated_deadline" not in case.limits
    assert case.limits["rule_pack"]


def test_the_deadline_service_sets_is_never_before_the_stated_column(w):
    case = w.driver.to(w.case, "notice_sent")
    later = DEC_13_END + dt.timedelta(days=5)
    Violation.objects.filter(pk=case.pk).update(stated_deadline=later)
    case.refresh_from_db()

    assert serving.deadline_for(case) == later


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_stated_deadline_out_of_the_limits_and_back(case):
    """Back to 0008 the column's value returns to ``limits``; forward again it leaves it."""
    Violation.objects.filter(pk=case.pk).update(
        stated_deadline=DEC_13_END, limits={"rule_pack": "bc"}
    )
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("violations", BEFORE)])
        old = executor.loader.project_state([("violations", BEFORE)]).apps
        limits = old.get_model("violations", "Violation").objects.get(pk=case.pk).limits
        assert limits["rule_pack"] == "bc"
        assert dt.datetime.fromisoformat(limits["stated_deadline"]) == DEC_13_END
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

    case.refresh_from_db()
    assert (case.stated_deadline, case.limits) == (DEC_13_END, {"rule_pack": "bc"})


# --- one open hearing per case -----------------------------------------------------------------


def open_hearing(case: Violation, **extra) -> Hearing:
    today = strata_today(case.strata)
    return Hearing.objects.create(
        case=case,
        requested_by=respondent_party(case),
        requested_on=today,
        reason="To explain.",
        hold_by=today + dt.timedelta(days=28),
        **extra,
    )


def test_the_database_refuses_a_second_open_hearing_of_a_case(w):
    case = w.driver.to(w.case, "responded")
    open_hearing(case, outcome=HearingOutcome.WITHDRAWN)
    open_hearing(case)

    with transaction.atomic(), pytest.raises(IntegrityError):
        open_hearing(case)
    with pytest.raises(ValidationError) as refused:
        Hearing(case=case, outcome="").validate_constraints()
    assert refused.value.messages == ["This case already has an open hearing request."]


def test_a_hearing_request_while_one_is_open_is_refused_in_words_and_nothing_changes(w):
    case = w.driver.to(w.case, "responded")
    open_hearing(case)
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_receive_hearing_request(
            case=case,
            actor=w.manager,
            party=respondent_party(case),
            reason="Again.",
            requested_on=strata_today(case.strata),
        )

    assert refused.value.message_dict == {
        "requested_on": [
            "VIO-20261101-001 already has an open hearing request, received on November 25, "
            "2026: record what became of it (held, not attended, withdrawn or postponed) "
            "before another is received."
        ]
    }
    assert snapshot(case) == before


def test_a_postponement_closes_the_hearing_before_it_opens_the_next_which_is_scheduled(w):
    case = w.driver.to(w.case, "hearing_scheduled")
    services.violation_record_hearing_outcome(
        case=case, actor=w.manager, outcome="postponed_by_request", consent_file=written_request()
    )
    scheduled = services.violation_schedule_hearing(
        case=case,
        actor=w.manager,
        scheduled_for=T0 + dt.timedelta(days=14),
        location="Amenity room",
    )

    assert [(h.outcome, h.scheduled_for) for h in case.hearings.order_by("id")] == [
        ("postponed_by_request", T0 + dt.timedelta(days=7)),
        ("", T0 + dt.timedelta(days=14)),
    ]
    assert scheduled == case.hearings.get(outcome="")


def test_scheduling_again_keeps_the_one_open_hearing(w):
    case = w.driver.to(w.case, "hearing_scheduled")
    services.violation_schedule_hearing(
        case=case, actor=w.manager, scheduled_for=T0 + dt.timedelta(days=10), location="Lobby"
    )

    assert list(case.hearings.values_list("outcome", "location")) == [("", "Lobby")]


# --- a complaint names its complainant ---------------------------------------------------------


def complaint(case: Violation, **fields) -> Complaint:
    return Complaint.objects.create(
        case=case, received_on=case.incident_on, channel=fields.pop("channel", "phone"), **fields
    )


def test_the_database_refuses_a_complaint_without_a_complainant(case):
    with transaction.atomic(), pytest.raises(IntegrityError):
        complaint(case)
    with pytest.raises(ValidationError) as refused:
        Complaint(case=case, channel="phone").validate_constraints()
    assert refused.value.messages == ["Name the complainant (they are never shown to residents)."]


def test_a_complaint_names_a_person_or_a_name_or_was_seen_by_staff(case, tenant):
    complaint(case, complainant=tenant)
    complaint(case, complainant_name="A neighbour")
    complaint(case, channel=Complaint.Channel.STAFF_OBSERVATION)

    assert case.complaints.count() == 4  # the factory's, and these three
