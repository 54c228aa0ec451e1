"""The overdue list counts days in the strata's own today (issue 14, items 3 and 4).

At 18:00 on 31 May in Vancouver it is already 1 June in UTC (a Celery worker's zone, and the
admin's with no strata picked). A hold-by date, a hearing day or a decision due on 31 May is
not overdue yet in a Vancouver strata; one of 30 May is. The case list's "Overdue" filter and
the digest's overdue lists say the same (``violations.selectors.overdue``).
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from accounts.strata_time import end_of_day
from tests.violations.test_case_admin import listed
from tests.violations.test_work_queues import row_case
from violations.models import Hearing, Response, Status
from violations.selectors.digests import digest_items_for

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
LAST_DAY = dt.date(2026, 5, 31)
DAY_BEFORE = dt.date(2026, 5, 30)
EVENING = dt.datetime(2026, 5, 31, 18, 0, tzinfo=VANCOUVER)  # 2026-06-01 01:00 UTC


@pytest.fixture(autouse=True)
def evening():
    assert EVENING.astimezone(dt.UTC).date() == dt.date(2026, 6, 1)
    with time_machine.travel(EVENING, tick=False):
        yield EVENING


def hearing_case(strata, reference, *, hold_by, scheduled_for=None):
    """A case whose respondent asked for a hearing, to be held by ``hold_by``, perhaps
    scheduled, with no outcome recorded."""
    status = Status.HEARING_SCHEDULED if scheduled_for else Status.HEARING_REQUESTED
    case = row_case(
        strata, status=status, deadline=end_of_day(strata, LAST_DAY + dt.timedelta(days=20))
    )
    case.reference = reference
    case.save(update_fields=["reference"])
    Hearing.objects.create(
        case=case,
        requested_by=case.parties.get(),
        requested_on=hold_by - dt.timedelta(days=28),
        reason="I want to explain.",
        hold_by=hold_by,
        scheduled_for=scheduled_for,
        location="Amenity room" if scheduled_for else "",
    )
    return case


def answered_case(strata, reference, *, deadline_on):
    """A case answered in writing whose response deadline was the end of ``deadline_on``."""
    case = row_case(strata, status=Status.RESPONDED, deadline=end_of_day(strata, deadline_on))
    case.reference = reference
    case.save(update_fields=["reference"])
    Response.objects.create(
        case=case,
        party=case.parties.get(),
        received_at=end_of_day(strata, deadline_on) - dt.timedelta(days=2),
        channel=Response.Channel.EMAIL,
        text="It was not me.",
    )
    return case


@pytest.fixture
def hearings(strata):
    """Hold-by and hearing days on 31 May (not overdue at 18:00) and 30 May (overdue)."""
    later = LAST_DAY + dt.timedelta(days=10)
    return {
        "hold_by_today": hearing_case(strata, "VIO-1-001", hold_by=LAST_DAY),
        "hold_by_yesterday": hearing_case(strata, "VIO-1-002", hold_by=DAY_BEFORE),
        "scheduled_today": hearing_case(
            strata,
            "VIO-1-003",
            hold_by=later,
            scheduled_for=dt.datetime(2026, 5, 31, 9, 0, tzinfo=VANCOUVER),
        ),
        "scheduled_yesterday": hearing_case(
            strata,
            "VIO-1-004",
            hold_by=later,
            scheduled_for=dt.datetime(2026, 5, 30, 19, 0, tzinfo=VANCOUVER),
        ),
    }


def test_case_list_overdue_counts_hold_by_and_hearing_days_in_strata_time(
    client, manager, hearings
):
    assert listed(client, manager, overdue="yes") == ["VIO-1-002", "VIO-1-004"]


def test_case_list_overdue_counts_the_response_deadline_in_strata_time(client, strata, manager):
    row_case(strata, reference="VIO-2-001", deadline=end_of_day(strata, LAST_DAY))
    row_case(strata, reference="VIO-2-002", deadline=end_of_day(strata, DAY_BEFORE))

    assert listed(client, manager, overdue="yes") == ["VIO-2-002"]


def test_digest_overdue_hearings_count_hold_by_and_hearing_days_in_strata_time(
    strata, manager, hearings
):
    (section,) = digest_items_for(manager, today=LAST_DAY)

    overdue = {h.case.reference: h.days_overdue for h in section["overdue_hearings"]}
    assert overdue == {"VIO-1-002": 1, "VIO-1-004": 0}
    assert sorted(h.case.reference for h in section["hearings"]) == ["VIO-1-001", "VIO-1-003"]


def test_digest_overdue_decisions_count_the_due_day_in_strata_time(strata, manager):
    days = dt.timedelta(days=strata.decision_deadline_days)
    answered_case(strata, "VIO-3-001", deadline_on=LAST_DAY - days)  # due 31 May
    answered_case(strata, "VIO-3-002", deadline_on=DAY_BEFORE - days)  # due 30 May

    (section,) = digest_items_for(manager, today=LAST_DAY)

    overdue = {case.reference: case.days_overdue for case in section["overdue_decisions"]}
    assert overdue == {"VIO-3-002": 1}
    assert [case.due_on for case in section["overdue_decisions"]] == [DAY_BEFORE]
    assert [case.reference for case in section["responses"]] == ["VIO-3-001"]
