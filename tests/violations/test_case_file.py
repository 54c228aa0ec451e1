"""The case file (DESIGN §6 "The record"): one PDF of the whole process and a ZIP of the
originals, redacted unless it is for council, and an audited action."""

import datetime as dt
import hashlib
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditLog
from accounts.strata_time import strata_today, strata_zone
from communications.models import OutboundEmail
from tests.properties.factories import PersonFactory
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    counts,
    decision_kwargs,
    deliver_emails,
)
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import (
    CaseFileExport,
    HearingOutcome,
    LetterDelivery,
    LetterKind,
    Payment,
    ViolationEvent,
)
from violations.selectors.case_file.redaction import REDACTED
from violations.selectors.letters import long_date
from violations.services.case_file import case_file_export
from violations.services.evidence import evidence_add

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
COMPLAINT_ORIGINAL = b"%PDF-1.4\n% Signed: Nora Neighbour, unit 102\n%%EOF\n"
FOOTER = re.compile(r"\s\d+ / \d+\s*$")
MINUTES = "The owner explained the party; council heard the caretaker's account."


@pytest.fixture(autouse=True)
def _hashers_and_scanner(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.CLAMAV_SOCKET = ""


@pytest.fixture
def decided(case, strata, manager, council_member, noise_bylaw, owner_for_notices):
    """Notice, a response, a hearing request, the hearing held, an upheld $50 fine, $20.00 of
    it paid, a photo as evidence, and a complainant on the register with a signed letter."""
    nora = PersonFactory(
        strata=strata,
        full_name="Nora Neighbour",
        email="nora@example.test",
        email_for_notices="nora@example.test",
        email_for_notices_given_on=dt.date(2025, 3, 1),
    )
    with time_machine.travel(T0, tick=False):
        services.violation_add_complaint(
            case=case,
            actor=manager,
            complaint={
                "channel": "letter",
                "received_on": dt.date(2026, 11, 3),
                "complainant": nora,
                "details": "The music went on past midnight again.",
                "original": SimpleUploadedFile("signed.pdf", COMPLAINT_ORIGINAL),
            },
        )
        Driver(actor=manager, council=[council_member]).to(case, "responded")
        party = case.parties.get(role="respondent")
        services.violation_receive_hearing_request(
            case=case,
            actor=manager,
            party=party,
            reason="I want to explain in person.",
            requested_on=strata_today(strata),
        )
        services.violation_schedule_hearing(
            case=case,
            actor=manager,
            scheduled_for=T0 + dt.timedelta(days=20),
            location="Amenity room",
        )
        deliver_emails()  # the hearing notice reaches Olive's mail server
    with time_machine.travel(T0 + dt.timedelta(days=21), tick=False):
        services.violation_record_hearing_outcome(
            case=case, actor=manager, outcome=HearingOutcome.HELD, minutes=MINUTES
        )
        services.violation_record_decision(
            case=case,
            actor=manager,
            **decision_kwargs(
                case,
                [council_member],
                outcome="upheld_fine",
                fine_amount=Decimal("50.00"),
                fine_bylaw=noise_bylaw,
            ),
        )
        deliver_emails()  # the decision and the fine notice reach Olive's mail server
        Payment.objects.create(
            charge=case.charges.get(),
            amount=Decimal("20.00"),
            paid_on=strata_today(strata),
            method=Payment.Method.CHEQUE,
            recorded_by=manager,
        )
        evidence_add(
            case=case,
            files=[SimpleUploadedFile("balcony.pdf", PDF_BYTES)],
            actor=manager,
        )
    case.refresh_from_db()
    return case


@pytest.fixture
def on_the_day():
    with time_machine.travel(T0 + dt.timedelta(days=22), tick=False):
        yield


def pdf_text(export: CaseFileExport) -> str:
    with export.pdf.open("rb") as handle:
        reader = pypdf.PdfReader(handle)
        # Each page ends with its footer ("2 / 3"), which may fall inside a section.
        text = " ".join(FOOTER.sub("", page.extract_text()) for page in reader.pages)
    return " ".join(text.split())


def archive(export: CaseFileExport) -> zipfile.ZipFile:
    with export.archive.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def sums(zipped: zipfile.ZipFile) -> dict[str, str]:
    lines = zipped.read("SHA256SUMS").decode().splitlines()
    return {path: sha for sha, path in (line.split("  ", 1) for line in lines)}


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in (media / "case_files").rglob("*") if p.is_file())


def test_the_pdf_states_letters_service_decision_ledger_and_bylaw_in_force(
    decided, manager, on_the_day
):
    export = case_file_export(
        case=decided, actor=manager, purpose="tribunal", requested_by_name="CRT case 123"
    )

    text = pdf_text(export)
    zone = strata_zone(decided.strata)
    letters = decided.letters.exclude(kind=LetterKind.COMPLAINANT_ACKNOWLEDGEMENT)
    assert {letter.kind for letter in letters} >= {"notice", "hearing_notice", "decision"}
    for letter in letters:
        issued = long_date(letter.issued_at.astimezone(zone).date())
        assert f"{letter.get_kind_display()}, issued {issued}" in text
        assert letter.pdf_sha256 in text.replace(" ", "")
        service = letter.deliveries.get()  # each letter is served on Olive alone
        # A letter to a party by email carried their case link; the file says so, no secret.
        link_note = (
            " The email also carried the person's own case link (not kept)."
            if letter.kind != "complainant_acknowledgement" and service.outbound_email_id
            else ""
        )
        row = (
            f"Olive Owner (Respondent) {service.get_method_display()}{link_note} "
            f"{service.get_status_display()} "
            f"{long_date(service.sent_at.astimezone(zone).date())} "
            f"{long_date(service.deemed_given_on)}"
        )
        assert row in text
    for expected in (
        "Case file VIO-20261101-001",
        "Harbour View — Strata Plan BCS1234",
        "Strata lot 1, Unit 101",
        "Purpose Civil Resolution Tribunal; requested by CRT case 123",
        "Bylaw 3.1 Nuisance and noise (in force from January 1, 2020) "
        "An owner, tenant or occupant must not cause unreasonable noise.",
        "It was a birthday party; it will not happen again.",
        f"Minutes {MINUTES}",
        "Vote 1 for, 0 against, 0 abstaining",
        "Outcome Upheld: fine — $50.00",
        "Totals $50.00 $20.00 $0.00 Balance $30.00",
        # A redacted copy withholds a PDF (its metadata cannot be stripped) and names it
        # neutrally; the strata keeps the original, whose sha256 the file states. (The row
        # may break across pages, where the table's header repeats.)
        "PDF 1 (application/pdf, 2026-12-16) PDF 77 Staff December 16, 2026",
        "Withheld: cannot be redacted",
        "November 25, 2026 at 10:00 a.m. Send the notice → Notice sent",
        "December 16, 2026 at 10:00 a.m. Record council's decision → Upheld",
    ):
        assert expected in text
    evidence = decided.evidence.get()
    assert evidence.sha256 in text.replace(" ", "")


def test_the_zip_holds_the_originals_and_sums_that_match_the_stored_evidence(
    decided, manager, on_the_day
):
    export = case_file_export(case=decided, actor=manager, purpose="council")

    zipped = archive(export)
    listed = sums(zipped)
    evidence = decided.evidence.get()
    issued = decided.letters.filter(issued_at__isnull=False)
    assert sorted(zipped.namelist()) == sorted([*listed, "SHA256SUMS"])
    assert listed["evidence/01-balcony.pdf"] == evidence.sha256
    assert zipped.read("evidence/01-balcony.pdf") == PDF_BYTES
    assert {p for p in listed if p.startswith("letters/")} == {
        f"letters/{n:02d}-{letter.kind}-{letter.issued_at.astimezone(strata_zone(decided.strata)):%Y-%m-%d}.pdf"
        for n, letter in enumerate(issued.order_by("issued_at", "id"), 1)
    }
    assert sorted(listed[p] for p in listed if p.startswith("letters/")) == sorted(
        letter.pdf_sha256 for letter in issued
    )
    for path, sha in listed.items():
        assert hashlib.sha256(zipped.read(path)).hexdigest() == sha
    assert listed["VIO-20261101-001-case-file-full.pdf"] == export.pdf_sha256
    with export.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == export.pdf_sha256
    with export.archive.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == export.archive_sha256


def test_a_redacted_export_names_no_complainant_and_logs_each_redaction(
    decided, manager, on_the_day
):
    before = AuditLog.objects.count()
    export = case_file_export(case=decided, actor=manager, purpose="records_request")

    text = pdf_text(export)
    assert "Nora Neighbour" not in text
    assert "A neighbour" not in text
    assert text.count(REDACTED) == 2
    assert "The music went on past midnight again." in text
    assert "Complainant acknowledgement" not in text
    neighbour, nora = decided.complaints.order_by("received_on")
    ack = decided.letters.get(kind=LetterKind.COMPLAINANT_ACKNOWLEDGEMENT)
    evidence = decided.evidence.get()
    added = ViolationEvent.objects.get(case=decided, kind="evidence_added")
    reason = "the complainant's identity is not disclosed"
    assert export.redactions == [
        {"complaint": str(neighbour.uuid), "field": "complainant_name", "reason": reason},
        {"complaint": str(nora.uuid), "field": "complainant", "reason": reason},
        {
            "complaint": str(nora.uuid),
            "field": "original",
            "reason": "the complaint's original file names the complainant; left out of the ZIP",
        },
        {
            "letter": str(ack.uuid),
            "field": "letter",
            "reason": "an acknowledgement addressed to the complainant; left out",
        },
        {
            "evidence": str(evidence.uuid),
            "field": "original",
            "reason": "withheld: its metadata cannot be stripped",
        },
        {
            "event": str(added.uuid),
            "field": "text",
            "reason": "names evidence files; shown under neutral names",
        },
    ]
    zipped = archive(export)
    assert not any(name.startswith("complaints/") for name in zipped.namelist())
    assert b"Nora Neighbour" not in b"".join(zipped.read(n) for n in zipped.namelist())
    entry = AuditLog.objects.get(action="violation.case_file_exported")
    assert AuditLog.objects.count() == before + 1
    assert (entry.actor, entry.strata, entry.target_uuid) == (
        manager,
        decided.strata,
        decided.uuid,
    )
    assert entry.changes == {
        "export": str(export.uuid),
        "purpose": "records_request",
        "requested_by": "",
        "redactions": 6,
        "pdf_sha256": export.pdf_sha256,
        "archive_sha256": export.archive_sha256,
        "redacted": export.redactions,
    }
    event = ViolationEvent.objects.get(case=decided, kind="case_file_exported")
    assert (event.actor, event.text, event.visible_to_resident) == (
        manager,
        "Case file exported for: Records request (SPA s.36)",
        False,
    )


def test_an_export_for_council_names_the_complainant_and_holds_the_complaint_original(
    decided, council_member, on_the_day
):
    export = case_file_export(case=decided, actor=council_member, purpose="council")

    text = pdf_text(export)
    assert "Nora Neighbour" in text
    assert "A neighbour" in text
    assert REDACTED not in text
    assert "Complainant acknowledgement, issued November 25, 2026" in text
    assert export.redactions == []
    zipped = archive(export)
    nora = decided.complaints.get(complainant__full_name="Nora Neighbour")
    original = f"complaints/02-{Path(nora.original.name).name}"
    assert zipped.read(original) == COMPLAINT_ORIGINAL
    assert sums(zipped)[original] == hashlib.sha256(COMPLAINT_ORIGINAL).hexdigest()
    assert AuditLog.objects.get(action="violation.case_file_exported").changes["redactions"] == 0


def test_a_failed_acknowledgement_email_is_redacted_from_the_chronology(
    decided, manager, on_the_day
):
    acknowledgement = LetterDelivery.objects.get(
        letter__case=decided, letter__kind=LetterKind.COMPLAINANT_ACKNOWLEDGEMENT
    )
    OutboundEmail.objects.filter(pk=acknowledgement.outbound_email_id).update(
        status=OutboundEmail.Status.FAILED
    )
    assert services.violation_services_check() == 1
    failed = ViolationEvent.objects.get(case=decided, kind="service_failed")
    assert "nora@example.test" in failed.text

    export = case_file_export(case=decided, actor=manager, purpose="tribunal")

    text = pdf_text(export)
    assert "nora@example.test" not in text
    assert f"Email not delivered: to be served on paper the system {REDACTED}" in text
    assert export.redactions[-1] == {
        "event": str(failed.uuid),
        "field": "text",
        "reason": "names the complainant's address",
    }
    assert len(export.redactions) == 7


@pytest.mark.parametrize("who", ["caretaker", "recused_council_member"])
def test_a_caretaker_or_a_recused_member_is_refused_and_nothing_is_written(
    request, decided, settings, who, on_the_day
):
    actor = request.getfixturevalue(who)
    before = {**counts(), "exports": CaseFileExport.objects.count()}

    with pytest.raises(TransitionRefused) as refused:
        case_file_export(case=decided, actor=actor, purpose="tribunal")

    assert refused.value.code == {"caretaker": "role", "recused_council_member": "recused"}[who]
    assert {**counts(), "exports": CaseFileExport.objects.count()} == before
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.parametrize(
    ("purpose", "named"),
    [
        ("council", r"evidence/01-balcony\.pdf"),
        # Withheld from a redacted copy, which still states the original's sha256.
        ("tribunal", r"PDF 1 \(application/pdf, 2026-12-16\)"),
    ],
)
def test_an_evidence_file_changed_since_upload_stops_the_export_and_nothing_is_kept(
    decided, manager, settings, on_the_day, purpose, named
):
    evidence = decided.evidence.get()
    with open(evidence.original.path, "wb") as handle:
        handle.write(PDF_BYTES + b"tampered")
    before = {**counts(), "exports": CaseFileExport.objects.count()}

    with pytest.raises(ValidationError, match=f"{named} no longer matches"):
        case_file_export(case=decided, actor=manager, purpose=purpose)

    assert {**counts(), "exports": CaseFileExport.objects.count()} == before
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


def test_an_unknown_purpose_is_refused(decided, manager, on_the_day):
    with pytest.raises(ValidationError, match="Say what the case file is for"):
        case_file_export(case=decided, actor=manager, purpose="curiosity")
    assert not CaseFileExport.objects.exists()


# --- the admin ------------------------------------------------------------------------------


def export_url(case) -> str:
    return reverse("admin:violations_violation_case_file", args=[case.pk])


def download_url(export, what) -> str:
    return reverse(
        "admin:violations_violation_case_file_download", args=[export.case_id, export.uuid, what]
    )


def test_a_manager_exports_from_the_case_page_and_downloads_both_files_audited(
    client, decided, manager, on_the_day
):
    client.force_login(manager)
    page = client.get(reverse("admin:violations_violation_change", args=[decided.pk]))
    assert f'href="{export_url(decided)}"' in page.text

    response = client.post(
        export_url(decided), {"purpose": "tribunal", "requested_by_name": "CRT case 123"}
    )

    export = CaseFileExport.objects.get()
    assert response.status_code == 302
    assert (export.case, export.purpose, export.requested_by_name, export.exported_by) == (
        decided,
        "tribunal",
        "CRT case 123",
        manager,
    )
    page = client.get(reverse("admin:violations_violation_change", args=[decided.pk]))
    assert f'href="{download_url(export, "pdf")}"' in page.text
    assert f'href="{download_url(export, "zip")}"' in page.text
    for what, content_type, stored, sha in (
        ("pdf", "application/pdf", export.pdf, export.pdf_sha256),
        ("zip", "application/zip", export.archive, export.archive_sha256),
    ):
        download = client.get(download_url(export, what))
        content = b"".join(download.streaming_content)
        assert download.status_code == 200
        assert download["Content-Type"] == content_type
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"] == (
            'attachment; filename="VIO-20261101-001-case-file-redacted-'
            f'{export.created_at:%Y%m%d}.{what}"'
        )
        assert hashlib.sha256(content).hexdigest() == sha
        with stored.open("rb") as handle:
            assert handle.read() == content
    downloads = AuditLog.objects.filter(action="violation.case_file_downloaded").order_by("id")
    assert [entry.changes for entry in downloads] == [
        {"export": str(export.uuid), "file": "pdf", "sha256": export.pdf_sha256},
        {"export": str(export.uuid), "file": "zip", "sha256": export.archive_sha256},
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("caretaker", 403), ("other_manager", 404), ("recused_council_member", 404)],
)
def test_users_without_the_right_get_no_form_and_no_download(
    request, client, decided, manager, who, status, on_the_day
):
    export = case_file_export(case=decided, actor=manager, purpose="council")
    client.force_login(request.getfixturevalue(who))
    audit = AuditLog.objects.count()

    answers = [
        client.get(export_url(decided)),
        client.post(export_url(decided), {"purpose": "council"}),
        client.get(download_url(export, "pdf")),
        client.get(download_url(export, "zip")),
    ]

    assert [answer.status_code for answer in answers] == [status] * 4
    assert CaseFileExport.objects.count() == 1
    assert AuditLog.objects.count() == audit


def test_a_complainants_file_is_withheld_from_a_redacted_copy_under_a_neutral_name(
    decided, manager, on_the_day
):
    [photo] = evidence_add(
        case=decided,
        files=[SimpleUploadedFile("nora-neighbour-noise.pdf", PDF_BYTES)],
        actor=manager,
        source="complainant",
    )

    export = case_file_export(case=decided, actor=manager, purpose="tribunal")

    text = pdf_text(export)
    assert "nora-neighbour" not in text
    assert "Evidence added: PDF 2 (application/pdf, 2026-12-17)" in text
    zipped = archive(export)
    assert not any(name.startswith("evidence/") for name in sums(zipped))
    assert not any("nora" in name for name in zipped.namelist())
    assert {
        "evidence": str(photo.uuid),
        "field": "original",
        "reason": "withheld: its metadata cannot be stripped",
    } in export.redactions
    council = case_file_export(case=decided, actor=manager, purpose="council")
    assert "evidence/02-nora-neighbour-noise.pdf" in archive(council).namelist()
