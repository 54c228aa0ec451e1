"""The staff side of the REST API (docs/api.md): filing a complaint with photos from a phone,
the bylaws and categories it names, the cases of my stratas (never one I am recused from), and
the register of my stratas."""

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.login_tokens import api_token_create
from accounts.models import AuditLog
from tests.residents.conftest import sign_in
from tests.violations.drive import counts, delta
from tests.violations.factories import BylawFactory, ViolationCategoryFactory
from violations.models import Complaint, Evidence, Status, Violation

COMPLAINTS = "/api/v1/staff/complaints/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def staff(world, actor: str) -> Client:
    """A client with a staff bearer token of ``actor``, as an integration has it."""
    _token, raw = api_token_create(user=world.users[actor], name="", resident_only=False)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def filing(world, unit=None, **extra) -> dict:
    """A complaint about unit 104 (by default) under the noise bylaw, as a phone sends it."""
    return {
        "unit": str((unit or world.units.u104).uuid),
        "bylaws": [str(world.cases.a.bylaws.get().uuid)],
        "incident_on": (world.today - dt.timedelta(days=1)).isoformat(),
        "incident_time": "23:30",
        "incident_place": "Balcony",
        "description": "Loud music past midnight.",
        "channel": "email",
        "received_on": world.today.isoformat(),
        "complainant_name": "Neighbour in 103",
        **extra,
    }


# --- filing a complaint -------------------------------------------------------------------------


def test_a_caretaker_files_a_complaint_with_a_photo_as_the_admin_would(world):
    caretaker = world.users["caretaker"]
    client = staff(world, "caretaker")
    before = counts()

    answer = client.post(
        COMPLAINTS,
        filing(world, photos=[SimpleUploadedFile("balcony.jpg", tiny_jpeg())]),
    )

    assert answer.status_code == 201
    case = Violation.objects.get(unit=world.units.u104)
    assert answer.json() == {
        "uuid": str(case.uuid),
        "reference": case.reference,
        "status": "reported",
    }
    assert (case.status, case.description, case.incident_place) == (
        Status.REPORTED,
        "Loud music past midnight.",
        "Balcony",
    )
    complaint = case.complaints.get()
    assert (complaint.channel, complaint.complainant_name, complaint.recorded_by) == (
        Complaint.Channel.EMAIL,
        "Neighbour in 103",
        caretaker,
    )
    photo = case.evidence.get()
    assert (photo.original_name, photo.source, photo.uploaded_by) == (
        "balcony.jpg",
        Evidence.Source.COMPLAINANT,
        caretaker,
    )
    assert delta(before, counts()) == {"cases": 1, "complaints": 1, "events": 1, "audit": 1}
    assert AuditLog.objects.latest("pk").action == "violation.report"


@pytest.mark.parametrize("unit", ["other_strata", "made_up"])
def test_a_unit_outside_my_stratas_is_unknown_whether_or_not_it_exists(world, unit):
    uuid = world.units.u9.uuid if unit == "other_strata" else "6f1f7a36-2b1c-4b59-8f0a-0d0c2f6f0a11"
    client = staff(world, "manager")
    before = counts()

    answer = client.post(COMPLAINTS, {**filing(world), "unit": str(uuid)})

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "Some fields need attention.",
            "code": "invalid",
            "fields": {"unit": ["Unknown unit."]},
        },
    )
    assert delta(before, counts()) == {}


def test_a_complaint_is_filed_under_a_category_named_by_uuid(world):
    noise = ViolationCategoryFactory(strata=world.strata, name="Noise")

    answer = staff(world, "manager").post(COMPLAINTS, filing(world, category=str(noise.uuid)))

    assert answer.status_code == 201
    assert Violation.objects.get(uuid=answer.json()["uuid"]).category == noise


def test_another_stratas_category_is_unknown(world):
    theirs = ViolationCategoryFactory(strata=world.other_strata, name="Noise")
    client = staff(world, "manager")
    before = counts()

    answer = client.post(COMPLAINTS, filing(world, category=str(theirs.uuid)))

    assert (answer.status_code, answer.json()["fields"]) == (
        400,
        {"category": ["Unknown category."]},
    )
    assert delta(before, counts()) == {}


def test_a_duplicate_open_case_is_refused_until_the_filer_chooses(world):
    client = staff(world, "manager")
    case_a = world.cases.a
    before = counts()

    refused = client.post(COMPLAINTS, filing(world, unit=world.units.u101))

    message = (
        "An open case of this unit and bylaw exists: add the complaint to it, or open a new "
        "case anyway."
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {
            "detail": "Some fields need attention.",
            "code": "invalid",
            "fields": {"file_as": [message]},
        },
    )
    assert delta(before, counts()) == {}

    added = client.post(COMPLAINTS, filing(world, unit=world.units.u101, file_as=str(case_a.uuid)))

    assert added.status_code == 201
    assert added.json() == {
        "uuid": str(case_a.uuid),
        "reference": case_a.reference,
        "status": "notice_sent",
    }
    assert case_a.complaints.count() == 2


def test_a_staff_member_recused_from_the_unit_files_nothing_on_it(world):
    client = staff(world, "recused_council_member")
    before = counts()

    answer = client.post(COMPLAINTS, filing(world, unit=world.units.u101, file_as="new"))

    assert answer.status_code == 400
    assert answer.json()["code"] == "recused"
    assert delta(before, counts()) == {}


def test_a_resident_files_nothing_through_the_staff_endpoint(client, world):
    sign_in(client, world, "respondent_owner")
    before = counts()

    answer = client.post(COMPLAINTS, filing(world))

    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"
    assert delta(before, counts()) == {}


def test_a_refused_photo_is_reported_under_photos_and_nothing_is_kept(world, settings):
    media = Path(settings.MEDIA_ROOT)
    files_before = sorted(media.rglob("*"))
    client = staff(world, "manager")
    before = counts()

    answer = client.post(
        COMPLAINTS, filing(world, photos=[SimpleUploadedFile("x.jpg", b"not an image")])
    )

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "Some fields need attention.",
            "code": "invalid",
            "fields": {
                "photos": [
                    "x.jpg is not an image, PDF, audio, video, email or Word file: its "
                    "content is not of a type we recognise"
                ]
            },
        },
    )
    assert delta(before, counts()) == {}
    assert not Evidence.objects.filter(original_name="x.jpg").exists()
    assert sorted(media.rglob("*")) == files_before


# --- what a complaint names: bylaws and categories ----------------------------------------------

BYLAWS = "/api/v1/staff/bylaws/"
CATEGORIES = "/api/v1/staff/categories/"


def bylaw_row(bylaw) -> dict:
    return {
        "uuid": str(bylaw.uuid),
        "strata": {"uuid": str(bylaw.strata.uuid), "name": bylaw.strata.name},
        "kind": bylaw.kind,
        "number": bylaw.number,
        "title": bylaw.title,
    }


def filing_records(world) -> SimpleNamespace:
    """Harbour View: the world's noise bylaw, a pets bylaw, a repealed parking bylaw; categories
    Noise (noise and parking by default) and Pets, and a retired one. Cedar Grove: its own noise
    bylaw, a smoking bylaw and a Smoking category."""
    harbour, cedar = world.strata, world.other_strata
    noise = world.cases.a.bylaws.get()
    pets = BylawFactory(strata=harbour, number="4.2", title="Pets on common property")
    parking = BylawFactory(strata=harbour, number="5.1", title="Parking", is_active=False)
    smoking = BylawFactory(strata=cedar, number="7.7", title="Smoking on balconies")
    noisy = ViolationCategoryFactory(
        strata=harbour, name="Noise", description="Music, parties, renovations."
    )
    noisy.default_bylaws.set([parking, noise])
    ViolationCategoryFactory(strata=harbour, name="Pets").default_bylaws.set([pets])
    ViolationCategoryFactory(strata=harbour, name="Retired", is_active=False)
    ViolationCategoryFactory(strata=cedar, name="Smoking").default_bylaws.set([smoking])
    return SimpleNamespace(
        noise=noise,
        pets=pets,
        parking=parking,
        smoking=smoking,
        cedar_noise=world.cases.o.bylaws.get(),
        noisy=noisy,
    )


def test_a_manager_lists_the_active_bylaws_of_their_stratas(world):
    made = filing_records(world)

    answer = staff(world, "manager").get(BYLAWS)

    assert answer.status_code == 200
    assert answer.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [bylaw_row(made.noise), bylaw_row(made.pets)],
    }


def test_another_stratas_bylaws_are_never_listed(world):
    made = filing_records(world)
    client = staff(world, "manager")
    theirs = {str(made.smoking.uuid), str(made.cedar_noise.uuid)}

    for query in ("", f"?strata={world.other_strata.uuid}", "?q=smoking", "?q=3.1"):
        answer = client.get(BYLAWS + query)
        assert answer.status_code == 200
        assert not theirs & {row["uuid"] for row in answer.json()["results"]}, query
    assert client.get(f"{BYLAWS}?strata={world.other_strata.uuid}").json()["count"] == 0


def test_bylaws_are_filtered_by_strata_and_by_part_of_a_number_or_title(world):
    made = filing_records(world)
    client = staff(world, "superuser")

    def listed(query: str = "") -> list[dict]:
        return client.get(BYLAWS + query).json()["results"]

    # By strata name, then number: Cedar Grove before Harbour View.
    assert listed() == [
        bylaw_row(made.cedar_noise),
        bylaw_row(made.smoking),
        bylaw_row(made.noise),
        bylaw_row(made.pets),
    ]
    assert listed(f"?strata={world.other_strata.uuid}") == [
        bylaw_row(made.cedar_noise),
        bylaw_row(made.smoking),
    ]
    assert listed("?q=PETS") == [bylaw_row(made.pets)]
    assert listed("?q=4.") == [bylaw_row(made.pets)]
    assert listed(f"?strata={world.strata.uuid}&q=noise") == [bylaw_row(made.noise)]
    assert listed("?q=parking") == []


def test_a_manager_lists_the_active_categories_of_their_stratas_with_default_bylaws(world):
    made = filing_records(world)
    pets = world.strata.violation_categories.get(name="Pets")

    answer = staff(world, "manager").get(CATEGORIES)

    harbour = {"uuid": str(world.strata.uuid), "name": "Harbour View"}
    assert answer.status_code == 200
    assert answer.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "uuid": str(made.noisy.uuid),
                "strata": harbour,
                "name": "Noise",
                "description": "Music, parties, renovations.",
                # The repealed parking bylaw cannot be filed under, so it is not offered.
                "default_bylaws": [str(made.noise.uuid)],
            },
            {
                "uuid": str(pets.uuid),
                "strata": harbour,
                "name": "Pets",
                "description": "",
                "default_bylaws": [str(made.pets.uuid)],
            },
        ],
    }


def test_categories_are_filtered_by_strata_and_never_another_stratas(world):
    filing_records(world)

    def names(actor: str, query: str = "") -> list[str]:
        answer = staff(world, actor).get(CATEGORIES + query)
        assert answer.status_code == 200
        return [row["name"] for row in answer.json()["results"]]

    assert names("manager", f"?strata={world.other_strata.uuid}") == []
    assert names("other_manager") == ["Smoking"]
    assert names("superuser") == ["Smoking", "Noise", "Pets"]
    assert names("superuser", f"?strata={world.strata.uuid}") == ["Noise", "Pets"]


@pytest.mark.parametrize("url", [BYLAWS, CATEGORIES])
def test_a_bad_strata_filter_is_refused_with_its_field(world, url):
    answer = staff(world, "manager").get(f"{url}?strata=x")

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": "Some fields need attention.",
            "code": "invalid",
            "fields": {"strata": ["Must be a valid UUID."]},
        },
    )


def resident_session(client, world) -> Client:
    sign_in(client, world, "respondent_owner")
    return client


def managers_resident_only_token(client, world) -> Client:
    """A token the manager made from a resident link's session: it holds no staff rights."""
    _token, raw = api_token_create(user=world.users["manager"], name="", resident_only=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("url", [BYLAWS, CATEGORIES])
@pytest.mark.parametrize("signed_in", [resident_session, managers_resident_only_token])
def test_a_resident_sign_in_lists_no_bylaw_or_category(client, world, url, signed_in):
    made = filing_records(world)
    caller = signed_in(client, world)
    before = counts()

    answer = caller.get(url)

    assert (answer.status_code, answer.json()) == (
        403,
        {
            "detail": "This needs a current staff role in a strata, signed in as staff.",
            "code": "permission_denied",
            "fields": {},
        },
    )
    assert str(made.noise.uuid) not in answer.content.decode()
    assert delta(before, counts()) == {}


def test_a_complaint_files_under_the_bylaw_and_category_the_listings_give(world):
    filing_records(world)
    client = staff(world, "caretaker")
    noise = client.get(f"{CATEGORIES}?strata={world.strata.uuid}").json()["results"][0]
    (pets,) = client.get(f"{BYLAWS}?q=pets").json()["results"]

    answer = client.post(
        COMPLAINTS,
        filing(world, category=noise["uuid"], bylaws=[*noise["default_bylaws"], pets["uuid"]]),
        content_type="application/json",
    )

    assert answer.status_code == 201
    case = Violation.objects.get(uuid=answer.json()["uuid"])
    assert case.category.name == "Noise"
    assert sorted(case.bylaws.values_list("number", flat=True)) == ["3.1", "4.2"]


# --- the cases of my stratas ---------------------------------------------------------------------


def refs(answer) -> list[str]:
    return [row["reference"] for row in answer.json()["results"]]


def test_the_cases_of_my_stratas_newest_first_filtered(world):
    client = staff(world, "manager")
    c = world.cases

    assert refs(client.get("/api/v1/staff/cases/")) == [c.d.reference, c.t.reference, c.a.reference]
    assert refs(client.get("/api/v1/staff/cases/?status=notice_sent")) == [
        c.t.reference,
        c.a.reference,
    ]
    assert refs(client.get(f"/api/v1/staff/cases/?unit={world.units.u102.uuid}")) == [c.t.reference]
    assert refs(client.get("/api/v1/staff/cases/?q=-101")) == [c.a.reference]
    assert refs(client.get(f"/api/v1/staff/cases/?strata={world.other_strata.uuid}")) == []
    assert refs(client.get(f"/api/v1/staff/cases/?strata={world.strata.uuid}&q=10")) == [
        c.d.reference,
        c.t.reference,
        c.a.reference,
    ]


def test_a_bad_filter_is_refused_with_its_field(world):
    answer = staff(world, "manager").get("/api/v1/staff/cases/?status=lost&strata=x")

    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "Some fields need attention.",
        "code": "invalid",
        "fields": {
            "strata": ["Must be a valid UUID."],
            "status": ['"lost" is not a valid choice.'],
        },
    }


@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        ("caretaker", ["d", "t", "a"]),
        ("council_member", ["d", "t", "a"]),
        ("recused_council_member", ["t"]),
        ("other_manager", ["o"]),
        ("superuser", ["d", "o", "t", "a"]),
    ],
)
def test_each_staff_member_sees_their_stratas_cases_less_those_they_are_recused_from(
    world, actor, visible
):
    answer = staff(world, actor).get("/api/v1/staff/cases/")

    expected = [getattr(world.cases, name).reference for name in visible]
    assert sorted(refs(answer)) == sorted(expected)
    for name in {"a", "t", "o", "d"} - set(visible):
        detail = staff(world, actor).get(f"/api/v1/staff/cases/{getattr(world.cases, name).uuid}/")
        assert (detail.status_code, detail.json()["code"]) == (404, "not_found")


def test_the_staff_view_of_a_case(world):
    case = world.cases.t
    terry, larry = world.persons.terry, world.persons.larry

    answer = staff(world, "manager").get(f"/api/v1/staff/cases/{case.uuid}/")

    assert answer.status_code == 200
    assert answer.json() == {
        "uuid": str(case.uuid),
        "reference": "VIO-20261101-102",
        "strata": {"uuid": str(world.strata.uuid), "name": "Harbour View"},
        "unit": {"uuid": str(world.units.u102.uuid), "unit_number": "102"},
        "status": "notice_sent",
        "status_label": "Notice sent",
        "incident_on": case.incident_on.isoformat(),
        "bylaws": [{"number": "3.1", "title": "Nuisance and noise"}],
        "response_deadline": iso(case.response_deadline),
        "created_at": iso(case.created_at),
        "category": None,
        "incident": {
            "on": case.incident_on.isoformat(),
            "time": case.incident_time.isoformat(),
            "place": case.incident_place,
            "description": case.description,
        },
        "parties": [
            {
                "uuid": str(larry.uuid),
                "full_name": "Larry Landlord",
                "role": "owner",
                "role_label": "Owner",
                "required": True,
            },
            {
                "uuid": str(terry.uuid),
                "full_name": "Terry Tenant",
                "role": "respondent",
                "role_label": "Respondent",
                "required": True,
            },
        ],
        "deadlines": {
            "stated_deadline": iso(case.stated_deadline),
            "response_deadline": iso(case.response_deadline),
            "compliance_on": None,
            "hearing_hold_by": None,
            "hearing_scheduled_for": None,
        },
        "closed_at": None,
    }


# --- the register of my stratas ------------------------------------------------------------------


def test_the_units_of_my_stratas_with_their_current_occupants(world):
    client = staff(world, "manager")

    units = client.get("/api/v1/staff/units/").json()
    searched = client.get("/api/v1/staff/units/?q=102").json()
    other = client.get(f"/api/v1/staff/units/?strata={world.other_strata.uuid}").json()

    assert [u["unit_number"] for u in units["results"]] == ["101", "102", "103", "104"]
    assert searched["results"] == [
        {
            "uuid": str(world.units.u102.uuid),
            "unit_number": "102",
            "strata_lot_number": 2,
            "floor": "",
            "is_townhouse": False,
            "strata": {"uuid": str(world.strata.uuid), "name": "Harbour View"},
            "occupants": [
                {
                    "uuid": str(world.persons.larry.uuid),
                    "full_name": "Larry Landlord",
                    "role": "owner",
                    "role_label": "Owner",
                    "starts_on": "2020-01-01",
                    "ends_on": None,
                },
                {
                    "uuid": str(world.persons.terry.uuid),
                    "full_name": "Terry Tenant",
                    "role": "tenant",
                    "role_label": "Tenant",
                    "starts_on": "2024-09-01",
                    "ends_on": None,
                },
            ],
        }
    ]
    assert other["results"] == []


def test_the_persons_of_my_stratas_searched_by_name_or_email(world):
    client = staff(world, "manager")

    persons = client.get("/api/v1/staff/persons/").json()
    larry = client.get("/api/v1/staff/persons/?q=LARRY@").json()

    assert [p["full_name"] for p in persons["results"]] == [
        "Cathy Complainant",
        "Cole Coowner",
        "Larry Landlord",
        "Olive Owner",
        "Rex Recused",
        "Terry Tenant",
        "Uma Unrelated",
    ]
    assert larry["results"] == [
        {
            "uuid": str(world.persons.larry.uuid),
            "full_name": "Larry Landlord",
            "email": "larry@example.test",
            "phone": world.persons.larry.phone,
            "email_for_notices": "",
            "newsletters": True,
            "strata": {"uuid": str(world.strata.uuid), "name": "Harbour View"},
            "units": [
                {
                    "uuid": str(world.units.u102.uuid),
                    "unit_number": "102",
                    "role": "owner",
                    "role_label": "Owner",
                }
            ],
        }
    ]


def test_another_stratas_manager_reads_only_their_own_register(world):
    client = staff(world, "other_manager")

    units = client.get("/api/v1/staff/units/").json()["results"]
    persons = client.get("/api/v1/staff/persons/").json()["results"]

    assert [u["unit_number"] for u in units] == ["9"]
    assert [p["full_name"] for p in persons] == ["Oscar Outsider"]
