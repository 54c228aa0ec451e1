"""Response-deadline reminders (DESIGN §6 "Reminders stop once a party has responded").

The notice goes out through the services at 10:00 in Vancouver on November 25, 2026: deemed
given November 29, so the deadline is the end of December 13 (strata time), and with the
default three lead days the reminder is due from December 10.
"""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.strata_time import end_of_day
from communications.models import OutboundEmail
from properties.models import Occupancy
from tests.properties.factories import OccupancyFactory, PersonFactory
from tests.violations.drive import T0, Driver
from violations import services
from violations.models import CaseParty, PartyRole
from violations.services.reminders import deadline_reminders_send

pytestmark = pytest.mark.django_db

DEC_10_MORNING = dt.datetime(2026, 12, 10, 17, 0, tzinfo=dt.UTC)  # 09:00 in Vancouver
DEC_9_EVENING = dt.datetime(2026, 12, 10, 7, 0, tzinfo=dt.UTC)  # 23:00 on the 9th


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def co_owner(unit):
    person = PersonFactory(
        strata=unit.strata,
        full_name="Oscar Coowner",
        email_for_notices="oscar.notices@example.test",
        email_for_notices_given_on=dt.date(2024, 1, 10),
    )
    OccupancyFactory(unit=unit, person=person, role=Occupancy.Role.OWNER)
    return person


@pytest.fixture
def owners_notice(case, manager, owner_for_notices, co_owner):
    """Olive and Oscar, the owners, are the respondents, both served by email."""
    Driver(manager).to(case, "notice_sent")
    assert case.response_deadline == end_of_day(case.strata, dt.date(2026, 12, 13))
    return case


def reminders() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind="reminder").order_by("to_address"))


def test_reminder_goes_once_to_each_party_who_has_not_answered(
    owners_notice, manager, owner_for_notices, co_owner, clock
):
    olive = owners_notice.parties.get(person=owner_for_notices)
    services.violation_record_response(
        case=owners_notice,
        actor=manager,
        party=olive,
        text="It will not happen again.",
        channel="letter",
        received_at=timezone.now(),
    )

    clock.move_to(DEC_9_EVENING)
    assert deadline_reminders_send() == 0
    clock.move_to(DEC_10_MORNING)
    assert deadline_reminders_send() == 1
    assert deadline_reminders_send() == 0
    clock.move_to(DEC_10_MORNING + dt.timedelta(days=3))  # 09:00 on the deadline day
    assert deadline_reminders_send() == 0

    (email,) = reminders()
    assert email.to_address == "oscar.notices@example.test"
    assert email.dedup_key == (
        f"violation:{owners_notice.uuid}:reminder:{co_owner.uuid}:2026-12-13"
    )
    assert (email.person, email.strata, email.about) == (
        co_owner,
        owners_notice.strata,
        owners_notice.uuid,
    )
    assert email.subject == (
        "Reminder: your answer to Harbour View about VIO-20261101-001 is due by "
        "Sunday, December 13, 2026"
    )
    assert "Dear Oscar Coowner," in email.body_text
    assert "until the end of Sunday, December 13, 2026" in email.body_text
    assert "Reply by email to council@example.test" in email.body_text


def test_no_reminder_after_the_deadline(owners_notice, clock):
    clock.move_to(dt.datetime(2026, 12, 14, 8, 0, tzinfo=dt.UTC))  # 00:00 on the 14th

    assert deadline_reminders_send() == 0
    assert reminders() == []


def test_no_reminder_to_a_party_without_an_email_for_notices(
    case, manager, tenant, owner_for_notices, clock
):
    """Terry, the tenant respondent, gave no email for notices: his notice was mailed. Olive,
    owner and landlord, gave one and is reminded."""
    Driver(manager).to(case, "notice_sent", respondent_role="tenant", respondent=tenant)
    paper = case.letters.get(kind="notice").deliveries.get(person=tenant)
    services.violation_record_service(
        service=paper, actor=manager, method="mail", on_date=dt.date(2026, 11, 25)
    )
    clock.move_to(DEC_10_MORNING)

    assert deadline_reminders_send() == 1

    assert [e.to_address for e in reminders()] == ["olive.notices@example.test"]


def test_no_reminder_to_a_party_who_asked_for_a_hearing(owners_notice, manager, co_owner, clock):
    services.violation_receive_hearing_request(
        case=owners_notice,
        actor=manager,
        party=owners_notice.parties.get(person=co_owner),
        reason="I want to explain in person.",
        requested_on=dt.date(2026, 11, 25),
    )
    clock.move_to(DEC_10_MORNING)

    assert deadline_reminders_send() == 1

    assert [e.to_address for e in reminders()] == ["olive.notices@example.test"]


def test_the_strata_lead_days_decide_when_the_reminder_is_due(owners_notice, clock):
    owners_notice.strata.reminder_lead_days = 0
    owners_notice.strata.save(update_fields=["reminder_lead_days"])

    clock.move_to(dt.datetime(2026, 12, 13, 7, 0, tzinfo=dt.UTC))  # 23:00 on the 12th
    assert deadline_reminders_send() == 0
    clock.move_to(dt.datetime(2026, 12, 13, 17, 0, tzinfo=dt.UTC))  # 09:00 on the 13th
    assert deadline_reminders_send() == 2


def test_command_sends_the_reminders_due(owners_notice, clock, capsys):
    clock.move_to(DEC_10_MORNING)

    call_command("send_deadline_reminders")
    call_command("send_deadline_reminders")

    assert capsys.readouterr().out == "Reminders queued: 2.\nReminders queued: 0.\n"
    parties = CaseParty.objects.filter(case=owners_notice, role=PartyRole.RESPONDENT)
    assert {e.person_id for e in reminders()} == {p.person_id for p in parties}


def test_the_task_sends_the_reminders_due(owners_notice, clock):
    from violations.tasks import send_deadline_reminders_task

    clock.move_to(DEC_10_MORNING)

    assert send_deadline_reminders_task.delay().get() == 2
