"""The resident side of the REST API (docs/api.md): me and my preferences, my units, my cases
with their letters and evidence, answering and asking for a hearing, my charges. Exact
answers for the happy paths; another person's records answer 404 in the error shape."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.throttling import SimpleRateThrottle

from accounts.login_tokens import api_token_create
from accounts.models import AuditLog
from communications.models import OutboundEmail
from tests.residents.conftest import sign_in
from tests.residents.world import SECRET_MARKERS
from tests.violations.drive import counts, delta
from violations.domain.resident_words import status_words, step_words
from violations.models import Evidence, PartyRole, Response, Status
from violations.selectors.letters import html_to_text
from violations.selectors.resident import resident_letters

NOT_FOUND = {"detail": "Not found.", "code": "not_found", "fields": {}}
ANONYMOUS = {
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
    "fields": {},
}


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def as_actor(world, actor: str) -> Client:
    """A client with a bearer token of ``actor``, as an app has it."""
    _token, raw = api_token_create(user=world.users[actor], name="", resident_only=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def strata_ref(strata) -> dict:
    return {"uuid": str(strata.uuid), "name": strata.name}


def page(results: list) -> dict:
    return {"count": len(results), "next": None, "previous": None, "results": results}


def tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def assert_no_secrets(content: bytes) -> None:
    text = content.decode()
    for marker in ("complainant", "complaint", "internal_note", "staff_photo"):
        assert SECRET_MARKERS[marker] not in text


# --- me and my preferences -------------------------------------------------------------------


def test_me_is_the_user_and_the_persons_they_speak_for(client, world):
    sign_in(client, world, "respondent_owner")
    olive = world.persons.olive

    answer = client.get("/api/v1/me/")

    assert answer.status_code == 200
    assert answer.json() == {
        "uuid": str(olive.user.uuid),
        "email": "olive@example.test",
        "full_name": "Olive Owner",
        "is_staff_member": False,
        "persons": [
            {
                "uuid": str(olive.uuid),
                "full_name": "Olive Owner",
                "strata": strata_ref(world.strata),
                "newsletters": True,
                "email_for_notices": "",
                "email_for_notices_given_on": None,
            }
        ],
    }


def test_me_says_a_staff_sign_in_may_use_the_staff_endpoints_and_a_resident_one_may_not(
    client, world
):
    sign_in(client, world, "manager")
    staff = client.get("/api/v1/me/").json()
    resident = as_actor(world, "manager").get("/api/v1/me/").json()

    assert (staff["is_staff_member"], staff["persons"]) == (True, [])
    assert resident["is_staff_member"] is False


def test_anonymous_reads_nothing(world):
    for url in ("/api/v1/me/", "/api/v1/units/", "/api/v1/cases/", "/api/v1/charges/"):
        answer = Client().get(url)
        assert (answer.status_code, answer.json()) == (401, ANONYMOUS)


def test_my_preferences_are_read_and_changed_with_the_address_for_notices_dated(world):
    client = as_actor(world, "respondent_owner")
    olive = world.persons.olive
    url = f"/api/v1/me/preferences/{olive.uuid}/"
    before = client.get(url).json()

    answer = client.patch(
        url,
        {"newsletters": False, "email_for_notices": "Olive.Notices@example.test"},
        content_type="application/json",
    )

    assert before == {
        "uuid": str(olive.uuid),
        "newsletters": True,
        "email_for_notices": "",
        "email_for_notices_given_on": None,
    }
    assert answer.status_code == 200
    assert answer.json() == {
        "uuid": str(olive.uuid),
        "newsletters": False,
        "email_for_notices": "olive.notices@example.test",
        "email_for_notices_given_on": world.today.isoformat(),
    }
    olive.refresh_from_db()
    assert (olive.newsletters, olive.email_for_notices, olive.email_for_notices_given_on) == (
        False,
        "olive.notices@example.test",
        world.today,
    )
    assert set(
        AuditLog.objects.filter(actor=olive.user, action__startswith="resident.").values_list(
            "action", flat=True
        )
    ) == {
        "resident.newsletters_changed",
        "resident.notice_address_given",
    }
    told = OutboundEmail.objects.get(template_name="properties.notice_address_given")
    assert told.to_address == "manager@example.test"


def test_another_persons_preferences_are_not_found_and_unchanged(world):
    cole = world.persons.cole
    url = f"/api/v1/me/preferences/{cole.uuid}/"
    client = as_actor(world, "respondent_owner")

    read = client.get(url)
    changed = client.patch(url, {"newsletters": False}, content_type="application/json")

    assert (read.status_code, read.json()) == (404, NOT_FOUND)
    assert (changed.status_code, changed.json()) == (404, NOT_FOUND)
    cole.refresh_from_db()
    assert cole.newsletters is True
    assert not AuditLog.objects.filter(action__startswith="resident.").exists()


def test_a_malformed_address_for_notices_is_refused_with_its_field(world):
    olive = world.persons.olive

    answer = as_actor(world, "respondent_owner").patch(
        f"/api/v1/me/preferences/{olive.uuid}/",
        {"email_for_notices": "not an address"},
        content_type="application/json",
    )

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "Some fields need attention.",
            "code": "invalid",
            "fields": {"email_for_notices": ["Enter a valid email address."]},
        },
    )
    olive.refresh_from_db()
    assert olive.email_for_notices == ""


# --- my units ----------------------------------------------------------------------------------


def test_my_units_show_the_names_and_roles_of_the_people_on_them(world):
    unit = world.units.u102

    answer = as_actor(world, "tenant_respondent").get("/api/v1/units/")

    unit_json = {
        "uuid": str(unit.uuid),
        "unit_number": "102",
        "strata_lot_number": 2,
        "strata": strata_ref(world.strata),
        "people": [
            {"full_name": "Larry Landlord", "role": "owner", "role_label": "Owner"},
            {"full_name": "Terry Tenant", "role": "tenant", "role_label": "Tenant"},
        ],
    }
    assert (answer.status_code, answer.json()) == (200, page([unit_json]))
    detail = as_actor(world, "tenant_respondent").get(f"/api/v1/units/{unit.uuid}/")
    assert (detail.status_code, detail.json()) == (200, unit_json)
    assert "larry@example.test" not in answer.content.decode()


def test_another_unit_is_not_found(world):
    answer = as_actor(world, "tenant_respondent").get(f"/api/v1/units/{world.units.u101.uuid}/")

    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)


# --- my cases ----------------------------------------------------------------------------------


def case_json(world, case, *, may_answer: bool) -> dict:
    events = [
        {"at": iso(event.created_at), "kind": event.kind, "label": str(step_words(event))}
        for event in case.events.filter(visible_to_resident=True).order_by("created_at", "pk")
    ]
    return {
        "uuid": str(case.uuid),
        "reference": case.reference,
        "strata": strata_ref(case.strata),
        "unit": {"uuid": str(case.unit.uuid), "unit_number": case.unit.unit_number},
        "status": case.status,
        "status_label": str(status_words(case)),
        "incident_on": case.incident_on.isoformat(),
        "bylaws": [{"number": "3.1", "title": "Nuisance and noise"}],
        "next_date": None,
        "may_respond": may_answer,
        "may_request_hearing": may_answer,
        "events": events,
    }


def test_my_cases_are_those_where_i_am_a_party_with_their_particulars_only(world):
    client = as_actor(world, "respondent_owner")

    answer = client.get("/api/v1/cases/")

    assert answer.status_code == 200
    assert answer.json() == page(
        [
            case_json(world, world.cases.d, may_answer=False),
            case_json(world, world.cases.a, may_answer=True),
        ]
    )
    assert [e["kind"] for e in answer.json()["results"][1]["events"]] == ["send_notice"]
    assert_no_secrets(answer.content)
    assert SECRET_MARKERS["description"] not in answer.content.decode()
    detail = client.get(f"/api/v1/cases/{world.cases.a.uuid}/")
    assert (detail.status_code, detail.json()) == (
        200,
        case_json(world, world.cases.a, may_answer=True),
    )


def test_the_next_date_is_the_day_the_hearing_must_be_held_by(world):
    client = as_actor(world, "tenant_respondent")
    hearing = client.post(
        f"/api/v1/cases/{world.cases.t.uuid}/hearing-requests/",
        {"reason": "I want to explain."},
        content_type="application/json",
    ).json()

    answer = client.get(f"/api/v1/cases/{world.cases.t.uuid}/").json()

    assert answer["next_date"] == {
        "label": "Council must hold your hearing by",
        "at": hearing["hold_by"],
    }
    assert (answer["may_respond"], answer["may_request_hearing"]) == (False, False)


@pytest.mark.parametrize(
    ("actor", "case"),
    [
        ("respondent_owner", "t"),
        ("respondent_owner", "o"),
        ("complainant", "a"),
        ("unrelated_resident", "a"),
        ("other_strata_resident", "a"),
        ("tenant_respondent", "a"),
    ],
)
def test_another_persons_case_and_everything_under_it_is_not_found(world, actor, case):
    case = getattr(world.cases, case)
    letter = resident_letters(case, case.parties.first().person.user).first()
    evidence = world.evidence.shared
    client = as_actor(world, actor)
    before = counts()
    base = f"/api/v1/cases/{case.uuid}/"

    reads = [
        base,
        f"{base}letters/",
        f"{base}evidence/",
        f"{base}letters/{letter.uuid}/pdf/",
        f"{base}evidence/{evidence.uuid}/file/",
    ]
    writes = [
        client.post(f"{base}responses/", {"text": "Mine."}, content_type="application/json"),
        client.post(f"{base}hearing-requests/", {"reason": "Me."}, content_type="application/json"),
    ]

    for url in reads:
        answer = client.get(url)
        assert (answer.status_code, answer.json()) == (404, NOT_FOUND), url
    assert [(w.status_code, w.json()) for w in writes] == [(404, NOT_FOUND)] * 2
    assert delta(before, counts()) == {}


def test_the_complainant_sees_no_case_of_their_complaint(world):
    answer = as_actor(world, "complainant").get("/api/v1/cases/")

    assert answer.json() == page([])


# --- letters and evidence ---------------------------------------------------------------------


def test_the_letters_served_on_me_as_text_and_as_the_pdf_served(world):
    case = world.cases.a
    client = as_actor(world, "respondent_owner")
    letter = resident_letters(case, world.users["respondent_owner"]).get()
    pdf_url = f"http://testserver/api/v1/cases/{case.uuid}/letters/{letter.uuid}/pdf/"

    answer = client.get(f"/api/v1/cases/{case.uuid}/letters/")
    pdf = client.get(pdf_url)

    assert answer.json() == page(
        [
            {
                "uuid": str(letter.uuid),
                "kind": "notice",
                "kind_label": "Notice of complaint",
                "issued_at": iso(letter.issued_at),
                "text": html_to_text(letter.html),
                "pdf_url": pdf_url,
            }
        ]
    )
    assert pdf.status_code == 200
    assert (pdf["Content-Type"], pdf["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
    assert pdf["Content-Disposition"] == f'attachment; filename="{case.reference}-notice.pdf"'
    with letter.pdf.open("rb") as stored:
        assert b"".join(pdf.streaming_content) == stored.read()


def test_evidence_is_the_shared_copy_only_without_names_or_metadata(world):
    case = world.cases.a
    shared, staff_only = world.evidence.shared, world.evidence.staff_only
    client = as_actor(world, "co_owner")
    file_url = f"http://testserver/api/v1/cases/{case.uuid}/evidence/{shared.uuid}/file/"

    answer = client.get(f"/api/v1/cases/{case.uuid}/evidence/")
    copy = client.get(file_url)
    hidden = client.get(f"/api/v1/cases/{case.uuid}/evidence/{staff_only.uuid}/file/")

    assert answer.json() == page(
        [
            {
                "uuid": str(shared.uuid),
                "kind": "image",
                "description": "",
                "created_at": iso(shared.created_at),
                "file_url": file_url,
            }
        ]
    )
    assert "shared-photo" not in answer.content.decode()
    assert shared.sha256 not in answer.content.decode()
    assert (copy["Content-Type"], copy["X-Content-Type-Options"]) == ("image/jpeg", "nosniff")
    assert copy["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-{shared.uuid}.jpg"'
    )
    assert b"".join(copy.streaming_content) == b"\xff\xd8\xff\xe0 copy"
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)


# --- answering -------------------------------------------------------------------------------


def test_an_answer_with_a_photo_lands_as_staff_would_record_it(world):
    case = world.cases.a
    olive = world.users["respondent_owner"]
    client = as_actor(world, "respondent_owner")
    before = counts()

    answer = client.post(
        f"/api/v1/cases/{case.uuid}/responses/",
        {"text": "It was my son's birthday.", "files": [SimpleUploadedFile("me.jpg", tiny_jpeg())]},
    )

    assert answer.status_code == 201
    response = Response.objects.get()
    assert answer.json() == {
        "uuid": str(response.uuid),
        "received_at": iso(response.received_at),
        "channel": "portal",
    }
    case.refresh_from_db()
    assert case.status == Status.RESPONDED
    assert (response.party.person, response.recorded_by, response.text) == (
        world.persons.olive,
        olive,
        "It was my son's birthday.",
    )
    assert delta(before, counts()) == {"responses": 1, "events": 1, "audit": 1}
    event = case.events.latest("pk")
    assert (event.kind, event.actor, event.visible_to_resident) == ("record_response", olive, True)
    assert AuditLog.objects.latest("pk").action == "violation.record_response"
    photo = Evidence.objects.get(response=response)
    assert (photo.source, photo.uploaded_by, photo.original_name) == (
        Evidence.Source.PARTY,
        olive,
        "me.jpg",
    )
    mine = client.get(f"/api/v1/cases/{case.uuid}/evidence/").json()["results"]
    assert str(photo.uuid) in [row["uuid"] for row in mine]


def test_a_party_no_longer_served_neither_sees_nor_answers_the_case(world):
    """A party whose service is not required (dropped when the respondent changed) no longer
    follows the case: it answers as any case not theirs."""
    world.cases.a.parties.create(person=world.persons.uma, role=PartyRole.OWNER, required=False)
    client = as_actor(world, "unrelated_resident")
    before = counts()

    answer = client.post(
        f"/api/v1/cases/{world.cases.a.uuid}/responses/",
        {"text": "Not mine to say."},
        content_type="application/json",
    )

    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert delta(before, counts()) == {}


def test_a_blank_answer_is_refused_with_its_field(world):
    client = as_actor(world, "respondent_owner")
    before = counts()

    answer = client.post(f"/api/v1/cases/{world.cases.a.uuid}/responses/", {"text": ""})

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "Some fields need attention.",
            "code": "invalid",
            "fields": {"text": ["This field may not be blank."]},
        },
    )
    assert delta(before, counts()) == {}


def test_an_answer_after_a_hearing_request_is_refused_by_the_cases_status(world):
    client = as_actor(world, "respondent_owner")
    url = f"/api/v1/cases/{world.cases.a.uuid}/"
    client.post(
        f"{url}hearing-requests/", {"reason": "In person."}, content_type="application/json"
    )
    before = counts()

    answer = client.post(f"{url}responses/", {"text": "Also."}, content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "state"
    assert delta(before, counts()) == {}


def test_a_hearing_request_starts_the_clock_as_staff_would_record_it(world):
    case = world.cases.t
    terry = world.users["tenant_respondent"]
    client = as_actor(world, "tenant_respondent")
    before = counts()

    answer = client.post(
        f"/api/v1/cases/{case.uuid}/hearing-requests/",
        {"reason": "I want to explain."},
        content_type="application/json",
    )

    assert answer.status_code == 201
    hearing = case.hearings.get()
    assert answer.json() == {
        "uuid": str(hearing.uuid),
        "requested_on": world.today.isoformat(),
        "hold_by": hearing.hold_by.isoformat(),
    }
    assert (hearing.hold_by - world.today).days == case.strata.hearing_deadline_days
    case.refresh_from_db()
    assert case.status == Status.HEARING_REQUESTED
    assert delta(before, counts()) == {"hearings": 1, "events": 1, "audit": 1}
    event = case.events.latest("pk")
    assert (event.kind, event.actor) == ("receive_hearing_request", terry)


def test_answers_are_throttled_in_the_error_shape(world, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "answer", "1/hour")
    client = as_actor(world, "respondent_owner")
    url = f"/api/v1/cases/{world.cases.a.uuid}/responses/"
    first = client.post(url, {"text": ""}, content_type="application/json")

    second = client.post(url, {"text": "Now."}, content_type="application/json")

    assert first.status_code == 400
    assert second.status_code == 429
    assert second.json()["code"] == "throttled"
    assert not Response.objects.exists()


# --- charges ----------------------------------------------------------------------------------


def test_my_charges_and_balance(world):
    charge = world.charge
    client = as_actor(world, "respondent_owner")

    charges = client.get("/api/v1/charges/")
    balance = client.get("/api/v1/charges/balance/")

    assert charges.json() == page(
        [
            {
                "uuid": str(charge.uuid),
                "case_reference": "VIO-20261101-104",
                "charged_on": "2026-11-20",
                "description": "Fine for noise",
                "amount": "200.00",
                "paid": "0.00",
                "waived": "0.00",
                "balance": "200.00",
            }
        ]
    )
    assert balance.json() == {"balance": "200.00"}


def test_a_co_owner_owes_nothing_of_anothers_charge(world):
    client = as_actor(world, "co_owner")

    assert client.get("/api/v1/charges/").json() == page([])
    assert client.get("/api/v1/charges/balance/").json() == {"balance": "0.00"}
