"""What makes an evidence file unsafe to keep whatever its first bytes claim (docs/security.md,
"Evidence files are checked for what they can do"): images past the pixel limit, script-bearing
text, Word documents that expand or carry programs, PDFs with JavaScript, and download names
that follow the sniffed type."""

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from tests.violations.factories import ViolationFactory
from tests.violations.test_evidence import (
    EML_BYTES,
    PDF_BYTES,
    assert_nothing_stored,
    download_url,
    refusal,
    upload,
)
from violations.domain.evidence_files import inspect_file
from violations.models import Evidence
from violations.services.case_file import case_file_export
from violations.services.evidence import evidence_add

REFUSED_SCRIPT = (
    "%(name)s was refused: it contains %(what)s, which a browser or mail program could run. "
    "Save or print it as a PDF and add that instead."
)
REFUSED_PDF_SCRIPT = (
    "%(name)s was refused: it is a PDF with JavaScript in it, which a PDF reader could run. "
    "Print it to a new PDF (that leaves scripts out) and add that instead."
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CLAMAV_SOCKET = ""
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def case(unit, media):
    return ViolationFactory(unit=unit)


def refused(case, manager, name: str, data: bytes) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        evidence_add(case=case, files=[upload(name, data)], actor=manager)
    return refusal(excinfo)


# --- images past the pixel limit ---------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` RGB pixels, with a few bytes of data:
    refusing it by its header must not need (or try) decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "size",
    [(9000, 9000), (12000, 9000), (20000, 20000)],
    ids=["under-pillows-limit", "past-pillows-warning", "past-pillows-error"],
)
def test_an_image_past_the_pixel_limit_is_refused_before_decoding(
    case, manager, media, monkeypatch, size
):
    def decode(image):
        raise AssertionError("decoded an image past the pixel limit")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)

    assert refused(case, manager, "scan.png", png_header(*size)) == [
        "scan.png has more pixels than an image may have (50 megapixels); "
        "save it at a smaller size and add it again"
    ]
    assert_nothing_stored(case, media)


def test_the_pixel_limit_is_a_setting(case, manager, media, settings):
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 1_500_000
    image = io.BytesIO()
    Image.new("L", (1500, 1001)).save(image, "PNG")

    assert refused(case, manager, "wide.png", image.getvalue()) == [
        "wide.png has more pixels than an image may have (1.5 megapixels); "
        "save it at a smaller size and add it again"
    ]
    assert_nothing_stored(case, media)


def test_a_large_resident_copy_waits_for_storage_on_disk_not_in_memory(
    case, manager, media, settings
):
    """Ten large photos in one upload must not hold ten re-encoded copies in the worker's
    memory until they are stored: a copy past the in-memory upload limit goes to disk."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    noise = io.BytesIO()
    Image.frombytes("L", (200, 200), os.urandom(40_000)).save(noise, "PNG")

    checked = inspect_file(upload("noise.png", noise.getvalue()))
    [row] = evidence_add(case=case, files=[upload("noise.png", noise.getvalue())], actor=manager)

    assert checked.resident_copy.file._rolled is True  # a temporary file, not bytes in memory
    with Image.open(row.resident_copy.path) as copy:
        assert (copy.format, copy.size, copy.mode) == ("PNG", (200, 200), "RGB")


# --- script-bearing text -----------------------------------------------------------------------

EMAIL_HEAD = (
    b"From: Neighbour <neighbour@example.test>\r\nDate: Sun, 01 Nov 2026 23:40:00 -0800\r\n"
)


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("notes.txt", b"Noise log\nTuesday 11 pm\n<script>alert(1)</script>\n", "a script"),
        ("photo.svg", b"\xef\xbb\xbf \r\n\t<svg onload=alert(1)>", "an SVG image"),
        ("page.txt", b"<!-- saved -->\n<!-- from url -->\n<!DOCTYPE html>\n<p>hi", "a web page"),
        ("run.txt", b"Hello\r\n<HTA:APPLICATION ID=x>\r\n", "an HTML application (HTA)"),
        ("wide.txt", "\ufeff<html>hi</html>".encode("utf-16-le"), "a web page"),
        ("style.xml", b'<?xml version="1.0"?>\n<x:script>go()</x:script>', "a script"),
        ("img.txt", b"Look:\n<img src=x onerror=alert(1)>", "a script in an event handler"),
        ("frame.txt", b"x\n<iframe src=//evil.example>", "an embedded page or program"),
        ("link.txt", b'x\n<a href="javascript:go()">', "a javascript: link"),
        ("complaint.eml", EMAIL_HEAD + b"\r\nLoud.\r\n<script>alert(1)</script>", "a script"),
        ("complaint.eml", EMAIL_HEAD + b"\r\n<html><body>Loud.</body></html>", "a web page"),
        (
            "complaint.eml",
            EMAIL_HEAD + b"\r\n" + b"Loud music.\r\n" * 10_000 + b"<svg/onload=alert(1)>",
            "an SVG image",
        ),
        (
            "complaint.eml",
            EMAIL_HEAD + b"Content-Type: text/html\r\n\r\n<p>Loud</p><scr=\r\nipt>go()</script>",
            "a script",
        ),
    ],
    ids=[
        "script-on-line-3",
        "svg-after-bom-and-whitespace",
        "doctype-after-comments",
        "hta",
        "utf16-page",
        "xml-with-namespaced-script",
        "event-handler",
        "iframe",
        "javascript-link",
        "email-with-script",
        "email-whose-body-is-an-undeclared-page",
        "email-with-svg-past-64kb",
        "email-script-split-by-a-quoted-printable-break",
    ],
)
def test_script_bearing_text_is_refused_whatever_its_first_lines_look_like(
    case, manager, media, name, data, what
):
    assert refused(case, manager, name, data) == [REFUSED_SCRIPT % {"name": name, "what": what}]
    assert_nothing_stored(case, media)


def test_an_email_with_a_declared_html_part_is_accepted(case, manager, media):
    """Most real emails carry an HTML part; mail programs show it without running scripts."""
    message = (
        EMAIL_HEAD + b"Subject: Music again\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nLoud music.\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<!DOCTYPE html><html><head><style>p{color:red}</style></head><body><p class="x">'
        b"Loud <b>music</b>.</p></body></html>\r\n--b--\r\n"
    )

    [row] = evidence_add(case=case, files=[upload("music.eml", message)], actor=manager)

    assert (row.kind, row.content_type) == ("email", "message/rfc822")


# --- the download's name follows the sniffed type ---------------------------------------------


def small_png() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(image, "PNG")
    return image.getvalue()


def test_the_download_takes_the_extension_of_the_sniffed_type(client, case, manager, media):
    png, eml = evidence_add(
        case=case,
        files=[upload("evil.html", small_png()), upload("complaint.txt", EML_BYTES)],
        actor=manager,
    )
    client.force_login(manager)

    original = client.get(download_url(png))
    copy = client.get(download_url(png, copy="resident"))
    email = client.get(download_url(eml))

    assert (original["Content-Type"], original["Content-Disposition"]) == (
        "image/png",
        'attachment; filename="evil.png"',
    )
    assert copy["Content-Disposition"] == 'attachment; filename="evil.png"'
    assert (email["Content-Type"], email["Content-Disposition"]) == (
        "message/rfc822",
        'attachment; filename="complaint.eml"',
    )
    assert png.original_name == "evil.html"  # what the uploader called it, shown to staff


def test_the_case_file_names_evidence_by_its_sniffed_type(case, manager, media):
    evidence_add(
        case=case,
        files=[upload("evil.html", small_png()), upload("nora.js", PDF_BYTES)],
        actor=manager,
    )
    Evidence.objects.filter(original_name="nora.js").update(source="complainant")

    council = case_file_export(case=case, actor=manager, purpose="council")
    tribunal = case_file_export(case=case, actor=manager, purpose="tribunal")

    def evidence_entries(export):
        with export.archive.open("rb") as handle:
            names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
        return sorted(name for name in names if name.startswith("evidence/"))

    assert evidence_entries(council) == ["evidence/01-evil.png", "evidence/02-nora.pdf"]
    # A redacted copy: the image's metadata-free copy under a neutral name, the PDF withheld.
    assert evidence_entries(tribunal) == ["evidence/01-photo.png"]


# --- Word documents and other ZIP containers ---------------------------------------------------


def docx(*parts: tuple[str, bytes], content_types: bytes = b"<Types/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("word/document.xml", b"<w:document/>")
        for name, data in parts:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_word_document_expanding_past_the_size_limit_is_refused(
    case, manager, media, monkeypatch
):
    monkeypatch.setattr("uploads.container_checks.MAX_EXPANDED_BYTES", 1024 * 1024)

    messages = refused(
        case, manager, "minutes.docx", docx(("word/media/image1.png", os.urandom(1024 * 1024)))
    )

    assert messages == [
        "minutes.docx was refused: it expands to 1.1 MB when opened, "
        "and a Word document may expand to at most 1 MB"
    ]
    assert_nothing_stored(case, media)


def test_a_word_document_compressed_past_the_ratio_limit_is_refused(case, manager, media):
    bomb = docx(("word/media/image1.png", b"\0" * (8 * 1024 * 1024)))
    infos = zipfile.ZipFile(io.BytesIO(bomb)).infolist()
    ratio = sum(i.file_size for i in infos) // sum(i.compress_size for i in infos)
    assert ratio > 1000

    assert refused(case, manager, "minutes.docx", bomb) == [
        f"minutes.docx was refused: it expands {ratio} times when opened, "
        "and a Word document may expand at most 100 times"
    ]
    assert_nothing_stored(case, media)


def test_a_word_document_whose_parts_overlap_is_refused(case, manager, media):
    """A zip bomb without nesting points many entries at the same compressed bytes: the
    entries then claim more compressed bytes than the file holds."""
    data = bytearray(docx(("word/styles.xml", b"<w:styles/>" * 400)))
    entry = data.rindex(b"PK\x01\x02")  # the directory's last entry: word/styles.xml
    assert data[entry + 46 : entry + 61] == b"word/styles.xml"
    struct.pack_into("<I", data, entry + 20, len(data) * 2)  # its compressed size

    assert refused(case, manager, "minutes.docx", bytes(data)) == [
        "minutes.docx was refused: its parts claim more bytes than the file holds, "
        "which only a file built to overload the computer opening it does"
    ]
    assert_nothing_stored(case, media)


@pytest.mark.parametrize(
    ("parts", "content_types", "what"),
    [
        ([("word/embeddings/setup.exe", b"MZ")], b"<Types/>", "a program in it (setup.exe)"),
        ([("word/media/run.js", b"go()")], b"<Types/>", "a program in it (run.js)"),
        ([("customXml/x.HTA", b"<hta:application>")], b"<Types/>", "a program in it (x.HTA)"),
        ([("word/vbaProject.bin", b"\0")], b"<Types/>", "macros"),
        (
            [("word/attachment.bin", b"\0")],
            b'<Types><Override PartName="/word/attachment.bin" '
            b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
            "macros",
        ),
        (
            [("word/embeddings/oleObject1.bin", b"\0")],
            b"<Types/>",
            "an embedded object or control (oleObject1.bin)",
        ),
        (
            [("word/activeX/activeX1.xml", b"<ax/>")],
            b"<Types/>",
            "an embedded object or control (activeX1.xml)",
        ),
    ],
    ids=["exe", "js", "hta", "macros", "renamed-macros", "ole-object", "activex"],
)
def test_a_word_document_carrying_a_program_is_refused(
    case, manager, media, parts, content_types, what
):
    data = docx(*parts, content_types=content_types)

    assert refused(case, manager, "minutes.docx", data) == [
        "minutes.docx is not an image, PDF, audio, video, email or Word file: "
        f"its content is a Word document with {what}"
    ]
    assert_nothing_stored(case, media)


def test_a_word_document_with_images_and_an_embedded_workbook_is_accepted(case, manager, media):
    data = docx(
        ("word/media/image1.png", small_png()),
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", b"PK\x05\x06" + b"\0" * 18),
        ("word/styles.xml", b"<w:styles/>" * 100),
    )

    [row] = evidence_add(case=case, files=[upload("minutes.docx", data)], actor=manager)

    assert (row.kind, row.content_type) == (
        "document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


# --- PDFs with JavaScript ----------------------------------------------------------------------


def pdf(*objects: bytes) -> bytes:
    body = b"%PDF-1.7\n"
    for number, content in enumerate(objects, 1):
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    return body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


CATALOG = b"<< /Type /Catalog /OpenAction 2 0 R >>"
ACTION = b"<< /S /JavaScript /JS (app.alert(1)) >>"


@pytest.mark.parametrize(
    "data",
    [
        pdf(CATALOG, ACTION),
        pdf(CATALOG, b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"),
        pdf(CATALOG, b"<</Type/Action/JS(app.alert(1))>>"),
        pdf(
            CATALOG,
            stream(
                b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
                zlib.compress(b"3 0 " + ACTION.replace(b"/JavaScript", b"/Java#53cript")),
            ),
        ),
        pdf(
            CATALOG,
            stream(b"/N 1 /First 4 /Filter /FlateDecode", zlib.compress(b"3 0 " + ACTION)),
        ),
        pdf(b"(>> stream\n)", ACTION, stream(b"", b"x")),
    ],
    ids=[
        "plain",
        "hex-escaped-names",
        "js-key-alone",
        "in-an-object-stream",
        "in-an-object-stream-without-its-type",
        "fake-stream",
    ],
)
def test_a_pdf_with_javascript_is_refused(case, manager, media, data):
    assert refused(case, manager, "letter.pdf", data) == [
        REFUSED_PDF_SCRIPT % {"name": "letter.pdf"}
    ]
    assert_nothing_stored(case, media)


def test_a_pdf_whose_object_stream_cannot_be_checked_is_refused(case, manager, media):
    hidden = stream(b"/Type /ObjStm /N 1 /First 4 /Filter /LZWDecode", b"\x80\x0b\x60")

    assert refused(case, manager, "letter.pdf", pdf(CATALOG, hidden)) == [
        "letter.pdf was refused: parts of this PDF are compressed in a way that could not be "
        "checked for scripts. Print it to a new PDF and add that instead."
    ]
    assert_nothing_stored(case, media)


def test_a_pdf_whose_binary_streams_hold_js_bytes_is_accepted(case, manager, media):
    """Compressed page content is random bytes: a /JS there is no name, so it is not read as one."""
    image = stream(b"/Type /XObject /Subtype /Image /Filter /DCTDecode", b"\xff\xd8/JS (x)\xff")
    objects = stream(
        b"/Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode]",
        zlib.compress(b"3 0 << /Type /Font /BaseFont /Helvetica >>"),
    )

    [row] = evidence_add(
        case=case, files=[upload("letter.pdf", pdf(CATALOG, image, objects))], actor=manager
    )

    assert (row.kind, row.content_type) == ("pdf", "application/pdf")


# --- the admin names the reason ----------------------------------------------------------------


def test_the_upload_page_names_why_a_file_was_refused(client, case, manager, media, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # spooled to disk: the PDF is read through a map
    client.force_login(manager)

    response = client.post(
        reverse("admin:violations_violation_evidence_add", args=[case.pk]),
        {
            "files": [SimpleUploadedFile("letter.pdf", pdf(CATALOG, ACTION))],
            "source": "staff",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        REFUSED_PDF_SCRIPT % {"name": "letter.pdf"}
    ]
    assert_nothing_stored(case, media)
