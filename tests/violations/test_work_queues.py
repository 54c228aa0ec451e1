"""The print queue, the "cases awaiting council" page and the dashboard's cases panel
(DESIGN §6 "Who is served", §9).

Cases that go through the workflow are built with the services (a notice to Terry, who gave no
email for notices, and Olive, who did); the many rows of the query-count guards are built
directly, as the workflow would leave them.
"""

import datetime as dt
import io
import itertools
import zipfile

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import StrataMembership
from accounts.strata_time import end_of_day, strata_today, strata_zone
from tests.accounts.factories import MembershipFactory
from tests.properties.factories import PersonFactory, UnitFactory
from tests.violations.drive import deliver_emails
from tests.violations.factories import ViolationFactory
from violations import services as sv
from violations.domain import rule_pack
from violations.models import (
    CaseParty,
    DeliveryMethod,
    DeliveryStatus,
    Hearing,
    Letter,
    LetterDelivery,
    LetterKind,
    NoticeApproval,
    PartyRole,
    Response,
    Status,
    Violation,
    ViolationEvent,
)
from violations.selectors.cases import DECISION_STATUSES, cases_awaiting_council_for
from violations.selectors.guards import decision_refusal

pytestmark = pytest.mark.django_db

PRINT_QUEUE = "admin:violations_letterdelivery_changelist"
AWAITING = "admin:cases_awaiting_council"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- building cases ---------------------------------------------------------------------------


def notice_sent(case, manager, tenant) -> Letter:
    """Through the services: Olive is emailed, Terry's copy waits in the print queue."""
    sv.violation_prepare_notice(
        case=case, actor=manager, respondent_role="tenant", respondent=tenant
    )
    return sv.violation_send_notice(case=case, actor=manager)


_numbers = itertools.count(1)


def new_unit(strata):
    """A unit and case reference no fixture uses (unit 101 and VIO-20261101-001 are taken)."""
    n = next(_numbers)
    return UnitFactory(strata=strata, unit_number=f"Q{n:04d}", strata_lot_number=1000 + n)


def new_reference() -> str:
    return f"VIO-20261101-{500 + next(_numbers):04d}"


def pdf_bytes(label: str) -> bytes:
    return f"%PDF-1.7\n% {label}\n%%EOF\n".encode()


def row_case(
    strata,
    *,
    status=Status.NOTICE_SENT,
    served=True,
    deadline=None,
    unit=None,
    reference=None,
    person_name=None,
) -> Violation:
    """A case as the workflow leaves it after the notice: one required respondent and the
    issued notice's service on them (sent, or pending in the print queue)."""
    case = ViolationFactory(
        unit=unit or new_unit(strata),
        status=status,
        response_deadline=deadline,
        reference=reference or new_reference(),
    )
    unit = case.unit
    person = PersonFactory(strata=strata, **({"full_name": person_name} if person_name else {}))
    party = CaseParty.objects.create(case=case, person=person, role=PartyRole.RESPONDENT)
    letter = Letter.objects.create(
        case=case,
        kind=LetterKind.NOTICE,
        html="<p>Notice</p>",
        pdf=ContentFile(pdf_bytes(case.reference), name=f"{case.reference}-notice.pdf"),
        issued_at=timezone.now(),
    )
    LetterDelivery.objects.create(
        letter=letter,
        party=party,
        person=person,
        method=DeliveryMethod.MAIL,
        address=f"{unit}, 1 Main Street",
        status=DeliveryStatus.SENT if served else DeliveryStatus.PENDING,
        sent_at=timezone.now() if served else None,
        deemed_given_on=strata_today(strata) if served else None,
    )
    return case


def past(days=1):
    return timezone.now() - dt.timedelta(days=days)


def future(days=10):
    return timezone.now() + dt.timedelta(days=days)


def pending_case(strata, approvals_by=(), reference=None) -> Violation:
    """A prepared notice waiting for council's approval."""
    case = ViolationFactory(
        unit=new_unit(strata),
        reference=reference or new_reference(),
        status=Status.NOTICE_PENDING_APPROVAL,
    )
    draft = Letter.objects.create(case=case, kind=LetterKind.NOTICE, html="<p>Draft</p>")
    for member in approvals_by:
        NoticeApproval.objects.create(letter=draft, approver=member)
    return case


def hearing_case(strata, *, requested_on, unit=None) -> tuple[Violation, Hearing]:
    case = row_case(strata, status=Status.HEARING_REQUESTED, deadline=future(), unit=unit)
    hearing = Hearing.objects.create(
        case=case,
        requested_by=case.parties.get(),
        requested_on=requested_on,
        reason="I want to explain.",
        hold_by=rule_pack.hearing_hold_by(strata, requested_on),
    )
    return case, hearing


def post_action(client, action, services, **data):
    return client.post(
        reverse(PRINT_QUEUE),
        {"action": action, "_selected_action": [s.pk for s in services], "index": 0, **data},
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the print queue --------------------------------------------------------------------------


def test_print_queue_lists_exactly_the_pending_mail_services_of_the_users_stratas(
    client, case, manager, tenant, owner_for_notices, strata, other_strata, other_manager
):
    letter = notice_sent(case, manager, tenant)
    terry = letter.deliveries.get(person=tenant)
    other = row_case(other_strata, served=False, person_name="Otto Outsider")
    hand = row_case(strata, served=False, person_name="Hanna Hand")
    hand.letters.get().deliveries.update(method=DeliveryMethod.HAND_PERSON)
    row_case(strata, served=True, person_name="Sam Sent")

    client.force_login(manager)
    response = client.get(reverse(PRINT_QUEUE))

    assert response.status_code == 200
    assert [s.pk for s in response.context["cl"].result_list] == [terry.pk]
    assert "Terry Tenant" in response.text
    assert terry.address.splitlines()[0] in response.text
    assert reverse("admin:violations_violation_change", args=[case.pk]) in response.text
    assert "Olive Owner" not in response.text  # served by email
    assert "Otto Outsider" not in response.text
    assert response.context["title"] == "Print queue"

    client.force_login(other_manager)
    response = client.get(reverse(PRINT_QUEUE))
    assert [s.pk for s in response.context["cl"].result_list] == [
        other.letters.get().deliveries.get().pk
    ]
    assert "Terry Tenant" not in response.text


def test_print_queue_is_oldest_first_and_follows_the_strata_switcher(
    client, strata, other_strata, superuser
):
    first = row_case(strata, served=False)
    second = row_case(other_strata, served=False)
    third = row_case(strata, served=False)
    client.force_login(superuser)

    response = client.get(reverse(PRINT_QUEUE))
    expected = [c.letters.get().deliveries.get().pk for c in (first, second, third)]
    assert [s.pk for s in response.context["cl"].result_list] == expected

    client.post(reverse("admin:switch_strata"), {"strata": str(strata.uuid)})
    response = client.get(reverse(PRINT_QUEUE))
    assert [s.pk for s in response.context["cl"].result_list] == [expected[0], expected[2]]

    response = client.get(reverse(PRINT_QUEUE), {"letter__kind__exact": "warning"})
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("anonymous", "login"),
        ("caretaker", "403"),
        ("council_member", "own"),
        ("recused_council_member", "none"),
        ("manager", "own"),
        ("other_manager", "other"),
        ("superuser", "both"),
    ],
)
def test_print_queue_answers_each_role(client, request, strata, other_strata, unit, role, outcome):
    own = row_case(strata, served=False, unit=unit, person_name="Owen Own")  # unit 101
    other = row_case(other_strata, served=False, person_name="Otto Other")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))

    response = client.get(reverse(PRINT_QUEUE))

    if outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        return
    if outcome == "403":
        assert response.status_code == 403
        assert "Owen Own" not in response.text
        return
    expected = {
        "own": [own],
        "other": [other],
        "both": [own, other],
        "none": [],
    }[outcome]
    assert response.status_code == 200
    assert [s.pk for s in response.context["cl"].result_list] == [
        c.letters.get().deliveries.get().pk for c in expected
    ]
    assert ("Owen Own" in response.text) is (own in expected)
    assert ("Otto Other" in response.text) is (other in expected)


def test_caretaker_cannot_open_the_print_queue(client, strata, caretaker):
    row_case(strata, served=False, person_name="Paper Person")
    client.force_login(caretaker)

    response = client.get(reverse(PRINT_QUEUE))

    assert response.status_code == 403
    assert "Paper Person" not in response.text


def test_recused_member_does_not_see_that_cases_letters(
    client, case, manager, tenant, owner_for_notices, strata, recused_council_member
):
    notice_sent(case, manager, tenant)  # unit 101, where the member lives
    elsewhere = row_case(strata, served=False, person_name="Nora Neighbour")
    client.force_login(recused_council_member)

    response = client.get(reverse(PRINT_QUEUE))

    assert response.status_code == 200
    assert [s.pk for s in response.context["cl"].result_list] == [
        elsewhere.letters.get().deliveries.get().pk
    ]
    assert "Terry Tenant" not in response.text


def test_print_queue_offers_only_its_two_actions_and_no_add_or_delete(client, strata, manager):
    row_case(strata, served=False)
    client.force_login(manager)

    response = client.get(reverse(PRINT_QUEUE))

    choices = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert choices == ["", "download_pdfs", "record_as_mailed"]
    assert response.context["has_add_permission"] is False
    service = LetterDelivery.objects.get()
    url = reverse("admin:violations_letterdelivery_delete", args=[service.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert LetterDelivery.objects.filter(pk=service.pk).exists()


def test_record_as_mailed_serves_the_party_and_moves_the_deadline(
    client, case, manager, tenant, owner_for_notices, strata
):
    with time_machine.travel(dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)):
        letter = notice_sent(case, manager, tenant)
        deliver_emails()  # Olive's copy reaches the mail server
    terry = letter.deliveries.get(person=tenant)
    case.refresh_from_db()
    assert case.response_deadline is None  # Terry is not served yet
    mailed_on = dt.date(2026, 11, 27)

    with time_machine.travel(dt.datetime(2026, 11, 28, 18, 0, tzinfo=dt.UTC)):
        client.force_login(manager)
        response = post_action(client, "record_as_mailed", [terry], mailed_on="2026-11-27")

    assert response.status_code == 302
    assert messages_of(response) == ["Recorded 1 letter as mailed on 2026-11-27."]
    terry.refresh_from_db()
    assert (terry.status, terry.method, terry.recorded_by) == ("sent", "mail", manager)
    assert terry.deemed_given_on == mailed_on + dt.timedelta(days=4)
    assert terry.sent_at == dt.datetime.combine(mailed_on, dt.time(12), tzinfo=strata_zone(strata))
    case.refresh_from_db()
    assert case.response_deadline == end_of_day(
        strata, dt.date(2026, 12, 1) + dt.timedelta(days=strata.response_window_days)
    )
    assert case.events.filter(kind="record_service").count() == 1


def test_record_as_mailed_with_no_date_records_today_in_strata_time(
    client, case, manager, tenant, owner_for_notices, strata
):
    # 02:00 UTC on the 26th is still the 25th in Vancouver.
    with time_machine.travel(dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)):
        letter = notice_sent(case, manager, tenant)
        terry = letter.deliveries.get(person=tenant)
        client.force_login(manager)
        response = post_action(client, "record_as_mailed", [terry], mailed_on="")

    assert messages_of(response) == ["Recorded 1 letter as mailed today."]
    terry.refresh_from_db()
    assert terry.deemed_given_on == dt.date(2026, 11, 29)


def test_a_future_mailing_date_is_refused_and_nothing_changes(
    client, case, manager, tenant, owner_for_notices, strata
):
    letter = notice_sent(case, manager, tenant)
    terry = letter.deliveries.get(person=tenant)
    events = ViolationEvent.objects.count()
    tomorrow = strata_today(strata) + dt.timedelta(days=1)
    client.force_login(manager)

    response = post_action(client, "record_as_mailed", [terry], mailed_on=tomorrow.isoformat())

    assert messages_of(response) == [
        f"The mailing date {tomorrow} is in the future in Harbour View; nothing was recorded."
    ]
    terry.refresh_from_db()
    assert (terry.status, terry.deemed_given_on, terry.sent_at) == ("pending", None, None)
    assert ViolationEvent.objects.count() == events
    case.refresh_from_db()
    assert case.response_deadline is None


def test_record_as_mailed_reports_each_refusal_and_records_the_rest(client, strata, manager):
    good = row_case(strata, served=False, person_name="Gail Good")
    later = row_case(strata, served=False, person_name="Lena Later")
    services = [c.letters.get().deliveries.get() for c in (good, later)]
    # Queued tomorrow: a mailing recorded today would predate it.
    LetterDelivery.objects.filter(pk=services[1].pk).update(
        created_at=timezone.now() + dt.timedelta(days=1)
    )
    client.force_login(manager)

    response = post_action(client, "record_as_mailed", services)

    today = strata_today(strata)
    tomorrow = today + dt.timedelta(days=1)
    assert messages_of(response) == [
        f"{later.reference}, Lena Later: not recorded. The service cannot be recorded on "
        f"{today.day} {today:%b %Y}, before the letter was sent for service again on "
        f"{tomorrow.day} {tomorrow:%b %Y}.",
        "Recorded 1 letter as mailed today.",
    ]
    assert [LetterDelivery.objects.get(pk=s.pk).status for s in services] == [
        "sent",
        "pending",
    ]


def test_download_returns_one_zip_of_exactly_the_selected_letters(
    client, case, manager, tenant, owner_for_notices, strata
):
    letter = notice_sent(case, manager, tenant)
    terry = letter.deliveries.get(person=tenant)
    second = row_case(strata, served=False, person_name="Nora Neighbour")
    row_case(strata, served=False, person_name="Not Selected")
    second_service = second.letters.get().deliveries.get()
    client.force_login(manager)

    response = post_action(client, "download_pdfs", [second_service, terry])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="print-queue-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [
        f"001-{case.reference}-notice-terry-tenant.pdf",
        # Each party's case link page follows their letter (tests/violations/test_case_links.py).
        f"001-{case.reference}-notice-terry-tenant_case-link.pdf",
        f"002-{second.reference}-notice-nora-neighbour.pdf",
        f"002-{second.reference}-notice-nora-neighbour_case-link.pdf",
    ]
    with letter.pdf.open("rb") as pdf:
        assert archive.read(archive.namelist()[0]) == pdf.read()
    assert archive.read(archive.namelist()[2]) == pdf_bytes(second.reference)
    assert (
        LetterDelivery.objects.filter(status="pending").count() == 3
    )  # downloading records nothing


def test_download_refuses_when_a_pdf_is_missing(client, strata, manager):
    case = row_case(strata, served=False)
    letter = case.letters.get()
    letter.pdf.storage.delete(letter.pdf.name)
    client.force_login(manager)

    response = post_action(client, "download_pdfs", [letter.deliveries.get()])

    assert response.status_code == 302
    assert messages_of(response) == [
        f"The PDF of {case.reference} (Notice of complaint) is missing; nothing was downloaded."
    ]


# --- cases awaiting council -------------------------------------------------------------------


@pytest.fixture
def council_world(strata, other_strata, unit, council_member, second_council_member):
    """One case in each section of Harbour View (which requires 2 approvals), one on unit 101
    (where the recused member lives), and a ready case in Cedar Grove."""
    strata.notice_approvals_required = 2
    strata.save()
    today = strata_today(strata)
    declined = row_case(strata, status=Status.RESPONDED, deadline=future(), reference="D-DECL")
    Response.objects.create(
        case=declined,
        party=declined.parties.get(),
        received_at=timezone.now(),
        channel="letter",
        text="I decline a hearing.",
        declines_hearing=True,
    )
    heard = row_case(strata, status=Status.AWAITING_DECISION, deadline=future(), reference="H-HELD")
    Hearing.objects.create(
        case=heard,
        requested_by=heard.parties.get(),
        requested_on=today - dt.timedelta(days=10),
        reason="To explain",
        hold_by=today + dt.timedelta(days=18),
        outcome=Hearing.Outcome.HELD,
    )
    hearing_case_, hearing = hearing_case(strata, requested_on=today - dt.timedelta(days=20))
    return {
        "approval": pending_case(strata, approvals_by=[second_council_member], reference="A-APPR"),
        "ready": row_case(strata, deadline=past(), reference="R-PAST"),
        "declined": declined,
        "heard": heard,
        "waiting": row_case(strata, deadline=future(5), reference="W-WAIT"),
        "unserved": row_case(strata, served=False, reference="U-UNSV"),
        "hearing": hearing_case_,
        "hearing_row": hearing,
        "recused": row_case(strata, deadline=past(), unit=unit, reference="X-RECU"),
        "other": row_case(other_strata, deadline=past(), reference="O-OTHR"),
        "reported": ViolationFactory(unit=new_unit(strata), reference="N-REPT"),
    }


def section_refs(section, key):
    return [c.reference for c in section[key]]


def test_awaiting_council_lists_each_case_in_its_section(
    client, council_world, strata, council_member
):
    client.force_login(council_member)

    response = client.get(reverse(AWAITING))

    assert response.status_code == 200
    [section] = response.context["sections"]
    assert section["strata"].name == "Harbour View"
    assert section_refs(section, "approvals") == ["A-APPR"]
    assert (
        section["approvals"][0].approvals_given,
        section["approvals"][0].approvals_required,
    ) == (
        1,
        2,
    )
    assert sorted(section_refs(section, "ready")) == ["D-DECL", "H-HELD", "R-PAST", "X-RECU"]
    assert section_refs(section, "waiting") == ["W-WAIT"]
    deadline = council_world["waiting"].response_deadline
    assert (
        section["waiting"][0].deadline_on
        == timezone.localtime(deadline, strata_zone(strata)).date()
    )
    assert section_refs(section, "unserved") == ["U-UNSV"]
    [hearing] = section["hearings"]
    assert hearing.pk == council_world["hearing_row"].pk
    assert hearing.days_left == 8
    assert "1 of 2" in response.text
    for key in ("approval", "ready", "waiting", "unserved", "hearing"):
        case_url = reverse("admin:violations_violation_change", args=[council_world[key].pk])
        assert f'href="{case_url}"' in response.text
    assert "O-OTHR" not in response.text
    assert "N-REPT" not in response.text
    assert str(council_world["hearing_row"].hold_by) in response.text


def test_awaiting_councils_readiness_matches_the_decision_guard(
    council_world, council_member, strata
):
    withdrawn = row_case(strata, status=Status.RESPONDED, deadline=future(), reference="W-WDRN")
    Hearing.objects.create(
        case=withdrawn,
        requested_by=withdrawn.parties.get(),
        requested_on=strata_today(strata) - dt.timedelta(days=3),
        reason="To explain",
        hold_by=strata_today(strata) + dt.timedelta(days=25),
        outcome=Hearing.Outcome.WITHDRAWN,
    )
    [section] = cases_awaiting_council_for(council_member)
    ready = {c.pk for c in section["ready"]}
    assert len(ready) == 4
    cases = Violation.objects.filter(strata=section["strata"], status__in=DECISION_STATUSES)
    assert cases.count() == 7
    for case in cases:
        assert (case.pk in ready) is (decision_refusal(case) is None), case.reference


def test_awaiting_council_excludes_the_case_a_member_is_recused_from(
    client, council_world, recused_council_member
):
    client.force_login(recused_council_member)

    response = client.get(reverse(AWAITING))

    [section] = response.context["sections"]
    assert sorted(section_refs(section, "ready")) == ["D-DECL", "H-HELD", "R-PAST"]
    assert "X-RECU" not in response.text


def test_awaiting_council_shows_approvals_only_where_the_strata_requires_them(
    client, council_world, other_strata, council_member
):
    MembershipFactory(strata=other_strata, user=council_member, role=StrataMembership.Role.COUNCIL)
    pending_case(other_strata, reference="A-NOAP")
    client.force_login(council_member)

    response = client.get(reverse(AWAITING))

    sections = {s["strata"].name: s for s in response.context["sections"]}
    assert section_refs(sections["Cedar Grove"], "approvals") == []
    assert section_refs(sections["Cedar Grove"], "ready") == ["O-OTHR"]
    assert "A-NOAP" not in response.text


@pytest.mark.parametrize(
    ("role", "status"),
    [("caretaker", 403), ("manager", 200), ("other_manager", 200), ("superuser", 200)],
)
def test_awaiting_council_is_for_council_and_managers(client, council_world, request, role, status):
    user = request.getfixturevalue(role)
    client.force_login(user)

    response = client.get(reverse(AWAITING))

    assert response.status_code == status
    if role == "caretaker":
        assert "R-PAST" not in response.text
    elif role == "other_manager":
        assert [s["strata"].name for s in response.context["sections"]] == ["Cedar Grove"]
        assert "R-PAST" not in response.text


def test_anonymous_is_sent_to_log_in_for_awaiting_council(client, db):
    response = client.get(reverse(AWAITING))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- the dashboard ----------------------------------------------------------------------------


def test_dashboard_cases_panel_counts_match(client, council_world, manager, other_manager):
    client.force_login(manager)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    [row] = response.context["case_counts"]
    assert row["name"] == "Harbour View"
    assert row["total"] == 9
    assert {s: n for s, n in row["statuses"].items() if n} == {
        "reported": 1,
        "notice_pending_approval": 1,
        "notice_sent": 4,  # ready, waiting, unserved, recused
        "responded": 1,
        "hearing_requested": 1,
        "awaiting_decision": 1,
    }
    assert (
        row["awaiting_approval"],
        row["awaiting_service"],
        row["to_print"],
        row["awaiting_decision"],
        row["ready"],
        row["hearings_due"],
    ) == (1, 1, 1, 2, 4, 1)
    [hearing] = response.context["hearings_due"]
    assert (hearing.case.reference, hearing.days_left) == (
        council_world["hearing"].reference,
        8,
    )
    assert 'id="cases-dashboard"' in response.text
    violations_entries = [
        m["name"]
        for app in response.context["app_list"]
        if app["app_label"] == "violations"
        for m in app["models"]
    ]
    assert "Print queue" in violations_entries
    assert reverse(AWAITING) in response.text
    assert reverse(PRINT_QUEUE) in response.text

    client.force_login(other_manager)
    response = client.get(reverse("admin:index"))
    [row] = response.context["case_counts"]
    assert (row["name"], row["total"], row["ready"]) == ("Cedar Grove", 1, 1)


def test_caretaker_sees_the_counts_without_the_council_and_print_links(
    client, council_world, caretaker
):
    client.force_login(caretaker)

    response = client.get(reverse("admin:index"))

    [row] = response.context["case_counts"]
    assert row["total"] == 9
    assert reverse(AWAITING) not in response.text
    assert reverse(PRINT_QUEUE) not in response.text


# --- query counts -----------------------------------------------------------------------------


def add_queue_rows(strata, count):
    for _ in range(count):
        row_case(strata, served=False)


def test_print_queue_queries_do_not_grow_with_services(
    client, strata, other_strata, manager, django_assert_num_queries
):
    MembershipFactory(strata=other_strata, user=manager, role=StrataMembership.Role.MANAGER)
    add_queue_rows(strata, 5)
    add_queue_rows(other_strata, 5)
    client.force_login(manager)
    url = reverse(PRINT_QUEUE)
    client.get(url)  # warm process-wide caches
    response = client.get(url)
    assert len(response.context["cl"].result_list) == 10
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    add_queue_rows(strata, 45)
    add_queue_rows(other_strata, 45)

    with django_assert_num_queries(len(queries)):
        response = client.get(url)

    assert len(response.context["cl"].result_list) == 100


def add_council_rows(strata, count, hearing_on):
    for i in range(count):
        kind = i % 5
        if kind == 0:
            pending_case(strata)
        elif kind == 1:
            row_case(strata, deadline=past())
        elif kind == 2:
            row_case(strata, deadline=future())
        elif kind == 3:
            row_case(strata, served=False)
        else:
            hearing_case(strata, requested_on=hearing_on)


def test_awaiting_council_queries_do_not_grow_with_cases(
    client, strata, council_member, django_assert_num_queries
):
    strata.notice_approvals_required = 1
    strata.save()
    today = strata_today(strata)
    add_council_rows(strata, 5, today)
    client.force_login(council_member)
    url = reverse(AWAITING)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert sum(len(response.context["sections"][0][k]) for k in ("approvals", "ready")) == 2
    add_council_rows(strata, 45, today)

    with django_assert_num_queries(len(queries)):
        response = client.get(url)

    [section] = response.context["sections"]
    assert [len(section[k]) for k in ("approvals", "ready", "waiting", "unserved", "hearings")] == [
        10,
        10,
        10,
        10,
        10,
    ]


def test_dashboard_queries_do_not_grow_with_cases(
    client, strata, other_strata, manager, django_assert_num_queries
):
    MembershipFactory(strata=other_strata, user=manager, role=StrataMembership.Role.MANAGER)
    today = strata_today(strata)
    add_council_rows(strata, 5, today)
    client.force_login(manager)
    url = reverse("admin:index")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    add_council_rows(strata, 45, today)
    add_council_rows(other_strata, 50, today)

    with django_assert_num_queries(len(queries)):
        response = client.get(url)

    rows = {row["name"]: row for row in response.context["case_counts"]}
    assert (rows["Harbour View"]["total"], rows["Cedar Grove"]["total"]) == (50, 50)
    assert len(response.context["hearings_due"]) == 10
    assert response.context["hearings_due_more"] == 10
    assert rows["Cedar Grove"]["to_print"] == 10
