"""Hearing notices (SPA ss.34.1, 61): a hearing is scheduled only on or after the day every
party would be deemed given its notice, by the same rule the hearing night checks; scheduling
again supersedes the earlier notice: its unmailed paper leaves the print queue, and a notice
that may have reached someone is followed by one that says it replaces it.

Olive (the owner) gave an email for notices; Terry (the tenant) gave none and is served on
paper. Every test starts at 10:00 in Vancouver on Wednesday November 25, 2026.
"""

import datetime as dt
import types
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from communications.models import OutboundEmail, TrackingEvent
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    deliver_emails,
    snapshot,
    written_request,
)
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import DeliveryStatus, Hearing, LetterDelivery, LetterKind, LetterTemplate

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
PRINT_QUEUE = "admin:violations_letterdelivery_changelist"
REFERENCE = "VIO-20261101-001"


def at(month: int, day: int, hour: int = 19, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VANCOUVER)


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


def tenant_case(w, status):
    """Terry is the respondent: Terry (paper) and Olive, his landlord and owner (email), are
    served."""
    return w.driver.to(w.case, status, respondent_role="tenant", respondent=w.tenant)


def schedule(w, when, location="Amenity room"):
    return services.violation_schedule_hearing(
        case=w.case, actor=w.manager, scheduled_for=when, location=location
    )


def hearing_emails(person):
    return OutboundEmail.objects.filter(kind="hearing_notice", person=person).order_by("id")


# --- scheduling: the notice must be deemed given by the hearing day ----------------------------


def test_a_hearing_before_every_party_would_be_deemed_given_the_notice_is_refused(w):
    tenant_case(w, "hearing_requested")
    before = snapshot(w.case)

    with pytest.raises(TransitionRefused) as refused:
        schedule(w, at(11, 28, 23, 59))

    assert refused.value.message_dict == {
        "scheduled_for": [
            "Olive Owner would be deemed to get the notice on November 29, 2026 (emailed "
            "today, SPA s.61(3)); Terry Tenant would be deemed to get the notice on November 29, "
            "2026 (mailed today, SPA s.61(3)); the hearing can be on November 29, 2026 at the "
            "earliest."
        ]
    }
    assert snapshot(w.case) == before
    assert Hearing.objects.get().scheduled_for is None
    assert not w.case.letters.filter(kind=LetterKind.HEARING_NOTICE).exists()


def test_an_emailed_notice_alone_still_needs_its_four_days(w):
    w.driver.to(w.case, "hearing_requested")  # Olive alone, by email
    before = snapshot(w.case)

    with pytest.raises(TransitionRefused) as refused:
        schedule(w, at(11, 26))

    assert refused.value.message_dict == {
        "scheduled_for": [
            "Olive Owner would be deemed to get the notice on November 29, 2026 (emailed "
            "today, SPA s.61(3)); the hearing can be on November 29, 2026 at the earliest."
        ]
    }
    assert snapshot(w.case) == before


def test_a_hearing_that_cannot_be_given_notice_by_its_hold_by_day_says_so(w):
    w.driver.to(w.case, "hearing_requested")  # requested November 25: held by December 23
    with (
        time_machine.travel(at(12, 21, 10), tick=False),
        pytest.raises(TransitionRefused) as refused,
    ):
        schedule(w, at(12, 23))

    assert refused.value.message_dict == {
        "scheduled_for": [
            "Olive Owner would be deemed to get the notice on December 25, 2026 (emailed "
            "today, SPA s.61(3)); the hearing can be on December 25, 2026 at the earliest. That "
            "is after December 23, 2026, the day it must be held by (SPA s.34.1): a later date "
            "needs a postponement the respondent asks for in writing."
        ]
    }


def test_a_hearing_on_the_day_the_notice_is_deemed_given_is_scheduled(w):
    tenant_case(w, "hearing_requested")

    hearing = schedule(w, at(11, 29, 0, 1))

    w.case.refresh_from_db()
    assert (w.case.status, hearing.scheduled_for) == ("hearing_scheduled", at(11, 29, 0, 1))


def test_a_hearing_scheduled_on_the_earliest_day_counts_as_held_that_night(w):
    """Scheduling and the hearing night apply one rule (rule_pack.earliest_hearing_on)."""
    tenant_case(w, "hearing_requested")
    hearing = schedule(w, at(11, 29))
    deliver_emails()  # Olive's mail server accepts it today: deemed given November 29
    terry = hearing.notice_letter.deliveries.get(person=w.tenant)
    services.violation_record_service(
        service=terry, actor=w.manager, method="mail", on_date=dt.date(2026, 11, 25)
    )

    with time_machine.travel(at(11, 29, 21), tick=False):
        services.violation_record_hearing_outcome(
            case=w.case, actor=w.manager, outcome="held", minutes="Terry explained."
        )

    w.case.refresh_from_db()
    assert w.case.status == "awaiting_decision"


def test_the_schedule_form_names_the_earliest_day(client, w):
    tenant_case(w, "hearing_requested")
    client.force_login(w.manager)

    response = client.post(
        reverse("admin:violations_violation_transition", args=[w.case.pk, "schedule_hearing"]),
        {
            "scheduled_for": "2026-11-27T19:00",
            "location": "Amenity room",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["scheduled_for"] == [
        "Olive Owner would be deemed to get the notice on November 29, 2026 (emailed today, SPA "
        "s.61(3)); Terry Tenant would be deemed to get the notice on November 29, 2026 (mailed "
        "today, SPA s.61(3)); the hearing can be on November 29, 2026 at the earliest."
    ]
    assert Hearing.objects.get().scheduled_for is None


# --- rescheduling: the earlier notice is superseded ---------------------------------------------


def test_rescheduling_to_a_day_before_the_new_notice_can_be_deemed_given_is_refused(w):
    tenant_case(w, "hearing_scheduled")  # December 2 at 10:00 a.m.
    old = w.case.hearings.get().notice_letter
    with time_machine.travel(at(12, 1, 10), tick=False):
        before = snapshot(w.case)

        with pytest.raises(TransitionRefused) as refused:
            schedule(w, at(12, 4))

        assert refused.value.message_dict["scheduled_for"][0].endswith(
            "the hearing can be on December 5, 2026 at the earliest."
        )
        assert snapshot(w.case) == before
        hearing = w.case.hearings.get()
        assert (hearing.scheduled_for, hearing.notice_letter) == (at(12, 2, 10), old)
        assert old.deliveries.get(person=w.tenant).status == DeliveryStatus.PENDING


def test_rescheduling_takes_the_unmailed_paper_notice_out_of_the_print_queue(client, w):
    tenant_case(w, "hearing_scheduled")
    old = w.case.hearings.get().notice_letter
    unmailed = old.deliveries.get(person=w.tenant)

    hearing = schedule(w, at(12, 9))

    unmailed.refresh_from_db()
    assert unmailed.status == DeliveryStatus.SUPERSEDED  # kept, never deleted
    new = hearing.notice_letter.deliveries.get(person=w.tenant)
    client.force_login(w.manager)
    listed = client.get(reverse(PRINT_QUEUE)).context["cl"].result_list
    assert [s.pk for s in listed if s.letter.kind == LetterKind.HEARING_NOTICE] == [new.pk]
    assert old.deliveries.get(person=w.owner).status == DeliveryStatus.SENT  # emailed: it was given


def test_rescheduling_after_an_emailed_notice_sends_one_email_that_says_it_replaces_it(w):
    tenant_case(w, "hearing_scheduled")  # Olive's notice of November 25 for December 2: sent
    old = w.case.hearings.get().notice_letter
    with time_machine.travel(at(11, 27, 10), tick=False):
        hearing = schedule(w, at(12, 9), location="Lobby meeting room")

    replaces = (
        "This notice replaces the notice of hearing dated November 25, 2026 for the hearing on "
        "December 2, 2026 at 10:00 a.m.: the hearing is now on December 9, 2026 at 7:00 p.m."
    )
    assert hearing.notice_letter.replaces == old
    assert f"<strong>{replaces}</strong>" in " ".join(hearing.notice_letter.html.split())
    first, second = hearing_emails(w.owner)  # exactly one new email to Olive
    assert first.subject == f"Notice of hearing {REFERENCE} — Harbour View"
    assert second.subject == f"Notice of hearing (new date) {REFERENCE} — Harbour View"
    assert f"{replaces}\n" in second.body_text
    assert not hearing_emails(w.tenant).exists()  # Terry is served on paper
    assert hearing.notice_letter.deliveries.count() == 2  # one service per party


def test_an_old_notice_email_still_in_the_outbox_is_superseded_and_never_served(w):
    tenant_case(w, "hearing_requested")
    first = schedule(w, at(12, 2)).notice_letter  # Olive's email not yet accepted
    queued = first.deliveries.get(person=w.owner)
    assert queued.status == DeliveryStatus.QUEUED

    hearing = schedule(w, at(12, 9))

    queued.refresh_from_db()
    assert queued.status == DeliveryStatus.SUPERSEDED
    # No outbox service can withdraw it: it may still go out, so the new one says it replaces it.
    assert queued.outbound_email.status == OutboundEmail.Status.QUEUED
    assert hearing.notice_letter.replaces == first
    deliver_emails()
    queued.refresh_from_db()
    new = hearing.notice_letter.deliveries.get(person=w.owner)
    assert (queued.status, new.status) == (DeliveryStatus.SUPERSEDED, DeliveryStatus.SENT)


def test_a_notice_nobody_was_given_is_replaced_without_saying_so(w):
    w.owner.email_for_notices = ""
    w.owner.save()
    tenant_case(w, "hearing_scheduled")  # both on paper, neither mailed yet
    old = w.case.hearings.get().notice_letter

    hearing = schedule(w, at(12, 9))

    assert set(old.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SUPERSEDED}
    assert hearing.notice_letter.replaces is None
    assert "replaces" not in hearing.notice_letter.html


def test_a_bounce_of_the_replaced_notice_puts_nothing_in_the_print_queue(w):
    tenant_case(w, "hearing_scheduled")
    old = w.case.hearings.get().notice_letter
    emailed = old.deliveries.get(person=w.owner)
    schedule(w, at(12, 9))
    deliver_emails()
    TrackingEvent.objects.create(
        email=emailed.outbound_email, kind="bounce", provider_event_id="evt-1", occurred_at=T0
    )

    services.violation_services_check()

    emailed.refresh_from_db()
    assert emailed.status == DeliveryStatus.BOUNCED
    assert not old.deliveries.filter(status=DeliveryStatus.PENDING).exists()


def test_the_notice_after_a_postponement_replaces_the_postponed_one(w):
    tenant_case(w, "hearing_scheduled")
    postponed = w.case.hearings.get()
    services.violation_record_hearing_outcome(
        case=w.case, actor=w.manager, outcome="postponed_by_request", consent_file=written_request()
    )

    hearing = schedule(w, at(12, 16))

    assert hearing != postponed
    assert postponed.notice_letter.deliveries.get(person=w.tenant).status == (
        DeliveryStatus.SUPERSEDED
    )
    assert hearing.notice_letter.replaces == postponed.notice_letter
    assert "the hearing is now on December 16, 2026 at 7:00 p.m." in " ".join(
        hearing.notice_letter.html.split()
    )
    pending = LetterDelivery.objects.filter(
        letter__kind="hearing_notice", status=DeliveryStatus.PENDING
    )
    assert [s.letter for s in pending] == [hearing.notice_letter]  # Terry's new notice only


def test_a_stratas_own_wording_without_the_replaces_sentence_still_carries_it(w):
    LetterTemplate.objects.create(
        strata=w.case.strata,
        kind=LetterKind.HEARING_NOTICE,
        version=1,
        body_html="<h1>Notice of hearing</h1><p>{{ hearing_when }}, {{ hearing_place }}</p>",
    )
    tenant_case(w, "hearing_scheduled")

    hearing = schedule(w, at(12, 9))

    assert hearing.notice_letter.html.startswith(
        "<p><strong>This notice replaces the notice of hearing dated November 25, 2026 for the "
        "hearing on December 2, 2026 at 10:00 a.m.: the hearing is now on December 9, 2026 at "
        "7:00 p.m.</strong></p>\n<h1>Notice of hearing</h1>"
    )
