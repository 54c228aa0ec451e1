"""The case admin (DESIGN §9): who lists and opens which case, which buttons each role gets,
the transitions posted through it, filing, letters, and query-count guards."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.strata_time import strata_today, strata_zone
from communications.models import OutboundEmail
from tests.properties.factories import OccupancyFactory, UnitFactory
from tests.violations.drive import deliver_emails
from tests.violations.factories import BylawFactory, ViolationFactory
from violations import services
from violations.models import (
    CaseParty,
    Decision,
    DeliveryStatus,
    Evidence,
    Hearing,
    Letter,
    LetterDelivery,
    PartyRole,
    Status,
    Violation,
    ViolationEvent,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:violations_violation_changelist")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def case_url(case) -> str:
    return reverse("admin:violations_violation_change", args=[case.pk])


def transition_url(case, name: str) -> str:
    return reverse("admin:violations_violation_transition", args=[case.pk, name])


def listed(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return sorted(case.reference for case in response.context["cl"].result_list)


def buttons(client, user, case) -> list[str]:
    client.force_login(user)
    response = client.get(case_url(case))
    assert response.status_code == 200
    return [button.transition.name for button in response.context["buttons"]]


def state(case) -> tuple:
    """What a refused transition must leave alone."""
    case.refresh_from_db()
    return (
        case.status,
        ViolationEvent.objects.filter(case=case).count(),
        Letter.objects.filter(case=case).count(),
        LetterDelivery.objects.filter(letter__case=case).count(),
        Decision.objects.filter(case=case).count(),
        OutboundEmail.objects.count(),
    )


@pytest.fixture
def other_case(other_unit):
    return ViolationFactory(unit=other_unit, reference="VIO-20261101-009")


def prepare_and_send(case, manager, tenant) -> Letter:
    """The notice to Terry (on paper) and Olive (by email, accepted by the mail server)."""
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="tenant", respondent=tenant
    )
    letter = services.violation_send_notice(case=case, actor=manager)
    deliver_emails()
    return letter


# --- the list -----------------------------------------------------------------------------


def test_manager_lists_own_strata_cases_only(client, case, other_case, manager):
    assert listed(client, manager) == ["VIO-20261101-001"]


def test_manager_of_another_strata_lists_none_of_ours(client, case, other_case, other_manager):
    assert listed(client, other_manager) == ["VIO-20261101-009"]


def test_recused_council_member_does_not_list_the_case(
    client, case, strata, recused_council_member
):
    ViolationFactory(
        unit=UnitFactory(strata=strata, unit_number="202"), reference="VIO-20261101-002"
    )

    assert listed(client, recused_council_member) == ["VIO-20261101-002"]


def test_strata_switcher_narrows_the_list(client, case, other_case, superuser, other_strata):
    client.force_login(superuser)
    client.post(reverse("admin:switch_strata"), {"strata": str(other_strata.uuid)})

    assert listed(client, superuser) == ["VIO-20261101-009"]


def test_list_shows_parties_served(client, case, manager, tenant):
    prepare_and_send(case, manager, tenant)
    client.force_login(manager)

    response = client.get(CHANGELIST)

    row = response.context["cl"].result_list[0]
    # Terry by mail (pending); Olive, owner and landlord, by email.
    assert (row.parties_served, row.parties_required) == (1, 2)
    assert "1/2" in response.text


def unit_person(unit):
    return OccupancyFactory(unit=unit).person


def test_overdue_filter_lists_late_decisions_and_late_hearings(client, strata, manager):
    unit = UnitFactory(strata=strata, unit_number="303")
    bylaw = BylawFactory(strata=strata)
    past, future = timezone.now() - dt.timedelta(days=1), timezone.now() + dt.timedelta(days=3)

    def make(reference, status, deadline=None, hold_by=None):
        case = ViolationFactory(
            unit=unit,
            bylaws=[bylaw],
            reference=reference,
            status=status,
            response_deadline=deadline,
        )
        if hold_by is not None:
            party = CaseParty.objects.create(
                case=case, person=unit_person(unit), role=PartyRole.RESPONDENT
            )
            Hearing.objects.create(
                case=case,
                requested_by=party,
                requested_on=hold_by - dt.timedelta(days=28),
                reason="I was away.",
                hold_by=hold_by,
            )
        return case

    today = strata_today(strata)
    make("VIO-1-001", Status.NOTICE_SENT, deadline=past)
    make("VIO-1-002", Status.NOTICE_SENT, deadline=future)
    make("VIO-1-003", Status.HEARING_REQUESTED, deadline=future, hold_by=today - dt.timedelta(1))
    make("VIO-1-004", Status.HEARING_REQUESTED, deadline=future, hold_by=today + dt.timedelta(5))
    make("VIO-1-005", Status.DECIDED_UPHELD, deadline=past)
    make("VIO-1-006", Status.WITHDRAWN, deadline=past)

    assert listed(client, manager, overdue="yes") == ["VIO-1-001", "VIO-1-003"]


def test_unserved_filter_lists_notices_not_yet_served_on_every_party(
    client, case, strata, manager, tenant
):
    prepare_and_send(case, manager, tenant)  # the owner by email; tenant and landlord by mail
    served = ViolationFactory(unit=case.unit, reference="VIO-20261101-002")
    services.violation_prepare_notice(case=served, actor=manager, respondent_role="owners")
    services.violation_send_notice(case=served, actor=manager)  # the owner only, by email
    deliver_emails()
    pending = ViolationFactory(unit=case.unit, reference="VIO-20261101-003")
    services.violation_prepare_notice(
        case=pending, actor=manager, respondent_role="tenant", respondent=tenant
    )  # prepared, not sent: nothing to serve yet

    assert listed(client, manager, unserved="yes") == ["VIO-20261101-001"]

    for service in LetterDelivery.objects.filter(letter__case=case, status=DeliveryStatus.PENDING):
        services.violation_record_service(
            service=service, actor=manager, method="hand_person", on_date=strata_today(strata)
        )
    assert listed(client, manager, unserved="yes") == []


# --- the case page ------------------------------------------------------------------------


REVIEW = ["add_complaint", "reject", "warn", "prepare_notice", "withdraw"]


def test_manager_and_council_get_the_review_buttons_of_a_reported_case(
    client, case, manager, council_member
):
    assert buttons(client, manager, case) == REVIEW
    assert buttons(client, council_member, case) == REVIEW


def test_caretaker_reads_the_case_but_gets_no_review_buttons(client, case, caretaker):
    client.force_login(caretaker)

    response = client.get(case_url(case))

    assert response.status_code == 200
    assert [b.transition.name for b in response.context["buttons"]] == ["add_complaint"]
    assert "A neighbour" in response.text  # staff see complainants
    assert 'name="_save"' not in response.text


def test_recused_council_member_cannot_open_the_case(client, case, recused_council_member):
    client.force_login(recused_council_member)

    response = client.get(case_url(case))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(transition_url(case, "reject")).status_code == 404


def test_other_strata_manager_cannot_open_the_case(client, case, other_manager):
    client.force_login(other_manager)

    assert client.get(case_url(case)).status_code == 302
    assert client.get(transition_url(case, "reject")).status_code == 404


def test_approve_is_offered_to_council_where_approvals_are_required(
    client, case, strata, manager, council_member, tenant
):
    strata.notice_approvals_required = 1
    strata.save()
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="tenant", respondent=tenant
    )

    assert "approve_notice" in buttons(client, council_member, case)
    assert "approve_notice" not in buttons(client, manager, case)
    assert client.get(transition_url(case, "approve_notice")).status_code == 403


def test_approve_is_not_offered_where_the_manager_sends(
    client, case, manager, council_member, tenant
):
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="tenant", respondent=tenant
    )

    assert buttons(client, council_member, case) == [
        "add_complaint",
        "prepare_notice",
        "send_notice",
        "withdraw",
    ]


def test_transition_not_allowed_now_is_forbidden(client, case, manager, caretaker):
    client.force_login(caretaker)
    assert client.get(transition_url(case, "reject")).status_code == 403
    before = state(case)

    assert client.post(transition_url(case, "reject"), {"reason": "No."}).status_code == 403
    client.force_login(manager)
    assert client.get(transition_url(case, "send_notice")).status_code == 403  # nothing prepared
    assert client.get(transition_url(case, "report")).status_code == 404
    assert state(case) == before


def test_case_page_shows_the_record(client, case, manager, tenant):
    prepare_and_send(case, manager, tenant)
    client.force_login(manager)

    response = client.get(case_url(case))

    text = response.text
    assert [e.kind for e in response.context["events"]] == ["prepare_notice", "send_notice"]
    assert [
        (r.party.person.full_name, r.party.role, [(s.method, s.status) for s in r.services])
        for r in response.context["parties"]
    ] == [
        ("Olive Owner", "owner", [("email", "sent")]),
        ("Terry Tenant", "respondent", [("mail", "pending")]),
    ]
    assert "olive.notices@example.test" in text
    assert [e.to_address for e in response.context["emails"]] == ["olive.notices@example.test"]
    notice = response.context["letters"][0]
    assert notice.pdf_url.endswith("/pdf/")
    assert "Notice prepared → Notice sent" in text


# --- transitions through the admin ----------------------------------------------------------


def test_prepare_send_and_record_service_through_the_admin(
    client, case, strata, manager, tenant, owner_for_notices
):
    client.force_login(manager)

    response = client.post(
        transition_url(case, "prepare_notice"),
        {"respondent_role": "tenant", "respondent": tenant.pk},
    )
    assert response.status_code == 302
    assert response.url == case_url(case)
    case.refresh_from_db()
    assert case.status == Status.NOTICE_PENDING_APPROVAL

    page = client.get(transition_url(case, "send_notice"))
    plan = [(row["party"].person.full_name, row["method"]) for row in page.context["serve_plan"]]
    assert sorted(plan) == [
        ("Olive Owner", "Email"),
        ("Terry Tenant", "Mail"),
    ]
    # The draft's frame runs no scripts (never allow-scripts beside allow-same-origin).
    assert 'sandbox="allow-same-origin"' in page.text
    assert "allow-scripts" not in page.text

    response = client.post(transition_url(case, "send_notice"), {"confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.NOTICE_SENT
    messages = [str(m) for m in client.get(case_url(case)).context["messages"]]
    assert messages == ["Send the notice: done. VIO-20261101-001 is now “Notice sent”."]
    assert OutboundEmail.objects.filter(about=case.uuid).count() == 1
    deliver_emails()  # the outbox worker: Olive is served by email today

    pending = LetterDelivery.objects.get(letter__case=case, status=DeliveryStatus.PENDING)
    today = strata_today(strata)
    response = client.post(
        transition_url(case, "record_service"),
        {"service": pending.pk, "method": "mail", "on_date": today.isoformat()},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.deemed_given_on) == ("sent", today + dt.timedelta(days=4))
    case.refresh_from_db()
    # Both parties served: deemed given 4 days after today's mailing, then the 14-day window,
    # to the end of that day in the strata's zone.
    assert case.response_deadline == dt.datetime.combine(
        today + dt.timedelta(days=4 + 14), dt.time.max, tzinfo=strata_zone(strata)
    )


def test_prepare_again_with_an_edited_draft_keeps_the_edit(client, case, manager, tenant):
    client.force_login(manager)
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="tenant", respondent=tenant
    )
    draft = case.letters.get()
    page = client.get(transition_url(case, "prepare_notice"))
    assert page.context["form"]["html"].value() == draft.html

    edited = draft.html + "<p>Please keep the music down.</p>"
    response = client.post(
        transition_url(case, "prepare_notice"),
        {"respondent_role": "tenant", "respondent": tenant.pk, "html": edited},
    )

    assert response.status_code == 302
    latest = case.letters.order_by("-id").first()
    assert (latest.edited, "Please keep the music down." in latest.html) == (True, True)


def test_warning_letter_preview_then_send(client, case, manager, owner_for_notices):
    client.force_login(manager)

    preview = client.post(
        transition_url(case, "warn"), {"respondent_role": "owners", "_preview": "1"}
    )

    assert preview.status_code == 200
    assert "Olive Owner" in preview.context["form"]["html"].value()
    assert 'sandbox="allow-same-origin"' in preview.text
    assert "allow-scripts" not in preview.text
    assert case.letters.exists() is False

    response = client.post(
        transition_url(case, "warn"),
        {"respondent_role": "owners", "html": preview.context["form"]["html"].value()},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.WARNED
    assert case.letters.get().edited is False


def test_record_decision_refused_by_the_guard_shows_why_and_changes_nothing(
    client, case, strata, manager, council_member, second_council_member, tenant
):
    prepare_and_send(case, manager, tenant)  # the tenant and landlord are not served yet
    client.force_login(council_member)

    page = client.get(case_url(case))
    button = next(b for b in page.context["buttons"] if b.transition.name == "record_decision")
    assert button.refusal.startswith("The notice has not been served on Terry Tenant")
    assert f'href="{transition_url(case, "record_decision")}"' not in page.text  # not a link
    before = state(case)

    response = client.post(
        transition_url(case, "record_decision"),
        {
            "meeting_on": strata_today(strata).isoformat(),
            "members_present": [council_member.pk, second_council_member.pk],
            "motion": "That the fine be imposed.",
            "votes_for": 2,
            "votes_against": 0,
            "votes_abstaining": 0,
            "outcome": "upheld_fine",
            "reasons": "Two neighbours' reports.",
            "fine_amount": "50.00",
        },
    )

    assert response.status_code == 200
    assert (
        response.context["form"]
        .non_field_errors()[0]
        .startswith("The notice has not been served on Terry Tenant")
    )
    assert state(case) == before


def test_refused_service_date_is_shown_on_the_field_and_changes_nothing(
    client, case, strata, manager, tenant
):
    prepare_and_send(case, manager, tenant)
    client.force_login(manager)
    pending = LetterDelivery.objects.filter(
        letter__case=case, status=DeliveryStatus.PENDING
    ).first()
    before = state(case)

    response = client.post(
        transition_url(case, "record_service"),
        {
            "service": pending.pk,
            "method": "mail",
            "on_date": (strata_today(strata) + dt.timedelta(days=2)).isoformat(),
        },
    )

    assert response.status_code == 200
    today = strata_today(strata)
    later = today + dt.timedelta(days=2)
    assert response.context["form"].errors["on_date"] == [
        f"The service cannot be recorded on {later.day} {later:%b %Y}, after today "
        f"({today.day} {today:%b %Y})."
    ]
    assert state(case) == before


def test_reject_through_the_admin(client, case, council_member):
    client.force_login(council_member)

    empty = client.post(transition_url(case, "reject"), {"reason": ""})
    assert empty.status_code == 200
    assert empty.context["form"].errors == {"reason": ["This field is required."]}

    response = client.post(transition_url(case, "reject"), {"reason": "Not a bylaw matter."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.REJECTED
    assert case.events.get(kind="reject").text == "Not a bylaw matter."
    assert client.get(transition_url(case, "reject")).status_code == 403


def test_record_decision_through_the_admin(
    client, case, strata, manager, council_member, second_council_member, owner_for_notices
):
    services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")
    services.violation_send_notice(case=case, actor=manager)
    deliver_emails()
    case.refresh_from_db()

    with time_machine.travel(case.response_deadline + dt.timedelta(minutes=1)):
        client.force_login(manager)
        response = client.post(
            transition_url(case, "record_decision"),
            {
                "meeting_on": strata_today(strata).isoformat(),
                "members_present": [council_member.pk, second_council_member.pk],
                "motion": "That a fine of $50 be imposed.",
                "votes_for": 2,
                "votes_against": 0,
                "votes_abstaining": 0,
                "outcome": "upheld_fine",
                "reasons": "Two neighbours' reports.",
                "fine_amount": "50.00",
            },
        )

    assert response.status_code == 302
    decision = Decision.objects.get(case=case)
    assert (decision.fine_amount, decision.recorded_by) == (Decimal("50.00"), manager)
    assert case.charges.get().amount == Decimal("50.00")


# --- filing ----------------------------------------------------------------------------------


def report_data(unit, bylaw, **extra) -> dict:
    return {
        "unit": unit.pk,
        "bylaws": [bylaw.pk],
        "incident_on": "2026-01-10",
        "incident_time": "23:30",
        "incident_place": "Balcony",
        "description": "Loud music past midnight.",
        "channel": "phone",
        "received_on": "2026-01-11",
        "complainant_name": "Neighbour in 102",
        "disclosure_warned": "on",
        **extra,
    }


def test_caretaker_files_a_case(client, unit, noise_bylaw, caretaker):
    client.force_login(caretaker)
    assert client.get(reverse("admin:violations_violation_add")).status_code == 200
    units = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "violations", "model_name": "violation", "field_name": "unit", "term": "1"},
    )
    assert [row["text"] for row in units.json()["results"]] == ["Unit 101"]

    response = client.post(
        reverse("admin:violations_violation_add"), report_data(unit, noise_bylaw)
    )

    case = Violation.objects.get()
    assert response.status_code == 302
    assert response.url == case_url(case)
    assert [b.number for b in case.bylaws.all()] == ["3.1"]
    complaint = case.complaints.get()
    assert (complaint.complainant_name, complaint.disclosure_warned) == ("Neighbour in 102", True)


def test_filing_offers_the_open_case_of_the_same_unit_and_bylaw(
    client, case, unit, noise_bylaw, manager
):
    client.force_login(manager)
    url = reverse("admin:violations_violation_add")

    offered = client.post(url, report_data(unit, noise_bylaw))

    assert offered.status_code == 200
    assert [c.reference for c in offered.context["form"].open_cases] == ["VIO-20261101-001"]
    assert "Add this complaint to VIO-20261101-001" in offered.text
    assert Violation.objects.count() == 1

    response = client.post(url, report_data(unit, noise_bylaw, file_as=str(case.uuid)))

    assert response.status_code == 302
    assert response.url == case_url(case)
    assert Violation.objects.count() == 1
    assert case.complaints.count() == 2
    assert case.events.get().kind == "add_complaint"

    client.post(url, report_data(unit, noise_bylaw, file_as="new"))
    assert Violation.objects.count() == 2


def test_filing_refuses_a_bylaw_of_another_strata(client, unit, other_strata, manager):
    client.force_login(manager)
    foreign = BylawFactory(strata=other_strata)

    response = client.post(reverse("admin:violations_violation_add"), report_data(unit, foreign))

    assert response.status_code == 200
    assert "bylaws" in response.context["form"].errors
    assert Violation.objects.exists() is False


# --- letters ---------------------------------------------------------------------------------


def test_letter_pdf_is_an_attachment_with_nosniff(client, case, manager, tenant):
    notice = prepare_and_send(case, manager, tenant)
    client.force_login(manager)

    response = client.get(
        reverse("admin:violations_violation_letter_pdf", args=[case.pk, notice.uuid])
    )

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    page = client.get(reverse("admin:violations_violation_letter", args=[case.pk, notice.uuid]))
    assert '<iframe class="email-html letter-frame" sandbox="allow-same-origin"' in page.text
    assert "allow-scripts" not in page.text


def test_letters_are_not_served_to_staff_who_cannot_see_the_case(
    client, case, manager, tenant, recused_council_member, other_manager
):
    notice = prepare_and_send(case, manager, tenant)
    url = reverse("admin:violations_violation_letter_pdf", args=[case.pk, notice.uuid])

    for user in (recused_council_member, other_manager):
        client.force_login(user)
        assert client.get(url).status_code == 404


# --- query counts -----------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_changelist_queries_do_not_grow_with_cases(
    client, strata, manager, noise_bylaw, tenant, django_assert_num_queries
):
    def add_cases(n):
        for _ in range(n):
            unit = UnitFactory(strata=strata, unit_number=f"C{Violation.objects.count()}")
            case = ViolationFactory(unit=unit, bylaws=[noise_bylaw])
            CaseParty.objects.create(case=case, person=tenant, role=PartyRole.RESPONDENT)

    add_cases(10)
    client.force_login(manager)
    client.get(CHANGELIST)  # warm process-wide caches
    few = count_queries(client, CHANGELIST)

    add_cases(190)
    with django_assert_num_queries(few):
        response = client.get(CHANGELIST, {"status__exact": "reported"})

    assert len(response.context["cl"].result_list) == 100  # one page of 200
    assert response.text.count("0/1") == 100


def test_case_page_queries_do_not_grow_with_events_and_evidence(
    client, case, manager, tenant, settings, tmp_path, django_assert_num_queries
):
    settings.MEDIA_ROOT = str(tmp_path)
    prepare_and_send(case, manager, tenant)  # letters, services, emails

    def add(events, files):
        for i in range(events):
            ViolationEvent.objects.create(case=case, actor=manager, kind="note", text=f"Note {i}")
        for i in range(files):
            Evidence.objects.create(
                case=case,
                original=ContentFile(b"\xff\xd8\xff\xe0 photo", name=f"photo{i}.jpg"),
                resident_copy=ContentFile(b"\xff\xd8\xff\xe0 copy", name=f"copy{i}.jpg"),
                original_name=f"photo{i}.jpg",
                size=12,
                kind=Evidence.Kind.IMAGE,
                content_type="image/jpeg",
                sha256="0" * 64,
                source=Evidence.Source.STAFF,
                uploaded_by=manager,
            )

    add(events=1, files=1)  # with the two transitions' events: 3
    client.force_login(manager)
    url = case_url(case)
    client.get(url)  # warm process-wide caches
    few = count_queries(client, url)

    add(events=27, files=9)
    with django_assert_num_queries(few):
        response = client.get(url)

    assert len(response.context["events"]) == 30
    assert len(response.context["evidence"]) == 10
    assert response.text.count('class="thumbnail"') == 10


# --- evidence from the case page -----------------------------------------------------------


def evidence_url(case) -> str:
    return reverse("admin:violations_violation_evidence_add", args=[case.pk])


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("role", ["caretaker", "manager"])
def test_staff_add_evidence_from_the_case_page(client, case, role, request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(case_url(case))
    assert evidence_url(case) in page.text

    response = client.post(
        evidence_url(case),
        {
            "files": [
                SimpleUploadedFile("balcony.jpg", jpeg_bytes()),
                SimpleUploadedFile("noise.jpg", jpeg_bytes()),
            ],
            "source": "staff",
            "description": "Taken from the courtyard",
        },
    )

    assert response.status_code == 302
    assert sorted(case.evidence.values_list("original_name", "uploaded_by", "description")) == [
        ("balcony.jpg", user.pk, "Taken from the courtyard"),
        ("noise.jpg", user.pk, "Taken from the courtyard"),
    ]


def test_a_refused_upload_shows_why_and_stores_nothing(client, case, manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(manager)

    response = client.post(
        evidence_url(case),
        {
            "files": [SimpleUploadedFile("holiday.jpg", b"MZ\x90\x00" + b"\x00" * 200)],
            "source": "staff",
        },
    )

    assert response.status_code == 200
    assert "holiday.jpg is not an image" in response.text
    assert not case.evidence.exists()
    assert list(tmp_path.rglob("*.*")) == []


def test_recused_member_cannot_reach_the_upload(client, case, recused_council_member):
    client.force_login(recused_council_member)
    assert client.get(evidence_url(case)).status_code == 404
