import datetime as dt
import functools
import hashlib
import io
import socketserver
import struct
import threading
import wave
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageCms
from PIL.ExifTags import GPS, IFD, Base

from accounts.models import AuditLog
from properties.models import Occupancy
from tests.conftest import free_port
from tests.properties.factories import OccupancyFactory, PersonFactory
from tests.violations.factories import ViolationFactory
from uploads.file_checks import size_label
from violations.models import Evidence, ViolationEvent
from violations.services import evidence as evidence_module
from violations.services.evidence import evidence_add

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EML_BYTES = (
    b"From: Neighbour <neighbour@example.test>\r\n"
    b"To: manager@example.test\r\n"
    b"Date: Sun, 01 Nov 2026 23:40:00 -0800\r\n"
    b"Subject: Music again\r\n"
    b"Message-ID: <1@example.test>\r\n"
    b"\r\n"
    b"It is 11:40 pm and the music from 101 is still on.\r\n"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CLAMAV_SOCKET = ""
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def case(unit, media):
    return ViolationFactory(unit=unit)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    # The browser's content type is whatever the client says: the service ignores it.
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@functools.cache
def jpeg_with_gps() -> bytes:
    """A 40x20 photo taken sideways (orientation 6) with GPS, camera, time, XMP and ICC.
    Made once: a new sRGB profile carries the second it was made, so two calls can differ."""
    exif = Image.Exif()
    exif[Base.Make] = "Canon"
    exif[Base.Model] = "EOS R6"
    exif[Base.Orientation] = 6
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = "2026:11:01 23:31:00"
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (49.0, 17.0, 30.0)
    gps[GPS.GPSLongitudeRef] = "W"
    gps[GPS.GPSLongitude] = (123.0, 7.0, 10.0)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(
        buffer,
        "JPEG",
        exif=exif,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Unit 101 balcony</x:xmpmeta>',
        comment=b"taken from 102",
    )
    return buffer.getvalue()


def wav_bytes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\0\0" * 800)
    return buffer.getvalue()


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def assert_nothing_stored(case, media):
    assert not Evidence.objects.exists()
    assert not ViolationEvent.objects.filter(case=case, kind="evidence_added").exists()
    assert not AuditLog.objects.filter(action="violation.evidence_added").exists()
    assert stored_files(media) == []


def refusal(excinfo) -> list[str]:
    return excinfo.value.messages


# --- storing -----------------------------------------------------------------------------------


def test_jpeg_original_keeps_gps_and_resident_copy_has_no_metadata(case, manager, media):
    original = jpeg_with_gps()

    [row] = evidence_add(case=case, files=[upload("IMG_0042.JPG", original)], actor=manager)

    with row.original.open("rb") as stored:
        assert stored.read() == original
    with Image.open(row.original.path) as image:
        gps = image.getexif().get_ifd(IFD.GPSInfo)
    assert gps[GPS.GPSLatitudeRef] == "N"
    assert gps[GPS.GPSLatitude] == (49.0, 17.0, 30.0)
    with Image.open(row.resident_copy.path) as copy:
        assert copy.format == "JPEG"
        assert len(copy.getexif()) == 0
        assert copy.size == (20, 40)  # turned upright before the orientation tag was dropped
        assert {"exif", "xmp", "icc_profile", "comment"} & set(copy.info) == set()
    assert row.original_name == "IMG_0042.JPG"
    assert row.kind == Evidence.Kind.IMAGE
    assert row.content_type == "image/jpeg"
    assert row.size == len(original)
    assert row.sha256 == hashlib.sha256(original).hexdigest()
    assert row.scan_status == Evidence.Scan.NOT_SCANNED
    assert row.source == Evidence.Source.STAFF
    assert row.uploaded_by == manager
    assert row.metadata == {
        "width": 40,
        "height": 20,
        "gps_present": True,
        "captured_at": "2026:11:01 23:31:00",
        "camera": "Canon EOS R6",
        "orientation": 6,
    }


def test_stored_names_are_random_and_never_the_uploaders(case, manager, media):
    [row] = evidence_add(
        case=case, files=[upload("../../etc/passwd\u202egpj.jpg", jpeg_with_gps())], actor=manager
    )

    assert row.original_name == "passwdgpj.jpg"
    for stored in (row.original.name, row.resident_copy.name):
        assert stored.startswith("evidence/")
        assert "passwd" not in stored
        assert len(Path(stored).stem) == 32
    assert Path(row.original.name).suffix == ".jpg"
    assert stored_files(media) == sorted(
        [media / row.original.name, media / row.resident_copy.name]
    )


def test_upload_writes_one_event_and_one_audit_entry(case, manager, media):
    rows = evidence_add(
        case=case,
        files=[upload("letter.pdf", PDF_BYTES), upload("complaint.eml", EML_BYTES)],
        actor=manager,
        description="From the complainant",
    )

    summary = [
        {"uuid": str(row.uuid), "name": row.original_name, "sha256": row.sha256} for row in rows
    ]
    event = ViolationEvent.objects.get(case=case, kind="evidence_added")
    assert event.actor == manager
    assert event.data == {"files": summary}
    assert event.visible_to_resident is False
    audit = AuditLog.objects.get(action="violation.evidence_added")
    assert audit.actor == manager
    assert audit.strata == case.strata
    assert audit.target_uuid == case.uuid
    assert audit.changes == {"files": summary, "source": "staff"}
    assert [row.description for row in rows] == ["From the complainant"] * 2


def test_email_and_audio_are_accepted_by_content(case, manager, media):
    wav = wav_bytes()

    eml, audio = evidence_add(
        case=case,
        files=[upload("complaint.txt", EML_BYTES), upload("noise.bin", wav)],
        actor=manager,
    )

    assert (eml.kind, eml.content_type, eml.resident_copy.name) == ("email", "message/rfc822", "")
    assert eml.metadata == {
        "from": "Neighbour <neighbour@example.test>",
        "to": "manager@example.test",
        "date": "Sun, 01 Nov 2026 23:40:00 -0800",
        "subject": "Music again",
    }
    assert Path(eml.original.name).suffix == ".eml"
    assert (audio.kind, audio.content_type) == ("audio", "audio/x-wav")
    assert audio.sha256 == hashlib.sha256(wav).hexdigest()
    assert audio.size == len(wav)


def test_outlook_message_and_word_document_are_accepted(case, manager, media):
    msg = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 600
        + "__substg1.0_0037001F".encode("utf-16-le")
    )
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")

    message, word = evidence_add(
        case=case,
        files=[upload("complaint.msg", msg), upload("minutes.docx", docx.getvalue())],
        actor=manager,
    )

    assert (message.kind, message.content_type) == ("email", "application/vnd.ms-outlook")
    assert (word.kind, Path(word.original.name).suffix) == ("document", ".docx")


# --- refusing ----------------------------------------------------------------------------------


def test_executable_named_jpg_is_refused_and_nothing_is_stored(case, manager, media):
    with pytest.raises(ValidationError) as excinfo:
        evidence_add(
            case=case,
            files=[
                upload("letter.pdf", PDF_BYTES),
                upload("holiday.jpg", b"MZ\x90\0" + b"\0" * 60),
            ],
            actor=manager,
        )

    assert refusal(excinfo) == [
        "holiday.jpg is not an image, PDF, audio, video, email or Word file: "
        "its content is a Windows executable"
    ]
    assert_nothing_stored(case, media)


def test_text_that_is_not_an_email_is_refused(case, manager, media):
    with pytest.raises(ValidationError) as excinfo:
        evidence_add(
            case=case, files=[upload("notes.eml", b"From: me\nhello there\n")], actor=manager
        )

    assert refusal(excinfo) == [
        "notes.eml is not an image, PDF, audio, video, email or Word file: "
        "its content is not of a type we recognise"
    ]
    assert_nothing_stored(case, media)


def test_oversize_file_is_refused_and_nothing_is_stored(case, manager, media, settings):
    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "audio": 1000}
    wav = wav_bytes()  # 1644 bytes

    with pytest.raises(ValidationError) as excinfo:
        evidence_add(case=case, files=[upload("noise.wav", wav)], actor=manager)

    assert refusal(excinfo) == ["noise.wav is 1.7 KB; audio may be at most 1000 bytes"]
    assert_nothing_stored(case, media)


def test_size_labels_round_a_file_up_past_its_limit():
    assert size_label(200 * 1024 * 1024) == "200 MB"
    assert size_label(250 * 1024 * 1024, round_up=True) == "250 MB"
    assert size_label(20 * 1024 * 1024 + 1, round_up=True) == "20.1 MB"


def test_too_many_files_for_the_case_is_refused(case, manager, media, settings):
    settings.EVIDENCE_MAX_FILES_PER_CASE = 3
    evidence_add(case=case, files=[upload("a.pdf", PDF_BYTES)], actor=manager)
    before = stored_files(media)

    with pytest.raises(ValidationError) as excinfo:
        evidence_add(
            case=case,
            files=[upload(f"{n}.pdf", PDF_BYTES) for n in ("b", "c", "d")],
            actor=manager,
        )

    assert refusal(excinfo) == ["A case holds at most 3 files; this one has 1 and you added 3"]
    assert Evidence.objects.filter(case=case).count() == 1
    assert ViolationEvent.objects.filter(case=case, kind="evidence_added").count() == 1
    assert AuditLog.objects.filter(action="violation.evidence_added").count() == 1
    assert stored_files(media) == before


def test_too_many_files_in_one_upload_is_refused(case, manager, media, settings):
    settings.EVIDENCE_MAX_FILES_PER_UPLOAD = 2

    with pytest.raises(ValidationError) as excinfo:
        evidence_add(
            case=case, files=[upload(f"{n}.pdf", PDF_BYTES) for n in range(3)], actor=manager
        )

    assert refusal(excinfo) == ["Add at most 2 files at a time; you added 3"]
    assert_nothing_stored(case, media)


def test_a_failure_while_recording_removes_the_written_files(case, manager, media, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(evidence_module, "audit_log_record", broken_audit)

    with pytest.raises(RuntimeError):
        evidence_add(case=case, files=[upload("IMG.jpg", jpeg_with_gps())], actor=manager)

    assert_nothing_stored(case, media)


# --- ClamAV ------------------------------------------------------------------------------------


class FakeClamd(socketserver.ThreadingTCPServer):
    """clamd's INSTREAM side on loopback: collects each stream and answers ``reply``."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, reply: bytes):
        self.reply = reply
        self.streams: list[bytes] = []
        super().__init__(("127.0.0.1", 0), ClamdHandler)


class ClamdHandler(socketserver.StreamRequestHandler):
    def handle(self):
        assert self.rfile.read(10) == b"zINSTREAM\0"
        data = b""
        while length := struct.unpack("!L", self.rfile.read(4))[0]:
            data += self.rfile.read(length)
        self.server.streams.append(data)
        self.wfile.write(self.server.reply + b"\0")


@pytest.fixture
def clamd(settings):
    def start(reply: bytes) -> FakeClamd:
        server = FakeClamd(reply)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        settings.CLAMAV_SOCKET = f"127.0.0.1:{server.server_address[1]}"
        settings.CLAMAV_TIMEOUT_SECONDS = 5
        return server

    servers: list[FakeClamd] = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_clean_scan_is_accepted_and_recorded(case, manager, media, clamd):
    server = clamd(b"stream: OK")

    [row] = evidence_add(case=case, files=[upload("letter.pdf", PDF_BYTES)], actor=manager)

    assert server.streams == [PDF_BYTES]
    assert row.scan_status == Evidence.Scan.CLEAN


def test_infected_file_is_refused(case, manager, media, clamd):
    clamd(b"stream: Eicar-Test-Signature FOUND")

    with pytest.raises(ValidationError) as excinfo:
        evidence_add(case=case, files=[upload("letter.pdf", PDF_BYTES)], actor=manager)

    assert refusal(excinfo) == [
        "letter.pdf was refused: the virus scanner found Eicar-Test-Signature in it"
    ]
    assert_nothing_stored(case, media)


def test_scanner_down_refuses_the_upload(case, manager, media, settings):
    settings.CLAMAV_SOCKET = f"127.0.0.1:{free_port()}"

    with pytest.raises(ValidationError) as excinfo:
        evidence_add(case=case, files=[upload("letter.pdf", PDF_BYTES)], actor=manager)

    assert refusal(excinfo) == [
        "The virus scanner could not be reached, so no file was stored; "
        "try again later or tell the site's administrator"
    ]
    assert_nothing_stored(case, media)


# --- who may add -------------------------------------------------------------------------------


@pytest.fixture
def recused_member(council_member, unit):
    """A council member who lives in the case's unit (SPA s.32)."""
    person = PersonFactory(strata=unit.strata, user=council_member)
    OccupancyFactory(
        unit=unit, person=person, role=Occupancy.Role.TENANT, starts_on=dt.date(2025, 1, 1)
    )
    return council_member


def test_caretaker_may_add_evidence(case, caretaker, media):
    [row] = evidence_add(case=case, files=[upload("letter.pdf", PDF_BYTES)], actor=caretaker)

    assert row.uploaded_by == caretaker


def test_recused_council_member_may_not_add_evidence(case, recused_member, media):
    with pytest.raises(PermissionDenied):
        evidence_add(case=case, files=[upload("letter.pdf", PDF_BYTES)], actor=recused_member)

    assert_nothing_stored(case, media)


def test_manager_of_another_strata_may_not_add_evidence(case, other_manager, media):
    with pytest.raises(PermissionDenied):
        evidence_add(case=case, files=[upload("letter.pdf", PDF_BYTES)], actor=other_manager)

    assert_nothing_stored(case, media)


# --- downloading -------------------------------------------------------------------------------


@pytest.fixture
def photo(case, manager):
    [row] = evidence_add(
        case=case, files=[upload("Balcony «night».jpg", jpeg_with_gps())], actor=manager
    )
    return row


def download_url(row, copy: str = "") -> str:
    url = reverse("violations:evidence-download", kwargs={"uuid": row.uuid})
    return f"{url}?copy={copy}" if copy else url


def test_manager_downloads_the_original_as_an_attachment(client, manager, photo):
    client.force_login(manager)

    response = client.get(download_url(photo))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == jpeg_with_gps()
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Balcony%20%C2%ABnight%C2%BB.jpg"
    )


def test_resident_copy_downloads_without_metadata(client, manager, photo):
    client.force_login(manager)

    response = client.get(download_url(photo, copy="resident"))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with photo.resident_copy.open("rb") as stored:
        assert body == stored.read()
    assert len(Image.open(io.BytesIO(body)).getexif()) == 0
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Balcony%20%C2%ABnight%C2%BB.jpg"
    )


def test_file_without_a_resident_copy_has_none_to_download(client, case, manager):
    [pdf] = evidence_add(case=case, files=[upload("letter.pdf", PDF_BYTES)], actor=manager)
    client.force_login(manager)

    assert client.get(download_url(pdf, copy="resident")).status_code == 404
    assert client.get(download_url(pdf)).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "other_manager", "recused_member"])
def test_others_get_404(client, photo, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    assert client.get(download_url(photo)).status_code == 404
    assert client.get(download_url(photo, copy="resident")).status_code == 404
