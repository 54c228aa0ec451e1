"""Paper that arrives with a transition keeps its file (issue 13 item 8): a response or a
hearing request received on paper with its scanned letter, and a complaint filed with its
photos, each in the same admin form. Every file goes through the evidence pipeline (type by
content, size and count caps, PDF JavaScript, ClamAV, a metadata-free copy of a photo), before
the transaction, and a refused file refuses the whole form: nothing is recorded."""

import datetime as dt
import io
import re
from pathlib import Path

import pypdf
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

from accounts.models import AuditLog
from tests.violations.drive import FAST_HASHERS, T0, Driver, counts, respondent_party
from uploads import clamav
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import Evidence, Hearing, Response, Violation, ViolationEvent
from violations.services.case_file import case_file_export
from violations.services.evidence import evidence_add

pytestmark = pytest.mark.django_db

SCAN = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    b"% I was at my sister's that night. Olive Owner\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
# A web page with a script, named like a scan: refused by its content, whatever its name.
DISGUISED = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n"
DAY_AFTER = T0 + dt.timedelta(days=1)  # Thursday November 26, 2026, 10:00 in Vancouver


@pytest.fixture(autouse=True)
def _hashers_and_scanner(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.CLAMAV_SOCKET = ""


@pytest.fixture
def noticed(case, manager, council_member):
    """The case with its notice out on T0 (Olive, the owner, is the respondent)."""
    with time_machine.travel(T0, tick=False):
        Driver(actor=manager, council=[council_member]).to(case, "notice_sent")
    return case


@pytest.fixture
def day_after():
    with time_machine.travel(DAY_AFTER, tick=False):
        yield


def photo_with_gps(colour: str = "red") -> bytes:
    exif = Image.Exif()
    exif[Base.Make] = "Pixel"
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (49.0, 17.0, 30.0)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def transition_url(case, name: str) -> str:
    return reverse("admin:violations_violation_transition", args=[case.pk, name])


def case_url(case) -> str:
    return reverse("admin:violations_violation_change", args=[case.pk])


def download_url(evidence) -> str:
    return reverse("violations:evidence-download", args=[evidence.uuid])


def section(page: str, name: str) -> str:
    """One section of the case page, by its id (``case-responses``)."""
    start = page.index(f'id="{name}"')
    return page[start : page.index('<div class="module', start)]


def response_post(case, **extra) -> dict:
    return {
        "party": respondent_party(case).pk,
        "received_at": "2026-11-26T09:00",
        "channel": "letter",
        "text": "I was at my sister's that night; it was not my unit.",
        **extra,
    }


def recorded(case) -> dict:
    """What a refused form must leave alone: the counted tables, evidence, and the files."""
    return {
        **counts(),
        "evidence": Evidence.objects.count(),
        "status": Violation.objects.get(pk=case.pk).status,
    }


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p) for p in (root / "evidence").rglob("*") if p.is_file())


# --- a response on paper -----------------------------------------------------------------


def test_a_paper_response_is_recorded_with_its_scan_and_shown_beside_it(
    client, noticed, manager, day_after
):
    client.force_login(manager)

    response = client.post(
        transition_url(noticed, "record_response"),
        response_post(noticed, scans=[SimpleUploadedFile("reply-letter.pdf", SCAN)]),
    )

    assert response.status_code == 302
    answer = Response.objects.get(case=noticed)
    scan = Evidence.objects.get()
    assert (scan.case, scan.response, scan.hearing_request) == (noticed, answer, None)
    assert (scan.original_name, scan.kind, scan.content_type) == (
        "reply-letter.pdf",
        Evidence.Kind.PDF,
        "application/pdf",
    )
    assert (scan.source, scan.uploaded_by, scan.shared_with_parties) == (
        Evidence.Source.PARTY,
        manager,
        False,
    )
    with scan.original.open("rb") as stored:
        assert stored.read() == SCAN
    event = noticed.events.get(kind="record_response")
    assert event.data["files"] == [
        {"uuid": str(scan.uuid), "name": "reply-letter.pdf", "sha256": scan.sha256}
    ]
    # One transition, one event: the scan is part of it, not a separate upload.
    assert not noticed.events.filter(kind="evidence_added").exists()
    audit = AuditLog.objects.get(action="violation.record_response")
    assert audit.changes["data"]["files"] == event.data["files"]

    page = client.get(case_url(noticed)).text
    responses = section(page, "case-responses")
    assert f'href="{download_url(scan)}"' in responses
    assert "reply-letter.pdf" in responses
    assert f'href="{download_url(scan)}"' in section(page, "case-evidence")


def test_a_hearing_request_on_paper_is_received_with_its_scan(client, noticed, manager, day_after):
    client.force_login(manager)

    response = client.post(
        transition_url(noticed, "receive_hearing_request"),
        {
            "party": respondent_party(noticed).pk,
            "requested_on": "2026-11-26",
            "reason": "I want to explain in person.",
            "scans": [
                SimpleUploadedFile("request-page-1.jpg", photo_with_gps("white")),
                SimpleUploadedFile("request-page-2.jpg", photo_with_gps("grey")),
            ],
        },
    )

    assert response.status_code == 302
    hearing = Hearing.objects.get(case=noticed)
    scans = list(Evidence.objects.order_by("original_name"))
    assert [(s.original_name, s.hearing_request, s.response) for s in scans] == [
        ("request-page-1.jpg", hearing, None),
        ("request-page-2.jpg", hearing, None),
    ]
    assert all(s.resident_copy for s in scans)
    hearings = section(client.get(case_url(noticed)).text, "case-hearings")
    for scan in scans:
        assert f'href="{download_url(scan)}"' in hearings


def test_a_refused_scan_refuses_the_response_and_records_nothing(
    client, noticed, manager, day_after, settings
):
    client.force_login(manager)
    before = recorded(noticed)

    response = client.post(
        transition_url(noticed, "record_response"),
        response_post(
            noticed,
            scans=[
                SimpleUploadedFile("page-1.pdf", SCAN),
                SimpleUploadedFile("reply.pdf", DISGUISED, content_type="application/pdf"),
            ],
        ),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["scans"] == [
        "reply.pdf was refused: it contains a script, which a browser or mail program could "
        "run. Save or print it as a PDF and add that instead."
    ]
    assert recorded(noticed) == before
    assert stored_files(settings) == []


def test_an_infected_scan_is_refused_after_a_scan_made_outside_the_transaction(
    noticed, manager, day_after, settings, monkeypatch
):
    settings.CLAMAV_SOCKET = "clamd.test:3310"
    depth = len(connection.atomic_blocks)  # the test's own transaction
    scanned = []

    def fake_clamd(file):
        scanned.append(len(connection.atomic_blocks) - depth)
        return "stream: Eicar-Test-Signature FOUND"

    monkeypatch.setattr(clamav, "clamd_instream", fake_clamd)
    before = recorded(noticed)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_record_response(
            case=noticed,
            actor=manager,
            party=respondent_party(noticed),
            text="See my letter.",
            channel="letter",
            received_at=DAY_AFTER - dt.timedelta(hours=1),
            scans=[SimpleUploadedFile("reply.pdf", SCAN)],
        )

    assert refused.value.message_dict == {
        "scans": ["reply.pdf was refused: the virus scanner found Eicar-Test-Signature in it"]
    }
    assert scanned == [0]  # no transaction of the service's was open during the scan
    assert recorded(noticed) == before
    assert stored_files(settings) == []


def test_a_scan_past_the_cases_file_cap_is_refused_and_nothing_recorded(
    client, noticed, manager, day_after, settings
):
    settings.EVIDENCE_MAX_FILES_PER_CASE = 2
    evidence_add(
        case=noticed,
        files=[SimpleUploadedFile(f"photo-{n}.jpg", photo_with_gps()) for n in range(2)],
        actor=manager,
    )
    files_before = stored_files(settings)
    client.force_login(manager)
    before = recorded(noticed)

    response = client.post(
        transition_url(noticed, "record_response"),
        response_post(noticed, scans=[SimpleUploadedFile("reply.pdf", SCAN)]),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["scans"] == [
        "A case holds at most 2 files; this one has 2 and you added 1"
    ]
    assert recorded(noticed) == before
    assert stored_files(settings) == files_before


def test_a_response_without_a_scan_is_recorded_as_before(client, noticed, manager, day_after):
    client.force_login(manager)

    response = client.post(transition_url(noticed, "record_response"), response_post(noticed))

    assert response.status_code == 302
    assert Response.objects.filter(case=noticed).exists()
    assert not Evidence.objects.exists()
    assert "files" not in noticed.events.get(kind="record_response").data


# --- who reaches the scan -------------------------------------------------------------------


@pytest.fixture
def scan(noticed, manager, day_after):
    services.violation_record_response(
        case=noticed,
        actor=manager,
        party=respondent_party(noticed),
        text="See my letter.",
        channel="letter",
        received_at=DAY_AFTER - dt.timedelta(hours=1),
        scans=[SimpleUploadedFile("reply-letter.pdf", SCAN)],
    )
    return Evidence.objects.get()


def test_the_scan_downloads_through_the_evidence_view_for_staff_of_the_case(
    client, scan, manager, council_member
):
    for user in (manager, council_member):
        client.force_login(user)
        response = client.get(download_url(scan))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == SCAN
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["anonymous", "recused_council_member", "other_manager"])
def test_the_scan_is_404_to_a_recused_member_and_another_stratas_manager(
    client, scan, who, request
):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    assert client.get(download_url(scan)).status_code == 404


# --- a complaint with its photos ------------------------------------------------------------


def report_post(unit, bylaw, **extra) -> dict:
    return {
        "unit": unit.pk,
        "bylaws": [bylaw.pk],
        "incident_on": "2026-11-24",
        "incident_time": "23:30",
        "incident_place": "Balcony",
        "description": "Loud music past midnight.",
        "channel": "email",
        "received_on": "2026-11-25",
        "complainant_name": "Neighbour in 102",
        **extra,
    }


def test_a_complaint_is_filed_with_two_photos_stored_as_the_new_cases_evidence(
    client, unit, noise_bylaw, manager
):
    client.force_login(manager)
    with time_machine.travel(T0, tick=False):
        response = client.post(
            reverse("admin:violations_violation_add"),
            report_post(
                unit,
                noise_bylaw,
                evidence_files=[
                    SimpleUploadedFile("balcony-1.jpg", photo_with_gps("red")),
                    SimpleUploadedFile("balcony-2.jpg", photo_with_gps("blue")),
                ],
            ),
        )

    case = Violation.objects.get()
    assert response.status_code == 302
    photos = list(case.evidence.order_by("original_name"))
    assert [(p.original_name, p.kind, p.source, p.uploaded_by) for p in photos] == [
        ("balcony-1.jpg", Evidence.Kind.IMAGE, Evidence.Source.COMPLAINANT, manager),
        ("balcony-2.jpg", Evidence.Kind.IMAGE, Evidence.Source.COMPLAINANT, manager),
    ]
    for photo in photos:
        with Image.open(photo.original.path) as original:
            assert original.getexif().get_ifd(IFD.GPSInfo)[GPS.GPSLatitudeRef] == "N"
        with Image.open(photo.resident_copy.path) as copy:
            assert len(copy.getexif()) == 0
        assert photo.metadata["gps_present"] is True
    event = case.events.get()
    assert (event.kind, [f["name"] for f in event.data["files"]]) == (
        "report",
        ["balcony-1.jpg", "balcony-2.jpg"],
    )


def test_a_refused_photo_refuses_the_filing_and_no_case_is_opened(
    client, unit, noise_bylaw, manager, settings
):
    client.force_login(manager)

    with time_machine.travel(T0, tick=False):
        response = client.post(
            reverse("admin:violations_violation_add"),
            report_post(
                unit,
                noise_bylaw,
                evidence_files=[
                    SimpleUploadedFile("balcony.jpg", photo_with_gps()),
                    SimpleUploadedFile("IMG_0001.jpg", b"MZ\x90\x00" + b"\x00" * 200),
                ],
            ),
        )

    assert response.status_code == 200
    errors = response.context["form"].errors["evidence_files"]
    assert errors == [
        "IMG_0001.jpg is not an image, PDF, audio, video, email or Word file: its content is "
        "a Windows executable"
    ]
    assert not Violation.objects.exists()
    assert not Evidence.objects.exists()
    assert stored_files(settings) == []


def test_too_many_photos_for_a_new_case_are_refused(client, unit, noise_bylaw, manager, settings):
    settings.EVIDENCE_MAX_FILES_PER_CASE = 1
    client.force_login(manager)

    with time_machine.travel(T0, tick=False):
        response = client.post(
            reverse("admin:violations_violation_add"),
            report_post(
                unit,
                noise_bylaw,
                evidence_files=[
                    SimpleUploadedFile(f"balcony-{n}.jpg", photo_with_gps()) for n in range(2)
                ],
            ),
        )

    assert response.status_code == 200
    assert response.context["form"].errors["evidence_files"] == [
        "A case holds at most 1 files; this one has 0 and you added 2"
    ]
    assert not Violation.objects.exists()
    assert stored_files(settings) == []


def test_an_offered_open_case_asks_for_the_files_again_and_keeps_none(
    client, case, unit, noise_bylaw, manager, settings
):
    client.force_login(manager)

    with time_machine.travel(T0, tick=False):
        offered = client.post(
            reverse("admin:violations_violation_add"),
            report_post(
                unit,
                noise_bylaw,
                evidence_files=[SimpleUploadedFile("balcony.jpg", photo_with_gps())],
            ),
        )

    assert offered.status_code == 200
    assert [c.reference for c in offered.context["form"].open_cases] == ["VIO-20261101-001"]
    assert offered.context["form"].errors["evidence_files"] == [
        "Choose the files again: they are kept only once filed."
    ]
    assert not Evidence.objects.exists()
    assert stored_files(settings) == []


def test_a_further_complaint_is_added_with_its_photo(client, case, manager):
    client.force_login(manager)

    with time_machine.travel(T0, tick=False):
        response = client.post(
            transition_url(case, "add_complaint"),
            {
                "channel": "letter",
                "received_on": "2026-11-24",
                "complainant_name": "Neighbour in 103",
                "evidence_files": [SimpleUploadedFile("hallway.jpg", photo_with_gps())],
            },
        )

    assert response.status_code == 302
    photo = case.evidence.get()
    assert (photo.original_name, photo.source) == ("hallway.jpg", Evidence.Source.COMPLAINANT)
    event = case.events.get(kind="add_complaint")
    assert [f["name"] for f in event.data["files"]] == ["hallway.jpg"]


# --- the case file ---------------------------------------------------------------------------


def pdf_text(export) -> str:
    with export.pdf.open("rb") as handle:
        reader = pypdf.PdfReader(handle)
        text = " ".join(re.sub(r"\s\d+ / \d+\s*$", "", p.extract_text()) for p in reader.pages)
    return " ".join(text.split())


def test_the_case_file_lists_the_scan_with_the_response(scan, manager, noticed):
    with time_machine.travel(DAY_AFTER + dt.timedelta(hours=1), tick=False):
        full = case_file_export(case=noticed, actor=manager, purpose="council")
        redacted = case_file_export(case=noticed, actor=manager, purpose="records_request")

    text = pdf_text(full)
    responses = text[text.index("Responses") : text.index("Hearings")]
    assert "See my letter. The letter as received: reply-letter.pdf (under Evidence)" in (responses)
    text = pdf_text(redacted)
    responses = text[text.index("Responses") : text.index("Hearings")]
    assert (
        "See my letter. The letter as received: PDF 1 (application/pdf, 2026-11-26) "
        "(under Evidence)"
    ) in responses


def test_evidence_added_separately_is_not_listed_with_a_response(noticed, manager, scan, day_after):
    [other] = evidence_add(
        case=noticed, files=[SimpleUploadedFile("photo.jpg", photo_with_gps())], actor=manager
    )

    assert list(Response.objects.get().scans.all()) == [scan]
    assert other.response is None
    assert ViolationEvent.objects.filter(kind="evidence_added").count() == 1
