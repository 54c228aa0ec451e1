"""My cases: the list, one case as served, its files, and the written answers a party sends
from these pages, which land on the case exactly as when staff record them. Nothing of
another person's case, the complainant, internal notes or staff-only files reaches a page."""

import datetime as dt
import html
import io
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateformat import format as date_format
from PIL import Image

from accounts.models import AuditLog
from accounts.strata_time import local_date, strata_today
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory
from tests.residents.conftest import sign_in
from tests.residents.world import RESIDENTS, SECRET_MARKERS
from tests.violations.drive import counts, delta, snapshot
from tests.violations.factories import EvidenceFactory, ViolationFactory
from violations.models import (
    CaseParty,
    Evidence,
    Hearing,
    Letter,
    LetterDelivery,
    PartyRole,
    Response,
    Status,
    ViolationEvent,
)
from violations.selectors.letters import html_to_text

PARTIES_OF_A = ("respondent_owner", "co_owner")


def text(response) -> str:
    """The words a reader sees: tags dropped, entities decoded, white space collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(words).split())


def long_date(value) -> str:
    return date_format(value, "F j, Y")


def case_url(case, rest="") -> str:
    return f"/my/cases/{case.uuid}/{rest}"


def notice_of(world):
    return Letter.objects.get(case=world.cases.a, kind="notice")


def tiny_jpeg(name="balcony.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --- reading --------------------------------------------------------------------------------


def test_my_cases_lists_each_case_with_its_status_in_plain_words(client, world):
    sign_in(client, world, "respondent_owner")
    response = client.get("/my/")
    assert response.status_code == 200
    page = text(response)
    assert "Your cases" in page
    assert (
        "VIO-20261101-104 Harbour View, unit 101 Council decided the bylaw was contravened" in page
    )
    assert "VIO-20261101-101 Harbour View, unit 101 Notice sent: you may answer" in page
    assert f'href="{case_url(world.cases.a)}"' in response.content.decode()
    for other in (world.cases.t, world.cases.o):
        assert other.reference not in page


def test_my_cases_shows_the_next_date_that_matters(client, world):
    sign_in(client, world, "respondent_owner")
    client.post(case_url(world.cases.a, "hearing/"), {"reason": "I was away that night."})
    hold_by = strata_today(world.strata) + dt.timedelta(days=28)
    page = text(client.get("/my/"))
    assert (
        "VIO-20261101-101 Harbour View, unit 101 Hearing asked for: council must hold it "
        f"Council must hold your hearing by: {long_date(hold_by)}"
    ) in page


@pytest.mark.parametrize("actor", ["manager", "superuser"])
def test_staff_signed_in_normally_see_only_their_own_cases_there_are_none(client, world, actor):
    sign_in(client, world, actor)
    response = client.get("/my/")
    assert response.status_code == 200
    assert "No cases name you." in text(response)
    assert "VIO-2026" not in text(response)


def test_the_case_page_shows_the_particulars_as_served_and_where_the_case_stands(client, world):
    sign_in(client, world, "respondent_owner")
    case, notice = world.cases.a, notice_of(world)
    response = client.get(case_url(case))
    assert response.status_code == 200
    page, body = text(response), response.content.decode()
    issued = long_date(local_date(world.strata, notice.issued_at))
    assert "Case VIO-20261101-101 Harbour View, unit 101" in page
    assert "Where your case stands Notice sent: you may answer" in page
    assert f"Notice of complaint · {issued}" in page
    assert " ".join(html_to_text(notice.html).split()) in page
    assert f'href="{case_url(case, f"letters/{notice.uuid}/pdf/")}"' in body
    assert f"Steps so far {issued} · Notice sent" in page
    shared, staff_only = world.evidence.shared, world.evidence.staff_only
    assert f'href="{case_url(case, f"evidence/{shared.uuid}/")}"' in body
    assert str(staff_only.uuid) not in body
    assert f'href="{case_url(case, "respond/")}">Answer in writing' in body
    assert f'href="{case_url(case, "hearing/")}">Ask for a hearing' in body


def test_a_letters_text_is_shown_as_text_never_as_markup(client, world):
    notice = notice_of(world)
    _letter_copy(notice, world.persons.olive, html="<p>&lt;b&gt;loud&lt;/b&gt; music</p>")
    sign_in(client, world, "respondent_owner")
    body = client.get(case_url(world.cases.a)).content.decode()
    assert "&lt;b&gt;loud&lt;/b&gt; music" in body
    assert "<b>loud</b>" not in body


def test_a_decided_case_offers_no_answer(client, world):
    sign_in(client, world, "respondent_owner")
    body = client.get(case_url(world.cases.d)).content.decode()
    assert "Council decided the bylaw was contravened" in body
    assert "respond/" not in body and "hearing/" not in body


def test_the_letter_pdf_is_the_one_sent_as_an_attachment_never_cached(client, world):
    sign_in(client, world, "co_owner")
    notice = notice_of(world)
    response = client.get(case_url(world.cases.a, f"letters/{notice.uuid}/pdf/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == notice.pdf.open("rb").read()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="VIO-20261101-101-notice.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_evidence_leaves_as_the_resident_copy_only(client, world):
    sign_in(client, world, "respondent_owner")
    shared = world.evidence.shared
    response = client.get(case_url(world.cases.a, f"evidence/{shared.uuid}/"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content == shared.resident_copy.open("rb").read()
    assert content != shared.original.open("rb").read()
    assert response["Content-Disposition"] == (
        f'attachment; filename="VIO-20261101-101-evidence-{str(shared.uuid)[:8]}.jpg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    staff_only = client.get(case_url(world.cases.a, f"evidence/{world.evidence.staff_only.uuid}/"))
    assert staff_only.status_code == 404


def test_another_persons_case_and_its_files_are_the_same_404_as_no_case(client, world):
    notice, shared = notice_of(world), world.evidence.shared
    paths = [
        case_url(world.cases.a),
        case_url(world.cases.a, "respond/"),
        case_url(world.cases.a, "hearing/"),
        case_url(world.cases.a, f"letters/{notice.uuid}/pdf/"),
        case_url(world.cases.a, f"evidence/{shared.uuid}/"),
    ]
    sign_in(client, world, "respondent_owner")
    unknown = client.get(f"/my/cases/{uuid.uuid4()}/")
    assert unknown.status_code == 404
    # Olive's own case, with a file of another case: nothing either.
    t_notice = Letter.objects.get(case=world.cases.t, kind="notice")
    assert client.get(case_url(world.cases.a, f"letters/{t_notice.uuid}/pdf/")).status_code == 404
    for actor in ("tenant_respondent", "landlord", "complainant", "unrelated_resident"):
        client.logout()
        sign_in(client, world, actor)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, (actor, path)
            assert response.content == unknown.content
        posted = client.post(case_url(world.cases.a, "respond/"), {"text": "Not mine."})
        assert posted.status_code == 404
    assert not Response.objects.filter(case=world.cases.a).exists()


@pytest.mark.parametrize("actor", RESIDENTS)
def test_no_secret_reaches_any_resident_page_of_case_a(client, world, actor):
    sign_in(client, world, actor)
    notice = notice_of(world)
    paths = [
        "/my/",
        "/my/charges/",
        case_url(world.cases.a),
        case_url(world.cases.a, "respond/"),
        case_url(world.cases.a, "hearing/"),
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404)
        body = response.content.decode()
        # The description is the particulars the notice states (SPA s.135): it reaches the
        # person served inside the served letter's text, and nowhere else.
        outside_letters = re.sub(r'<div class="letter".*?</div>', "", body, flags=re.S)
        for name, marker in SECRET_MARKERS.items():
            assert marker not in outside_letters, (actor, path, name)
            if name != "description":
                assert marker not in body, (actor, path, name)
    expected = 200 if actor in PARTIES_OF_A else 404
    assert client.get(case_url(world.cases.a)).status_code == expected
    pdf = client.get(case_url(world.cases.a, f"letters/{notice.uuid}/pdf/"))
    assert pdf.status_code == expected
    staff_only = client.get(case_url(world.cases.a, f"evidence/{world.evidence.staff_only.uuid}/"))
    assert staff_only.status_code == 404


# --- answering ------------------------------------------------------------------------------


def test_answering_from_the_page_lands_on_the_case_as_staff_recording_does(client, world):
    sign_in(client, world, "respondent_owner")
    case = world.cases.a
    before, evidence_before = snapshot(case), Evidence.objects.count()
    response = client.post(
        case_url(case, "respond/"),
        {"text": "We had guests; it will not happen again.", "files": [tiny_jpeg()]},
    )
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    after = snapshot(case)
    assert after["status"] == Status.RESPONDED
    assert delta(before, after) == {"events": 1, "audit": 1, "responses": 1}
    answer = Response.objects.get(case=case)
    assert (answer.channel, answer.party.person, answer.text, answer.declines_hearing) == (
        "portal",
        world.persons.olive,
        "We had guests; it will not happen again.",
        False,
    )
    assert answer.recorded_by == world.users["respondent_owner"]
    event = ViolationEvent.objects.filter(case=case).latest("pk")
    assert (event.kind, event.visible_to_resident) == ("record_response", True)
    assert AuditLog.objects.latest("pk").action == "violation.record_response"
    photo = Evidence.objects.get(response=answer)
    assert Evidence.objects.count() == evidence_before + 1
    assert (photo.kind, photo.uploaded_by, photo.original_name) == (
        "image",
        world.users["respondent_owner"],
        "balcony.jpg",
    )
    assert photo.resident_copy
    page = client.get(case_url(case))
    words = text(page)
    assert "Your answer was received. It is on your case now." in words
    today = long_date(strata_today(world.strata))
    assert f"Your answer, received {today}" in words
    assert "We had guests; it will not happen again." in words
    assert f'evidence/{photo.uuid}/"' in page.content.decode()


def test_declining_a_hearing_is_recorded_with_the_answer(client, world):
    sign_in(client, world, "co_owner")
    response = client.post(
        case_url(world.cases.a, "respond/"),
        {"text": "Council may decide.", "declines_hearing": "on"},
    )
    assert response.status_code == 302
    answer = Response.objects.get(case=world.cases.a)
    assert (answer.party.person, answer.declines_hearing) == (world.persons.cole, True)
    page = text(client.get(case_url(world.cases.a)))
    assert "Your answer, received" in page and "you do not want a hearing" in page


def test_asking_for_a_hearing_starts_the_four_week_clock(client, world):
    sign_in(client, world, "respondent_owner")
    case = world.cases.a
    form = client.get(case_url(case, "hearing/"))
    assert (
        "Council must hold the hearing within 4 weeks of receiving your request "
        "(Strata Property Act, section 34.1)."
    ) in text(form)
    before = snapshot(case)
    response = client.post(case_url(case, "hearing/"), {"reason": "I want to explain."})
    assert response.status_code == 302
    after = snapshot(case)
    assert after["status"] == Status.HEARING_REQUESTED
    assert delta(before, after) == {"events": 1, "audit": 1, "hearings": 1}
    hearing = Hearing.objects.get(case=case)
    today = strata_today(world.strata)
    assert hearing.requested_on == today
    assert hearing.hold_by == today + dt.timedelta(days=world.strata.hearing_deadline_days)
    assert hearing.hold_by == today + dt.timedelta(days=28)
    assert hearing.requested_by.person == world.persons.olive
    event = ViolationEvent.objects.filter(case=case).latest("pk")
    assert (event.kind, event.visible_to_resident) == ("receive_hearing_request", True)
    page = text(client.get(case_url(case)))
    assert (
        f"Your request for a hearing was received on {long_date(today)}. Council must hold the "
        f"hearing by {long_date(hearing.hold_by)}."
    ) in page
    assert f"Council must hold your hearing by: {long_date(hearing.hold_by)}" in page
    assert f"{long_date(today)} · Hearing asked for" in page


def test_a_strata_that_holds_hearings_sooner_says_so_and_dates_the_request_by_it(client, world):
    world.strata.hearing_deadline_days = 14
    world.strata.save(update_fields=["hearing_deadline_days"])
    sign_in(client, world, "respondent_owner")
    form = text(client.get(case_url(world.cases.a, "hearing/")))
    assert "This strata holds it within 14 days." in form
    client.post(case_url(world.cases.a, "hearing/"), {"reason": "I want to explain."})
    hearing = Hearing.objects.get(case=world.cases.a)
    assert hearing.hold_by == hearing.requested_on + dt.timedelta(days=14)


def test_answering_when_the_status_does_not_allow_it_is_refused_and_changes_nothing(client, world):
    sign_in(client, world, "respondent_owner")
    case = world.cases.d
    before, evidence_before = snapshot(case), Evidence.objects.count()
    response = client.post(
        case_url(case, "respond/"), {"text": "Too late?", "files": [tiny_jpeg()]}
    )
    assert response.status_code == 400
    assert (
        "Your case is no longer waiting for this answer: Council decided the bylaw was contravened."
    ) in text(response)
    assert snapshot(case) == before
    assert Evidence.objects.count() == evidence_before


def test_a_second_hearing_request_is_refused_and_changes_nothing(client, world):
    sign_in(client, world, "respondent_owner")
    case = world.cases.a
    client.post(case_url(case, "hearing/"), {"reason": "First."})
    before = snapshot(case)
    response = client.post(case_url(case, "hearing/"), {"reason": "Second."})
    assert response.status_code == 400
    assert (
        "Your case is no longer waiting for this answer: Hearing asked for: council must hold it."
    ) in text(response)
    assert snapshot(case) == before


def test_an_empty_answer_is_refused_and_changes_nothing(client, world):
    sign_in(client, world, "respondent_owner")
    before = counts()
    response = client.post(case_url(world.cases.a, "respond/"), {"text": "  "})
    assert response.status_code == 400
    assert "Write your answer." in text(response)
    assert counts() == before


def test_a_refused_file_refuses_the_answer_with_its_reason(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, world, "respondent_owner")
    before, evidence_before = snapshot(world.cases.a), Evidence.objects.count()
    script = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")
    response = client.post(
        case_url(world.cases.a, "respond/"), {"text": "See the photo.", "files": [script]}
    )
    assert response.status_code == 400
    assert (
        "photo.jpg was refused: it contains a script, which a browser or mail program could run."
    ) in text(response)
    assert snapshot(world.cases.a) == before
    assert Evidence.objects.count() == evidence_before


# --- query counts ---------------------------------------------------------------------------


def _letter_copy(notice, person, html=None):
    letter = Letter.objects.get(pk=notice.pk)
    letter.pk, letter.uuid = None, uuid.uuid4()
    if html is not None:
        letter.html = html
    letter.save()
    delivery = LetterDelivery.objects.filter(letter=notice, person=person).order_by("pk").first()
    delivery.pk, delivery.uuid, delivery.letter, delivery.outbound_email = (
        None,
        uuid.uuid4(),
        letter,
        None,
    )
    delivery.save()
    return letter


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_case_page_runs_the_same_queries_for_2_or_20_letters_and_files(
    client, world, django_assert_num_queries
):
    case, olive, notice = world.cases.a, world.persons.olive, notice_of(world)
    sign_in(client, world, "respondent_owner")

    def grow(to):
        while Letter.objects.filter(case=case, deliveries__person=olive).count() < to:
            _letter_copy(notice, olive)
        while Evidence.objects.filter(case=case, shared_with_parties=True).count() < to:
            EvidenceFactory(case=case, shared_with_parties=True, description="A photo")

    grow(2)
    few = _queries(client, case_url(case))
    grow(20)
    with django_assert_num_queries(few):
        response = client.get(case_url(case))
    assert text(response).count("Download the letter (PDF)") == 20
    assert text(response).count("A photo") == 19


def test_my_cases_runs_the_same_queries_for_10_or_200_cases(
    client, world, django_assert_num_queries
):
    unit = UnitFactory(strata=world.strata, unit_number="105", strata_lot_number=5)
    person = PersonFactory(strata=world.strata, full_name="Quinn Query", email="quinn@example.test")
    OccupancyFactory(unit=unit, person=person)
    sign_in_as = person
    from tests.accounts.factories import UserFactory

    sign_in_as.user = UserFactory(email="quinn@example.test")
    sign_in_as.save()
    bylaw = world.cases.a.bylaws.get()
    made = 0

    def grow(to):
        nonlocal made
        while made < to:
            status = [Status.NOTICE_SENT, Status.HEARING_REQUESTED, Status.RESPONDED][made % 3]
            case = ViolationFactory(
                unit=unit,
                bylaws=[bylaw],
                complaint=False,
                status=status,
                reference=f"VIO-Q-{made:04d}",
                response_deadline=dt.datetime(2026, 12, 31, 7, 59, tzinfo=dt.UTC),
            )
            party = CaseParty.objects.create(case=case, person=person, role=PartyRole.RESPONDENT)
            if status == Status.HEARING_REQUESTED:
                Hearing.objects.create(
                    case=case,
                    requested_by=party,
                    requested_on=dt.date(2026, 11, 20),
                    reason="Explain.",
                    hold_by=dt.date(2026, 12, 18),
                )
            made += 1

    client.force_login(person.user)
    grow(10)
    few = _queries(client, "/my/")
    grow(200)
    with django_assert_num_queries(few):
        response = client.get("/my/")
    page = text(response)
    assert page.count("Harbour View, unit 105") == 200
    assert page.count("Council must hold your hearing by: December 18, 2026") == 67


def test_answers_from_the_pages_share_the_apis_hourly_limit(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "answer": "1/hour",
        },
    }
    sign_in(client, world, "respondent_owner")
    assert client.post(case_url(world.cases.a, "respond/"), {"text": "First."}).status_code == 302
    before = snapshot(world.cases.a)

    again = client.post(case_url(world.cases.a, "respond/"), {"text": "Second."})

    assert again.status_code == 429
    assert "You have sent many answers in the last hour" in text(again)
    assert snapshot(world.cases.a) == before
