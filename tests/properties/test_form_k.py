"""A tenant's Form K (SPA s.146) goes through the evidence file pipeline (docs/deployment.md,
"Uploads and evidence"): accepted by its content as a PDF, JPEG or PNG within a size cap,
refused with a field error naming the reason, stored in private media under a random name,
and downloaded only through a permission-checked view (the matrix in
``tests/test_admin_authorization.py`` covers every role)."""

import io
import re
import threading
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from accounts.models import AuditLog
from properties.models import Occupancy
from tests.accounts.factories import UserFactory
from tests.admin_forms import change_form_data
from tests.conftest import free_port
from tests.violations.test_evidence import PDF_BYTES, FakeClamd
from tests.violations.test_evidence_checks import ACTION, CATALOG, pdf, png_header
from uploads import clamav

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>\n'
EXE = b"MZ\x90\0" + b"\0" * 60


@pytest.fixture
def media(settings) -> Path:
    settings.CLAMAV_SOCKET = ""
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def tenancy(tenant) -> Occupancy:
    return Occupancy.objects.get(person=tenant)


def change_url(occupancy) -> str:
    return reverse("admin:properties_occupancy_change", args=[occupancy.pk])


def download_url(occupancy) -> str:
    return reverse("properties:form-k-download", args=[occupancy.uuid])


def post_form_k(client, occupancy, name: str, data: bytes):
    """The occupancy's change form as shown, with ``data`` chosen as its Form K."""
    form = change_form_data(client.get(change_url(occupancy)))
    form["form_k_file"] = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post(change_url(occupancy), form)


def field_errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["adminform"].form.errors["form_k_file"]


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def assert_nothing_stored(occupancy, media):
    occupancy.refresh_from_db()
    assert (occupancy.form_k_file.name, occupancy.form_k_name) == ("", "")
    assert not AuditLog.objects.exists()
    assert stored_files(media) == []


def jpeg_bytes() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(image, "JPEG")
    return image.getvalue()


# --- refusing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            HTML,
            "form-k.pdf was refused: it contains a script, which a browser or mail program "
            "could run. Save or print it as a PDF and add that instead.",
        ),
        (
            SVG,
            "form-k.pdf was refused: it contains an SVG image, which a browser or mail program "
            "could run. Save or print it as a PDF and add that instead.",
        ),
        (
            EXE,
            "form-k.pdf is not a PDF, JPEG or PNG file: its content is a Windows executable",
        ),
    ],
    ids=["html", "svg", "exe"],
)
def test_a_file_disguised_as_a_pdf_is_refused_and_nothing_is_stored(
    client, manager, tenancy, media, data, reason
):
    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.pdf", data)

    assert field_errors(response) == [reason]
    assert_nothing_stored(tenancy, media)


def test_a_pdf_with_javascript_is_refused(client, manager, tenancy, media):
    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.pdf", pdf(CATALOG, ACTION))

    assert field_errors(response) == [
        "form-k.pdf was refused: it is a PDF with JavaScript in it, which a PDF reader could "
        "run. Print it to a new PDF (that leaves scripts out) and add that instead."
    ]
    assert_nothing_stored(tenancy, media)


def test_a_form_k_past_the_size_cap_is_refused(client, manager, tenancy, media, settings):
    settings.FORM_K_MAX_BYTES = 1024

    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.pdf", PDF_BYTES + b"%" * 1024)

    assert field_errors(response) == ["form-k.pdf is 1.1 KB; Form K files may be at most 1 KB"]
    assert_nothing_stored(tenancy, media)


def test_an_image_past_the_pixel_limit_is_refused(client, manager, tenancy, media):
    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.png", png_header(9000, 9000))

    assert field_errors(response) == [
        "form-k.png has more pixels than an image may have (50 megapixels); "
        "save it at a smaller size and add it again"
    ]
    assert_nothing_stored(tenancy, media)


# --- virus scanning ----------------------------------------------------------------------------


@pytest.fixture
def clamd(settings):
    servers: list[FakeClamd] = []

    def start(reply: bytes) -> FakeClamd:
        server = FakeClamd(reply)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        settings.CLAMAV_SOCKET = f"127.0.0.1:{server.server_address[1]}"
        settings.CLAMAV_TIMEOUT_SECONDS = 5
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_infected_form_k_is_refused(client, manager, tenancy, media, clamd):
    clamd(b"stream: Eicar-Test-Signature FOUND")
    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.pdf", PDF_BYTES)

    assert field_errors(response) == [
        "form-k.pdf was refused: the virus scanner found Eicar-Test-Signature in it"
    ]
    assert_nothing_stored(tenancy, media)


def test_a_form_k_is_not_stored_when_the_scanner_is_down(client, manager, tenancy, media, settings):
    settings.CLAMAV_SOCKET = f"127.0.0.1:{free_port()}"
    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.pdf", PDF_BYTES)

    assert field_errors(response) == [
        "The virus scanner could not be reached, so no file was stored; "
        "try again later or tell the site's administrator"
    ]
    assert_nothing_stored(tenancy, media)


def test_the_scan_runs_before_the_admin_opens_its_transaction(
    client, manager, tenancy, media, clamd, monkeypatch
):
    """A scan is network I/O: never inside a transaction (STYLE), which on SQLite would hold
    the write lock for as long as clamd takes."""
    server = clamd(b"stream: OK")
    depth_outside = len(connection.atomic_blocks)
    depths = []
    scan = clamav.clamd_instream

    def watched(file):
        depths.append(len(connection.atomic_blocks))
        return scan(file)

    monkeypatch.setattr(clamav, "clamd_instream", watched)
    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.pdf", PDF_BYTES)

    assert response.status_code == 302
    assert depths == [depth_outside]
    assert server.streams == [PDF_BYTES]


# --- storing and downloading -------------------------------------------------------------------


def test_a_valid_pdf_is_stored_under_a_random_name_and_audited(client, manager, tenancy, media):
    client.force_login(manager)

    response = post_form_k(client, tenancy, "form-k.pdf", PDF_BYTES)

    assert response.status_code == 302
    tenancy.refresh_from_db()
    assert re.fullmatch(r"form-k/\d{4}/[0-9a-f]{32}\.pdf", tenancy.form_k_file.name)
    assert tenancy.form_k_name == "form-k.pdf"
    assert stored_files(media) == [media / tenancy.form_k_file.name]
    assert (media / tenancy.form_k_file.name).read_bytes() == PDF_BYTES
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.target_uuid) == (
        "register.occupancy_changed",
        manager,
        tenancy.uuid,
    )
    assert entry.changes == {"form_k_file": {"from": "", "to": tenancy.form_k_file.name}}


@pytest.fixture
def stored_pdf(client, manager, tenancy, media) -> Occupancy:
    client.force_login(manager)
    assert post_form_k(client, tenancy, "Form K «Terry».pdf", PDF_BYTES).status_code == 302
    client.logout()
    tenancy.refresh_from_db()
    return tenancy


@pytest.mark.parametrize("who", ["manager", "caretaker"])
def test_the_stratas_staff_download_the_form_k_as_an_attachment(client, stored_pdf, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get(download_url(stored_pdf))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Form%20K%20%C2%ABTerry%C2%BB.pdf"
    )


def test_a_jpeg_scan_downloads_with_the_sniffed_extension(client, manager, tenancy, media):
    client.force_login(manager)
    assert post_form_k(client, tenancy, "signed form.pdf", jpeg_bytes()).status_code == 302
    tenancy.refresh_from_db()

    response = client.get(download_url(tenancy))

    assert tenancy.form_k_file.name.endswith(".jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="signed form.jpg"'
    assert b"".join(response.streaming_content) == jpeg_bytes()


@pytest.fixture
def resident(stored_pdf, tenant):
    """The tenant whose Form K it is, signed in as a resident: still not staff."""
    tenant.user = UserFactory(email="terry.tenant@example.test", full_name="Terry Tenant")
    tenant.save()
    return tenant.user


@pytest.mark.parametrize("who", ["anonymous", "other_manager", "resident"])
def test_others_get_404(client, stored_pdf, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.get(download_url(stored_pdf))

    assert response.status_code == 404
    assert "Form K" not in response.text


def test_an_occupancy_without_a_form_k_has_none_to_download(client, manager, tenancy, media):
    client.force_login(manager)

    assert client.get(download_url(tenancy)).status_code == 404


def test_the_change_page_links_to_the_download_view(client, manager, stored_pdf, settings):
    client.force_login(manager)

    response = client.get(change_url(stored_pdf))

    assert response.status_code == 200
    assert f'href="{download_url(stored_pdf)}"' in response.text
    assert "Form K «Terry».pdf" in response.text
    assert settings.MEDIA_URL not in response.text


def test_the_read_only_page_links_to_the_download_view(client, caretaker, stored_pdf, settings):
    """Caretakers read the register: Django would link the read-only file to MEDIA_URL."""
    client.force_login(caretaker)

    response = client.get(change_url(stored_pdf))

    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    assert f'<a href="{download_url(stored_pdf)}">Form K «Terry».pdf</a>' in response.text
    assert settings.MEDIA_URL not in response.text


def test_clearing_the_form_k_forgets_its_name(client, manager, stored_pdf):
    client.force_login(manager)
    form = change_form_data(client.get(change_url(stored_pdf)))

    response = client.post(change_url(stored_pdf), {**form, "form_k_file-clear": "on"})

    assert response.status_code == 302
    stored_pdf.refresh_from_db()
    assert (stored_pdf.form_k_file.name, stored_pdf.form_k_name) == ("", "")


def test_a_form_k_stored_before_the_checks_leaves_as_plain_bytes(client, manager, tenancy, media):
    """A file stored unchecked under the uploader's name is never sent as a page."""
    tenancy.form_k_file.save("lease.html", ContentFile(HTML))
    client.force_login(manager)

    response = client.get(download_url(tenancy))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="lease.bin"'
    assert response["X-Content-Type-Options"] == "nosniff"
