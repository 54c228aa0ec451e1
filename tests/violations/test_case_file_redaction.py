"""A redacted case file (a records request, the tribunal) identifies no complainant or
witness: not in the photos' metadata, the evidence file names, the recusals or any text; an
export for council or the strata's lawyer stays complete. Both say which they are."""

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

from accounts.models import AuditLog
from tests.properties.factories import PersonFactory
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    decision_kwargs,
    deliver_emails,
    respondent_party,
)
from violations import services
from violations.models import (
    CaseFileExport,
    Decision,
    FineProposal,
    LetterKind,
    ViolationEvent,
)
from violations.selectors.case_file import redaction as case_file_redaction
from violations.selectors.case_file.redaction import REDACTED
from violations.services.case_file import case_file_export
from violations.services.evidence import evidence_add

pytestmark = pytest.mark.django_db

NAME = "Sakura Kowalski"
EMAIL = "sakura@example.test"
PHONE = re.compile(r"604\D{0,3}555\D{0,3}0199")
STATEMENT = b"%PDF-1.4\n% Statement of Sakura Kowalski, sakura@example.test\n%%EOF\n"
REDACTED_LINE = (
    "Redacted copy — for a records request or the tribunal; complainants and witnesses are "
    "not identified"
)
UNREDACTED_LINE = "Unredacted — for council or the strata's lawyer"


@pytest.fixture(autouse=True)
def _hashers_and_scanner(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.CLAMAV_SOCKET = ""


def photo_with_exif() -> bytes:
    """A photo whose EXIF gives the place (GPS), the phone it was taken with, and the
    complainant as its artist with their email as its copyright."""
    exif = Image.Exif()
    exif[Base.Make] = "Google"
    exif[Base.Model] = "Pixel 8a"
    exif[Base.Artist] = NAME
    exif[Base.Copyright] = EMAIL
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (49.0, 17.0, 30.0)
    gps[GPS.GPSLongitudeRef] = "W"
    gps[GPS.GPSLongitude] = (123.0, 7.0, 10.0)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def sakura(strata):
    return PersonFactory(
        strata=strata,
        full_name=NAME,
        email=EMAIL,
        phone="604-555-0199",
        email_for_notices=EMAIL,
        email_for_notices_given_on=dt.date(2025, 3, 1),
    )


@pytest.fixture
def exhibit(case, manager, council_member, recused_council_member, sakura):
    """Sakura complains (and is sent an acknowledgement), sends a photo named after her with
    her name, email and position in its EXIF, and a signed statement; the notice goes out,
    Olive declines a hearing, and council upholds with Rex (who lives in the unit) recused."""
    with time_machine.travel(T0, tick=False):
        services.violation_add_complaint(
            case=case,
            actor=manager,
            complaint={
                "channel": "email",
                "received_on": dt.date(2026, 11, 3),
                "complainant": sakura,
                "details": f"{NAME} (604 555 0199, {EMAIL}) heard music past midnight.",
            },
        )
        deliver_emails()
        evidence_add(
            case=case,
            files=[
                SimpleUploadedFile(f"{NAME} - balcony party.jpg", photo_with_exif()),
                SimpleUploadedFile("statement.pdf", STATEMENT),
            ],
            actor=manager,
            source="complainant",
            description=f"Taken by {NAME} from unit 102",
        )
        Driver(actor=manager, council=[council_member]).to(case, "notice_sent")
        services.violation_record_response(
            case=case,
            actor=manager,
            party=respondent_party(case),
            text="No hearing, thank you; council may decide.",
            channel="letter",
            received_at=timezone.now(),
            declines_hearing=True,
        )
        services.violation_record_decision(
            case=case,
            actor=manager,
            **decision_kwargs(
                case,
                [council_member, recused_council_member],
                recusals=[recused_council_member],
                votes_for=1,
                outcome="upheld_warning",
            ),
        )
        deliver_emails()
    case.refresh_from_db()
    return case


@pytest.fixture
def on_the_day():
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        yield


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def first_page(data: bytes) -> str:
    return " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


def read(stored) -> bytes:
    with stored.open("rb") as handle:
        return handle.read()


def archive(export: CaseFileExport) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(read(export.archive)))


def sums_check(zipped: zipfile.ZipFile) -> dict[str, str]:
    """``sha256sum -c SHA256SUMS``: every other file is listed once and matches its line."""
    listed = {}
    for line in zipped.read("SHA256SUMS").decode().splitlines():
        sha, path = line.split("  ", 1)
        assert hashlib.sha256(zipped.read(path)).hexdigest() == sha, path
        listed[path] = sha
    assert sorted(zipped.namelist()) == sorted([*listed, "SHA256SUMS"])
    return listed


def identifies_sakura(text: str) -> list[str]:
    found = [what for what in (NAME, EMAIL, "Kowalski") if what.lower() in text.lower()]
    return found + PHONE.findall(text)


def test_a_redacted_zip_holds_metadata_free_photos_under_neutral_names(
    exhibit, manager, on_the_day
):
    export = case_file_export(case=exhibit, actor=manager, purpose="records_request")

    zipped = archive(export)
    listed = sums_check(zipped)
    photo, statement = exhibit.evidence.order_by("created_at", "id")
    assert sorted(p for p in listed if p.startswith("evidence/")) == ["evidence/01-photo.jpg"]
    copy = read(photo.resident_copy)
    assert zipped.read("evidence/01-photo.jpg") == copy
    assert listed["evidence/01-photo.jpg"] == hashlib.sha256(copy).hexdigest()
    images = [p for p in zipped.namelist() if p.endswith((".jpg", ".jpeg", ".png"))]
    assert images == ["evidence/01-photo.jpg"]
    for path in images:
        with Image.open(io.BytesIO(zipped.read(path))) as image:
            exif = image.getexif()
            assert len(exif) == 0
            assert not exif.get_ifd(IFD.GPSInfo)
            assert {"exif", "xmp", "icc_profile", "comment"} & set(image.info) == set()
    assert STATEMENT not in b"".join(zipped.read(p) for p in zipped.namelist())
    text = pdf_text(read(export.pdf))
    assert "Photo 1 (image/jpeg, 2026-11-25)" in text
    assert (
        "PDF 2 (application/pdf, 2026-11-25) PDF 67 Complainant November 25, 2026 "
        "Withheld: cannot be redacted"
    ) in text
    assert "Evidence added: Photo 1 (image/jpeg, 2026-11-25), PDF 2 (application/pdf, " in text
    assert "statement.pdf" not in text
    assert {
        "evidence": str(photo.uuid),
        "field": "original",
        "reason": "exported as its metadata-free copy under a neutral name",
    } in export.redactions
    assert {
        "evidence": str(statement.uuid),
        "field": "original",
        "reason": "withheld: its metadata cannot be stripped",
    } in export.redactions


def test_a_redacted_export_identifies_the_complainant_in_no_file(exhibit, manager, on_the_day):
    export = case_file_export(case=exhibit, actor=manager, purpose="tribunal")

    zipped = archive(export)
    listed = sums_check(zipped)
    pdf = read(export.pdf)
    assert identifies_sakura(pdf_text(pdf)) == []
    assert identifies_sakura(" ".join(zipped.namelist())) == []
    assert identifies_sakura(zipped.read("SHA256SUMS").decode()) == []
    for path in listed:
        data = zipped.read(path)
        assert NAME.encode() not in data and EMAIL.encode() not in data, path
        if path.endswith(".pdf"):
            assert identifies_sakura(pdf_text(data)) == [], path
    assert "VIO-20261101-001-case-file-redacted.pdf" in listed
    assert not any(LetterKind.COMPLAINANT_ACKNOWLEDGEMENT in p for p in listed)
    text = pdf_text(pdf)
    assert "Complainant acknowledgement" not in text
    assert f"{REDACTED} ({REDACTED}, {REDACTED}) heard music past midnight." in text
    assert f"Taken by {REDACTED} from unit 102" in text


def test_a_redacted_export_counts_recusals_and_names_no_recused_member(
    exhibit, manager, on_the_day
):
    export = case_file_export(case=exhibit, actor=manager, purpose="records_request")

    text = pdf_text(read(export.pdf))
    assert "Rex Recused" not in text
    assert "Members present council and 1 recused member" in text
    assert "Recused 1 council member recused (not named in a redacted copy)" in text
    decision = Decision.objects.get(case=exhibit)
    assert {
        "decision": str(decision.uuid),
        "field": "recusals",
        "reason": "who is recused may point at the complainant; counted, not named",
    } in export.redactions


def test_the_first_page_says_a_copy_is_redacted_or_unredacted(exhibit, manager, on_the_day):
    redacted = case_file_export(case=exhibit, actor=manager, purpose="records_request")
    full = case_file_export(case=exhibit, actor=manager, purpose="council")

    assert first_page(read(redacted.pdf)).startswith(REDACTED_LINE)
    assert first_page(read(full.pdf)).startswith(UNREDACTED_LINE)
    assert UNREDACTED_LINE not in pdf_text(read(redacted.pdf))
    assert "VIO-20261101-001-case-file-full.pdf" in archive(full).namelist()


def test_an_unredacted_export_keeps_the_originals_and_the_names(exhibit, manager, on_the_day):
    export = case_file_export(case=exhibit, actor=manager, purpose="council")

    zipped = archive(export)
    listed = sums_check(zipped)
    [photo, _statement] = exhibit.evidence.order_by("created_at", "id")
    original = read(photo.original)
    assert zipped.read(f"evidence/01-{NAME} - balcony party.jpg") == original
    assert listed[f"evidence/01-{NAME} - balcony party.jpg"] == photo.sha256
    assert zipped.read("evidence/02-statement.pdf") == STATEMENT
    with Image.open(io.BytesIO(original)) as image:
        exif = image.getexif()
        assert (exif[Base.Artist], exif[Base.Copyright]) == (NAME, EMAIL)
        assert exif.get_ifd(IFD.GPSInfo)[GPS.GPSLatitudeRef] == "N"
    text = pdf_text(read(export.pdf))
    for expected in (
        f"{NAME} (604 555 0199, {EMAIL}) heard music past midnight.",
        f"Evidence added: {NAME} - balcony party.jpg, statement.pdf",
        "Members present Rex Recused, council",
        "Recused Rex Recused",
        "Complainant acknowledgement",
    ):
        assert expected in text
    assert export.redactions == []


def test_the_downloads_are_named_redacted_or_full(client, exhibit, manager, on_the_day):
    redacted = case_file_export(case=exhibit, actor=manager, purpose="tribunal")
    full = case_file_export(case=exhibit, actor=manager, purpose="council")
    client.force_login(manager)

    names = {
        (export.purpose, what): client.get(
            reverse(
                "admin:violations_violation_case_file_download",
                args=[exhibit.pk, export.uuid, what],
            )
        )["Content-Disposition"]
        for export in (redacted, full)
        for what in ("pdf", "zip")
    }

    assert names == {
        (
            "tribunal",
            "pdf",
        ): 'attachment; filename="VIO-20261101-001-case-file-redacted-20261126.pdf"',
        (
            "tribunal",
            "zip",
        ): 'attachment; filename="VIO-20261101-001-case-file-redacted-20261126.zip"',
        ("council", "pdf"): 'attachment; filename="VIO-20261101-001-case-file-full-20261126.pdf"',
        ("council", "zip"): 'attachment; filename="VIO-20261101-001-case-file-full-20261126.zip"',
    }


def test_a_witness_seen_in_any_text_is_redacted(exhibit, strata, manager, on_the_day):
    PersonFactory(strata=strata, full_name="Wendy Witness", email="wendy@example.test")
    decision = Decision.objects.get(case=exhibit)
    FineProposal.objects.create(
        case=exhibit, decision=decision, due_on=dt.date(2026, 12, 3), observed_by="Wendy Witness"
    )
    Decision.objects.filter(pk=decision.pk).update(
        reasons="Council accepts what Wendy Witness (wendy@example.test) saw."
    )

    export = case_file_export(case=exhibit, actor=manager, purpose="records_request")

    text = pdf_text(read(export.pdf))
    assert "Wendy" not in text and "wendy@" not in text
    marker = case_file_redaction.WITNESS_REDACTED
    assert f"Council accepts what {marker} ({marker}) saw." in text


def test_a_letter_naming_the_complainant_is_withheld_from_a_redacted_zip(
    case, manager, council_member, sakura
):
    with time_machine.travel(T0, tick=False):
        services.violation_add_complaint(
            case=case,
            actor=manager,
            complaint={
                "channel": "phone",
                "received_on": dt.date(2026, 11, 3),
                "complainant": sakura,
            },
        )
        case.description = f"Loud music until 2 a.m.; {NAME} in 102 could not sleep."
        case.save(update_fields=["description"])
        Driver(actor=manager, council=[council_member]).to(case, "notice_sent")
        notice = case.letters.get(kind=LetterKind.NOTICE)
        assert NAME in notice.html

        export = case_file_export(case=case, actor=manager, purpose="tribunal")

    zipped = archive(export)
    assert not any(p.startswith("letters/") for p in sums_check(zipped))
    text = pdf_text(read(export.pdf))
    assert identifies_sakura(text) == []
    assert "Notice of complaint, issued November 25, 2026 sha256" in text
    assert text.count("Withheld from this copy: it names a complainant or witness.") == 1
    assert {
        "letter": str(notice.uuid),
        "field": "letter",
        "reason": "names a complainant or witness; left out",
    } in export.redactions


def test_a_redacted_file_that_still_names_the_complainant_is_refused_and_nothing_is_kept(
    exhibit, manager, settings, monkeypatch, on_the_day
):
    """The last check before anything is written, should a field ever escape redaction."""
    monkeypatch.setattr(case_file_redaction.Redactor, "scrub", lambda self, value, **where: value)
    before = (
        CaseFileExport.objects.count(),
        AuditLog.objects.count(),
        ViolationEvent.objects.count(),
    )

    with pytest.raises(ValidationError) as refused:
        case_file_export(case=exhibit, actor=manager, purpose="records_request")

    assert refused.value.messages == [
        "The redacted case file would still show a complainant's or witness's email address in "
        "the PDF, so nothing was exported. Export it for council or the strata's lawyer, or "
        "report the field that escaped redaction."
    ]
    after = (
        CaseFileExport.objects.count(),
        AuditLog.objects.count(),
        ViolationEvent.objects.count(),
    )
    assert after == before
    media = Path(settings.MEDIA_ROOT) / "case_files"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_respondents_written_request_is_withheld_from_a_redacted_zip(
    case, manager, council_member
):
    """A PDF's metadata and content cannot be redacted, whoever sent it."""
    with time_machine.travel(T0, tick=False):
        Driver(actor=manager, council=[council_member]).to(case, "awaiting_decision")
        hearing = case.hearings.get()
        redacted = case_file_export(case=case, actor=manager, purpose="tribunal")
        full = case_file_export(case=case, actor=manager, purpose="council")

    assert not any(p.startswith("hearings/") for p in sums_check(archive(redacted)))
    assert "Written request Withheld: cannot be redacted" in pdf_text(read(redacted.pdf))
    assert {
        "hearing": str(hearing.uuid),
        "field": "consent_file",
        "reason": "withheld: its metadata cannot be stripped",
    } in redacted.redactions
    [path] = [p for p in sums_check(archive(full)) if p.startswith("hearings/")]
    text = pdf_text(read(full.pdf))
    flat = text.replace(" ", "")  # a long name may wrap anywhere, after the slash too
    assert "WrittenrequestIntheZIPashearings/01-" in flat
    assert path in flat
