"""The case file's evidence section (``case_file.contents``): the evidence list and its files.
Unredacted, every original goes in as uploaded; a redacted copy takes a photo's metadata-free
copy and withholds every other file, all under neutral names ("Photo 3 (image/jpeg,
2026-11-02)"), and the chronology is given those names for the original file names. Split
from ``case_file.contents`` so what a redacted copy does with evidence files reads on its own.
"""

import hashlib
import mimetypes
import zipfile
from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from accounts.strata_time import strata_zone
from violations.models import EvidenceKind, Violation
from violations.selectors.case_file.parts import Contents, Original
from violations.selectors.letters import long_date

WITHHELD = "withheld: its metadata cannot be stripped"
CHUNK = 1024 * 1024

# How evidence is named in a redacted copy: "Photo 3 (image/jpeg, 2026-11-02)".
KIND_WORDS = {
    EvidenceKind.IMAGE: "Photo",
    EvidenceKind.PDF: "PDF",
    EvidenceKind.AUDIO: "Audio",
    EvidenceKind.VIDEO: "Video",
    EvidenceKind.EMAIL: "Email",
    EvidenceKind.DOCUMENT: "Document",
}


def evidence_section(case: Violation, redact: bool, contents: Contents) -> tuple[list[dict], dict]:
    """The evidence list and its files. Unredacted: every original, metadata and all, under
    the uploader's name with the extension of its sniffed type. Redacted: a photo's copy
    re-encoded without metadata, and every other file withheld (a PDF's author, a Word file's
    properties, an email's headers or a recording's tags cannot be stripped here), all under
    neutral names. Returns the rows and, for the chronology, each original name's label."""
    zone = strata_zone(case.strata)
    r = contents.redactor
    rows, labels = [], {}
    for number, item in enumerate(case.evidence.order_by("created_at", "id"), 1):
        uploaded = item.created_at.astimezone(zone).date()
        row = {
            "evidence": item,
            "name": item.download_name,
            "kind": item.get_kind_display(),
            "size": item.size,
            "sha256": item.sha256,
            "uploaded": long_date(uploaded),
            "description": r.scrub(
                item.description, record="evidence", uuid=item.uuid, field="description"
            ),
            "copy": False,
            "withheld": False,
        }
        if not redact:
            contents.originals.append(
                Original(
                    f"evidence/{number:02d}-{_safe(item.download_name)}",
                    item.original,
                    item.sha256,
                    zipfile.ZIP_STORED,  # photos, audio and video are compressed already
                )
            )
            rows.append(row)
            continue
        copy = item.resident_copy if item.kind == EvidenceKind.IMAGE else None
        if copy:
            extension = PurePosixPath(copy.name).suffix.lower()
            content_type = mimetypes.guess_type(f"copy{extension}")[0] or "image/jpeg"
            sha256, size = _digest(copy)
            contents.originals.append(
                Original(
                    f"evidence/{number:02d}-photo{extension}", copy, sha256, zipfile.ZIP_STORED
                )
            )
            row.update(copy=True, size=size, sha256=sha256, original_sha256=item.sha256)
            r.log(
                "evidence",
                item.uuid,
                "original",
                "exported as its metadata-free copy under a neutral name",
            )
        else:
            content_type = item.content_type
            row["withheld"] = True
            r.log("evidence", item.uuid, "original", WITHHELD)
        row["name"] = _("%(kind)s %(number)d (%(type)s, %(date)s)") % {
            "kind": KIND_WORDS.get(item.kind, "File"),
            "number": number,
            "type": content_type,
            "date": uploaded.isoformat(),
        }
        contents.vouched.append(Original(row["name"], item.original, item.sha256))
        labels[item.original_name] = labels[item.download_name] = row["name"]
        rows.append(row)
    return rows, labels


def _digest(stored) -> tuple[str, int]:
    """The sha256 and size of a stored file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with stored.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe(name: str) -> str:
    """A file name as one ZIP entry: no folders, no way out of the archive."""
    return PurePosixPath(name.replace("\\", "/")).name.lstrip(".") or "file"
