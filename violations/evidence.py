"""Evidence files on a case (DESIGN §10).

Files are accepted by what their bytes are, never by their names: a renamed executable is
refused, whatever it is called. The original is kept untouched for staff, because its metadata
(capture time, camera) is evidence; an image also gets a re-encoded copy without any metadata
(GPS position, camera serials, XMP, ICC text) that residents may see later. Everything that
can refuse an upload, the optional ClamAV scan included, runs before the one transaction (no
network I/O inside a transaction: STYLE), and a refused or failed upload leaves no row and no
file behind.
"""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from violations.access import has_case_right, is_recused
from violations.clamav import scan_uploads
from violations.evidence_files import Refused, inspect_file
from violations.models import Evidence, Violation, ViolationEvent

# --- the service ----------------------------------------------------------------------------


def evidence_add(
    *,
    case: Violation,
    files,
    actor: User,
    source: str = Evidence.Source.STAFF,
    description: str = "",
    context: AuditContext | None = None,
) -> list[Evidence]:
    """Add files to a case, all or none: every file is checked (type, size, count) and scanned
    before anything is stored, and a failure while storing removes what was written."""
    if not has_case_right(actor, Right.FILE_CASES, case) or is_recused(actor, case):
        raise PermissionDenied(_("You may not add evidence to this case."))
    if source not in Evidence.Source.values:
        raise ValueError(f"Unknown evidence source {source!r}.")
    files = list(files)
    errors = _count_errors(case, len(files))
    max_description = Evidence._meta.get_field("description").max_length
    if len(description) > max_description:
        errors.append(
            _("The description may be at most %(max)d characters") % {"max": max_description}
        )
    uploads = []
    for file in files:
        try:
            uploads.append(inspect_file(file))
        except Refused as refused:
            errors.append(str(refused))
    if errors:
        raise ValidationError(errors)
    scan_status = scan_uploads(uploads)

    written: list[str] = []
    try:
        for upload in uploads:
            upload.stored_name = _store(upload.file, upload.extension, written)
            if upload.resident_copy is not None:
                with upload.resident_copy as copy:
                    upload.stored_copy_name = _store(copy, upload.resident_extension, written)
        with transaction.atomic():
            # The lock makes two simultaneous uploads count each other's files.
            Violation.objects.select_for_update().only("pk").get(pk=case.pk)
            if errors := _count_errors(case, len(uploads)):
                raise ValidationError(errors)
            rows = [
                Evidence.objects.create(
                    case=case,
                    original=upload.stored_name,
                    resident_copy=upload.stored_copy_name,
                    original_name=upload.name,
                    size=upload.size,
                    kind=upload.kind,
                    content_type=upload.content_type,
                    sha256=upload.sha256,
                    metadata=upload.metadata,
                    source=source,
                    scan_status=scan_status,
                    description=description,
                    uploaded_by=actor,
                )
                for upload in uploads
            ]
            summary = [
                {"uuid": str(row.uuid), "name": row.original_name, "sha256": row.sha256}
                for row in rows
            ]
            ViolationEvent.objects.create(
                case=case,
                actor=actor,
                kind="evidence_added",
                text=_("Evidence added: %(names)s") % {"names": ", ".join(u.name for u in uploads)},
                data={"files": summary},
            )
            audit_log_record(
                actor=actor,
                action="violation.evidence_added",
                strata=case.strata,
                target=case,
                changes={"files": summary, "source": source},
                context=context,
            )
    except Exception:
        storage = Evidence._meta.get_field("original").storage
        for name in written:
            storage.delete(name)
        raise
    return rows


def _count_errors(case: Violation, adding: int) -> list[str]:
    if adding == 0:
        return [_("Choose at least one file")]
    per_upload = settings.EVIDENCE_MAX_FILES_PER_UPLOAD
    if adding > per_upload:
        return [
            _("Add at most %(max)d files at a time; you added %(added)d")
            % {"max": per_upload, "added": adding}
        ]
    per_case = settings.EVIDENCE_MAX_FILES_PER_CASE
    existing = case.evidence.count()
    if existing + adding > per_case:
        return [
            _(
                "A case holds at most %(max)d files; "
                "this one has %(existing)d and you added %(added)d"
            )
            % {"max": per_case, "existing": existing, "added": adding}
        ]
    return []


def _store(content: File, extension: str, written: list[str]) -> str:
    """Save under a random name (the uploader's name never reaches the file system)."""
    file_field = Evidence._meta.get_field("original")
    name = file_field.generate_filename(None, f"{uuid.uuid4().hex}.{extension}")
    saved = file_field.storage.save(name, content)
    written.append(saved)
    return saved
