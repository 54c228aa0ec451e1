"""Register import limits (docs/security.md, "Register imports are bounded"): a file over the
size or row limit is refused whole, naming the limit and the file's own size or row count, and
nothing of it is stored; a file above the interactive threshold is not previewed in the
request (the background job imports it: test_import_jobs.py)."""

import io
import math
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditLog
from properties.models import RegisterImportJob, Unit
from properties.register_io import UnitResource

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
UNIT_COLUMNS = ["strata", "unit_number", "strata_lot_number", "floor", "is_townhouse", "phone"]


def unit_rows(n: int, *, plan: str = "BCS1234", notes: str = "") -> list[list]:
    return [[plan, str(200 + i), str(1000 + i), "2", "0", "", notes] for i in range(n)]


def as_csv(rows: list[list]) -> bytes:
    lines = [",".join([*UNIT_COLUMNS, "notes"])]
    lines += [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def as_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*UNIT_COLUMNS, "notes"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_file(client, content: bytes, file_format: str):
    """The admin's unit import page with a file (format "0" is CSV, "1" is XLSX)."""
    name, index = {"csv": ("units.csv", "0"), "xlsx": ("units.xlsx", "1")}[file_format]
    return client.post(
        reverse("admin:properties_unit_import"),
        {"resource": "0", "format": index, "import_file": SimpleUploadedFile(name, content)},
    )


def stored_upload_files() -> list[Path]:
    """Files the import keeps between preview and confirmation (private media)."""
    folder = Path(django_settings.MEDIA_ROOT) / "django-import-export"
    return sorted(folder.iterdir()) if folder.exists() else []


def assert_refused(response, message: str):
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert response.context.get("result") is None
    assert response.context["form"].errors == {"import_file": [message]}
    assert not Unit.objects.exclude(unit_number="101").exists()
    assert not AuditLog.objects.exists()
    assert not RegisterImportJob.objects.exists()
    assert stored_upload_files() == []


@pytest.fixture
def limits(settings):
    """Small limits, so a test file crosses them with a few rows."""
    settings.REGISTER_IMPORT_MAX_ROWS = 20
    settings.REGISTER_IMPORT_INTERACTIVE_ROWS = 5
    return settings


def test_the_limits_default_to_5_mb_5000_rows_and_500_rows_checked_in_the_request():
    assert django_settings.REGISTER_IMPORT_MAX_BYTES == 5 * MB
    assert django_settings.REGISTER_IMPORT_MAX_ROWS == 5000
    assert django_settings.REGISTER_IMPORT_INTERACTIVE_ROWS == 500


def test_a_file_over_the_size_limit_is_refused_naming_both_sizes(client, manager, unit, settings):
    settings.REGISTER_IMPORT_MAX_BYTES = 1 * MB
    content = as_csv(unit_rows(2, notes="x" * MB))  # two rows, each with a 1 MB note
    client.force_login(manager)

    response = upload_file(client, content, "csv")

    assert 2 * MB < len(content) < 2.1 * MB
    assert_refused(response, "This file is 2.1 MB; a register import may be at most 1 MB.")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_file_over_the_row_limit_is_refused_naming_both_counts(
    client, manager, unit, limits, file_format
):
    content = as_csv(unit_rows(21)) if file_format == "csv" else as_xlsx(unit_rows(21))
    client.force_login(manager)

    response = upload_file(client, content, file_format)

    assert_refused(
        response,
        "This file has 21 rows; a register import may have at most 20. "
        "Split it into smaller files.",
    )


def test_a_spreadsheet_that_unpacks_beyond_ten_times_the_size_limit_is_refused(
    client, manager, unit, settings
):
    settings.REGISTER_IMPORT_MAX_BYTES = 1 * MB
    # 400 rows, each with a 30,000-character note: about 12 MB of XML in a file of a few kB.
    rows = unit_rows(400, notes="")
    for i, row in enumerate(rows):
        row[-1] = f"{i:05d}" + "x" * 30_000
    content = as_xlsx(rows)
    unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(content)).infolist())
    client.force_login(manager)

    response = upload_file(client, content, "xlsx")

    assert len(content) < MB < 10 * MB < unpacked
    size = f"{math.ceil(unpacked * 10 / MB) / 10:.1f} MB"
    assert_refused(
        response,
        f"This spreadsheet unpacks to {size}; a register import may unpack to at most 10 MB.",
    )


@pytest.fixture
def rows_checked(monkeypatch):
    """The numbers of the rows the import checks or writes, in order."""
    checked = []
    import_row = UnitResource.import_row

    def counting(self, row, instance_loader, **kwargs):
        checked.append(kwargs["row_number"])
        return import_row(self, row, instance_loader, **kwargs)

    monkeypatch.setattr(UnitResource, "import_row", counting)
    return checked


def test_a_file_above_the_interactive_threshold_is_not_previewed_in_the_request(
    client, manager, unit, limits, rows_checked
):
    client.force_login(manager)

    response = upload_file(client, as_csv(unit_rows(6)), "csv")

    assert response.status_code == 200
    assert rows_checked == []
    assert response.context.get("result") is None
    assert response.context["background_rows"] == 6
    assert response.context["confirm_form"] is not None
    assert (
        "This file has 6 rows for Harbour View (BCS1234): more than the 5 checked while you "
        "wait, so it is checked and imported in the background." in response.text
    )
    assert not Unit.objects.exclude(unit_number="101").exists()
    assert not RegisterImportJob.objects.exists()


def test_a_file_at_the_interactive_threshold_is_previewed_as_before(
    client, manager, unit, limits, rows_checked
):
    client.force_login(manager)

    response = upload_file(client, as_csv(unit_rows(5)), "csv")

    assert response.status_code == 200
    assert rows_checked == [1, 2, 3, 4, 5]
    assert response.context["result"].totals["new"] == 5
    assert response.context["confirm_form"] is not None
    assert response.context.get("background_rows") is None


def test_a_file_for_the_background_must_name_one_strata(
    client, manager, unit, other_strata, limits, rows_checked
):
    client.force_login(manager)
    rows = unit_rows(4) + unit_rows(3, plan="VIS5678")

    response = upload_file(client, as_csv(rows), "csv")

    assert rows_checked == []
    assert_refused(
        response,
        "A file of more than 5 rows is imported in the background, for one strata at a time; "
        "this one names BCS1234, VIS5678. Import each strata's rows in a file of its own.",
    )


def test_a_file_for_the_background_must_name_a_strata_the_manager_imports_into(
    client, manager, unit, other_strata, limits, rows_checked
):
    client.force_login(manager)

    response = upload_file(client, as_csv(unit_rows(6, plan="VIS5678")), "csv")

    assert rows_checked == []
    assert_refused(response, "No strata with plan number VIS5678 that you may import into.")
