"""The case file (DESIGN §6 "The record"): one PDF of the whole process and a ZIP of the
originals, for the Civil Resolution Tribunal, a records request (SPA s.36) or council.

The complainant's identity is never shown to residents, so unless the export is for council
(or the strata's lawyer) it is a redacted copy that identifies no complainant or witness
(``case_file.contents``): their names, email addresses and phone numbers in any text, the
acknowledgement letters addressed to them, the complaint's original file, the photos'
metadata, the evidence file names and the names of recused members. Every redaction is listed
on the export and in its audit entry, and a redacted copy that still names one of them is
refused before anything is written.

The files are built and stored before the short transaction that records the export, so a
long render holds no lock; a failure removes what was stored. Nothing here fetches a URL.
"""

import datetime as dt
import hashlib
import tempfile
import uuid
import zipfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_zone
from violations.domain.pdf import html_to_pdf
from violations.models import CaseFileExport, Violation
from violations.selectors.case_file.contents import build_contents, copy_kind
from violations.selectors.case_file.parts import Original
from violations.services.frame import CaseAction, check_actor, event_record

CHUNK = 1024 * 1024


def case_file_export(
    *,
    case: Violation,
    actor: User,
    purpose: str,
    requested_by_name: str = "",
    context: AuditContext | None = None,
) -> CaseFileExport:
    """Export the case file: check, build the PDF and ZIP, store both, then record the
    export with one event and one audit entry."""
    case = Violation.objects.select_related("strata", "unit").get(pk=case.pk)
    _check(case, actor, purpose, requested_by_name)
    export = CaseFileExport(
        case=case,
        purpose=purpose,
        requested_by_name=requested_by_name.strip(),
        exported_by=actor,
    )
    now = timezone.now().astimezone(strata_zone(case.strata))
    contents = build_contents(case, export, now)
    _vouch(contents.vouched)
    export.redactions = contents.redactions
    html = render_to_string("violations/case_file.html", contents.context)
    contents.redaction_check(html)
    pdf = html_to_pdf(html)
    export.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    stored = []
    try:
        export.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        stored.append(export.pdf)
        pdf_name = f"{case.reference}-case-file-{copy_kind(export)}.pdf"
        with tempfile.TemporaryFile() as archive:
            _write_zip(archive, [*contents.originals, Original(pdf_name, ContentFile(pdf))], now)
            export.archive_sha256 = _sha256(archive)
            export.archive.save(
                f"{uuid.uuid4().hex}.zip", File(archive, name="case-file.zip"), save=False
            )
            stored.append(export.archive)
        with transaction.atomic():
            export.save()
            _record(export, actor, context)
    except BaseException:
        for file in stored:
            file.storage.delete(file.name)
        raise
    return export


def case_file_download_record(
    *, export: CaseFileExport, actor: User, what: str, context: AuditContext | None = None
) -> None:
    """Audit one download of an export's PDF or ZIP: the case file names everyone."""
    sha256 = export.pdf_sha256 if what == "pdf" else export.archive_sha256
    audit_log_record(
        actor=actor,
        action="violation.case_file_downloaded",
        strata=export.case.strata,
        target=export.case,
        changes={"export": str(export.uuid), "file": what, "sha256": sha256},
        context=context,
    )


def _check(case: Violation, actor: User, purpose: str, requested_by_name: str) -> None:
    """The frame's right and recusal (without its lock: a long render holds none), then the
    request."""
    exporting = CaseAction(
        _("Exporting the case file"),
        Right.EXPORT_CASE_FILES,
        who=_("manager or council"),
        instead=_("Another member must export it."),
    )
    check_actor(case, exporting, actor)
    errors = {}
    if purpose not in CaseFileExport.Purpose.values:
        errors["purpose"] = _("Say what the case file is for.")
    limit = CaseFileExport._meta.get_field("requested_by_name").max_length
    if len(requested_by_name.strip()) > limit:
        errors["requested_by_name"] = _("At most %(max)d characters.") % {"max": limit}
    if errors:
        raise ValidationError(errors)


def _record(export: CaseFileExport, actor: User, context: AuditContext | None) -> None:
    case = export.case
    data = {
        "export": str(export.uuid),
        "purpose": export.purpose,
        "requested_by": export.requested_by_name,
        "redactions": len(export.redactions),
        "pdf_sha256": export.pdf_sha256,
        "archive_sha256": export.archive_sha256,
    }
    event_record(
        case,
        "case_file_exported",
        actor,
        text=_("Case file exported for: %(purpose)s") % {"purpose": export.get_purpose_display()},
        data=data,
        context=context,
        audit_changes={**data, "redacted": export.redactions},
    )


# --- the ZIP ------------------------------------------------------------------------------


def _write_zip(target, originals: list[Original], now: dt.datetime) -> None:
    """Write ``originals`` and a ``SHA256SUMS`` of what was written. A stored file whose bytes
    no longer match the sha256 recorded for it stops the export: the file cannot vouch for
    it."""
    stamp = now.timetuple()[:6]
    sums = []
    with zipfile.ZipFile(target, "w") as archive:
        for original in originals:
            info = zipfile.ZipInfo(original.path, stamp)
            info.compress_type = original.compress
            info.external_attr = 0o644 << 16
            digest = hashlib.sha256()
            with (
                original.file.open("rb") as source,
                archive.open(info, "w", force_zip64=True) as entry,
            ):
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    entry.write(chunk)
            sha256 = digest.hexdigest()
            if original.recorded_sha256 and sha256 != original.recorded_sha256:
                raise _changed(original)
            sums.append(f"{sha256}  {original.path}\n")
        archive.writestr(zipfile.ZipInfo("SHA256SUMS", stamp), "".join(sums))


def _vouch(originals: list[Original]) -> None:
    """The stored files the PDF states the sha256 of without including them (a redacted
    copy's evidence originals) must still match it."""
    for original in originals:
        digest = hashlib.sha256()
        with original.file.open("rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != original.recorded_sha256:
            raise _changed(original)


def _changed(original: Original) -> ValidationError:
    return ValidationError(
        _(
            "%(path)s no longer matches the sha256 recorded when it was stored; "
            "the case file cannot be exported until it is restored."
        )
        % {"path": original.path}
    )


def _sha256(handle) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()
