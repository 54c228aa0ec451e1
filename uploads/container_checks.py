"""Checking a ZIP container (a .docx, or any file that starts like a ZIP) from its directory
alone: nothing is extracted, so a zip bomb costs only the read of its directory.

Word opens what this lets through, so a document is refused when it would expand past a size
or a ratio no real document reaches, when its entries overlap (the trick of bombs without
nesting), or when it carries something that runs: a program or script (by extension), macros
(``vbaProject.bin``, or any part declared as VBA), ActiveX controls, and embedded OLE objects
(a "Package" object launches the file it holds, and the equation editor object was a common
exploit). Embedded Office files are not opened; staff who need one can ask for it as PDF.
"""

import re
import zipfile
import zlib
from pathlib import PurePosixPath

from django.core.files.base import File
from django.utils.translation import gettext as _

from uploads.file_checks import Refused, not_accepted, size_label

MAX_ENTRIES = 5000
MAX_EXPANDED_BYTES = 200 * 1024 * 1024
# XML compresses about 10 times, photos not at all; a bomb compresses about 1000 times.
MAX_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

PROGRAM_EXTENSIONS = {
    ".exe", ".dll", ".com", ".scr", ".pif", ".cpl", ".msi", ".msp", ".jar", ".js", ".jse",
    ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".bat", ".cmd", ".hta", ".lnk", ".reg",
}  # fmt: skip
MACRO_TYPES = re.compile(rb"vbaProject|vbaData|macroEnabled", re.I)
OBJECT_TYPES = re.compile(rb"activeX|oleObject", re.I)


def word_check(file: File, name: str, *, accepted) -> None:
    """Refuse a ZIP that is not a Word document, or is one that is unsafe to open. ``accepted``
    names the kinds the upload takes, for the refusal (``file_checks.not_accepted``)."""
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names:
                raise Refused(not_accepted(name, _office_kind(names), accepted))
            _size_check(entries, file.size, name)
            content_types = _content_types(archive, names)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error):
        # RuntimeError: an encrypted part; NotImplementedError: an unknown compression.
        raise Refused(not_accepted(name, _("a damaged ZIP archive"), accepted)) from None
    what = _runnable(names, content_types)
    if what:
        raise Refused(not_accepted(name, what, accepted))


def _office_kind(names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        return _("an Excel workbook")
    if "ppt/presentation.xml" in names:
        return _("a PowerPoint presentation")
    return _("a ZIP archive")


def _size_check(entries: list[zipfile.ZipInfo], size: int, name: str) -> None:
    """Sizes as the directory states them: Python's reader stops at the stated size."""
    if len(entries) > MAX_ENTRIES:
        raise Refused(
            _("%(name)s was refused: it holds %(count)d parts; a Word document may hold %(max)d")
            % {"name": name, "count": len(entries), "max": MAX_ENTRIES}
        )
    expanded = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries)
    if compressed > size:
        raise Refused(
            _(
                "%(name)s was refused: its parts claim more bytes than the file holds, which "
                "only a file built to overload the computer opening it does"
            )
            % {"name": name}
        )
    if expanded > MAX_EXPANDED_BYTES:
        raise Refused(
            _(
                "%(name)s was refused: it expands to %(size)s when opened, and a Word document "
                "may expand to at most %(limit)s"
            )
            % {
                "name": name,
                "size": size_label(expanded, round_up=True),
                "limit": size_label(MAX_EXPANDED_BYTES),
            }
        )
    if expanded > RATIO_CHECKED_FROM_BYTES and expanded > MAX_RATIO * compressed:
        raise Refused(
            _(
                "%(name)s was refused: it expands %(ratio)d times when opened, and a Word "
                "document may expand at most %(max)d times"
            )
            % {"name": name, "ratio": expanded // max(compressed, 1), "max": MAX_RATIO}
        )


def _content_types(archive: zipfile.ZipFile, names: set[str]) -> bytes:
    """``[Content_Types].xml``, which can declare any part as macros whatever it is called."""
    if "[Content_Types].xml" not in names:
        return b""
    with archive.open("[Content_Types].xml") as stream:
        return stream.read(MAX_CONTENT_TYPES_BYTES)


def _runnable(names: set[str], content_types: bytes) -> str | None:
    for entry in sorted(names):
        path = PurePosixPath(entry)
        if path.suffix.lower() in PROGRAM_EXTENSIONS:
            return _("a Word document with a program in it (%(part)s)") % {"part": path.name}
    if any(PurePosixPath(entry).name.lower() == "vbaproject.bin" for entry in names) or (
        MACRO_TYPES.search(content_types)
    ):
        return _("a Word document with macros")
    for entry in sorted(names):
        if OBJECT_TYPES.search(entry.encode()):
            return _("a Word document with an embedded object or control (%(part)s)") % {
                "part": PurePosixPath(entry).name
            }
    if OBJECT_TYPES.search(content_types):
        return _("a Word document with an embedded object or control")
    return None
