"""Reading a register import file within its limits, before any row of it is checked.

A file above ``REGISTER_IMPORT_MAX_BYTES`` or ``REGISTER_IMPORT_MAX_ROWS`` is refused whole,
with the limit and the file's own size or row count; a spreadsheet may unpack to at most ten
times the size limit (a few kB of XLSX can unpack to gigabytes). Rows are counted without
keeping them, so an oversized file never becomes a dataset in memory. Files above
``REGISTER_IMPORT_INTERACTIVE_ROWS`` are imported by a background job (properties.import_jobs),
one strata per file: ``import_file_strata`` names it.
"""

import csv
import io
import math
import zipfile

import openpyxl
import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from accounts.csv_safety import unescape_cell
from accounts.models import Strata
from accounts.permissions import Right, scope_to_stratas

# The admin's import formats, by the name a background job stores (the format's title).
FORMATS = {"csv": CSV, "xlsx": XLSX}
ENCODING = "utf-8-sig"  # django-import-export's admin reads CSV so
UNPACKED_FACTOR = 10
_MB = 1024 * 1024


def _megabytes(size: int) -> str:
    """1.25 MB reads "1.3 MB" and 5 MB "5 MB": rounded up, so a size over a limit never
    reads as the limit."""
    return f"{math.ceil(size * 10 / _MB) / 10:.1f}".removesuffix(".0") + " MB"


def import_file_check_size(size: int) -> None:
    """Refuse a file above the size limit, before it is read."""
    limit = settings.REGISTER_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("This file is %(size)s; a register import may be at most %(limit)s.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
            code="too_large",
        )


def import_file_count_rows(content: bytes, *, file_format: str) -> int:
    """The number of rows under the headings, or a ValidationError if the file is over a
    limit or cannot be read as ``file_format``."""
    import_file_check_size(len(content))
    try:
        rows = _count_xlsx_rows(content) if file_format == "xlsx" else _count_csv_rows(content)
    except (ValueError, KeyError, csv.Error, zipfile.BadZipFile) as error:
        # UnicodeDecodeError and openpyxl's InvalidFileException are ValueErrors.
        raise _unreadable(file_format) from error
    limit = settings.REGISTER_IMPORT_MAX_ROWS
    if rows > limit:
        raise ValidationError(
            _(
                "This file has %(rows)s rows; a register import may have at most %(limit)s. "
                "Split it into smaller files."
            )
            % {"rows": f"{rows:,}", "limit": f"{limit:,}"},
            code="too_many_rows",
        )
    return rows


def import_file_read(content: bytes, *, file_format: str) -> tablib.Dataset:
    """The file's rows as django-import-export reads them, once the limits allow it."""
    import_file_count_rows(content, file_format=file_format)
    try:
        return FORMATS[file_format](encoding=ENCODING).create_dataset(content)
    except Exception as error:  # tablib and openpyxl raise their own, as the admin expects
        raise _unreadable(file_format) from error


def _unreadable(file_format: str) -> ValidationError:
    return ValidationError(
        _("This file cannot be read as %(format)s.") % {"format": file_format.upper()},
        code="unreadable",
    )


def _count_csv_rows(content: bytes) -> int:
    # As tablib reads CSV: the first row is the headings, empty lines are not rows.
    reader = csv.reader(io.StringIO(content.decode(ENCODING)))
    return max(sum(1 for row in reader if row) - 1, 0)


def _count_xlsx_rows(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(item.file_size for item in archive.infolist())
    limit = settings.REGISTER_IMPORT_MAX_BYTES * UNPACKED_FACTOR
    if unpacked > limit:
        raise ValidationError(
            _(
                "This spreadsheet unpacks to %(size)s; a register import may unpack to at most "
                "%(limit)s."
            )
            % {"size": _megabytes(unpacked), "limit": _megabytes(limit)},
            code="too_large",
        )
    # As django-import-export reads XLSX: the first sheet, the first row is the headings.
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return max(sum(1 for _row in book.active.iter_rows(values_only=True)) - 1, 0)
    finally:
        book.close()


def import_file_strata(dataset: tablib.Dataset, *, user) -> Strata:
    """The one strata a file for the background names in its ``strata`` column, where
    ``user`` may import: a job belongs to one strata, whose managers follow it."""
    column = dataset["strata"] if "strata" in (dataset.headers or []) else []
    plans = sorted(
        {unescape_cell(str(value).strip()).upper() for value in column if value is not None} - {""}
    )
    threshold = settings.REGISTER_IMPORT_INTERACTIVE_ROWS
    if len(plans) != 1:
        raise ValidationError(
            _(
                "A file of more than %(threshold)s rows is imported in the background, for one "
                "strata at a time; this one names %(plans)s. Import each strata's rows in a "
                "file of its own."
            )
            % {"threshold": f"{threshold:,}", "plans": ", ".join(plans) or _("no strata")},
            code="stratas",
        )
    strata = (
        scope_to_stratas(Strata.objects.all(), user, Right.IMPORT_REGISTER, via="pk")
        .filter(plan_number__iexact=plans[0])
        .first()
    )
    if strata is None:
        raise ValidationError(
            _("No strata with plan number %(plan)s that you may import into.") % {"plan": plans[0]},
            code="strata",
        )
    return strata
