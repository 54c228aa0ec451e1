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
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from violations.domain.evidence_files import Refused, Upload, inspect_file
from violations.domain.workflow import TransitionRefused
from violations.models import Evidence, Hearing, Response, Violation, ViolationEvent
from violations.selectors.access import has_case_right, is_recused
from violations.services.clamav import scan_uploads
from violations.services.frame import CaseAction, case_lock, event_record

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
    checked = evidence_check(case=case, files=files, source=source, description=description)
    with evidence_stored(checked), transaction.atomic():
        rows = evidence_rows_create(case=case, checked=checked, actor=actor)
        summary = evidence_summary(rows)
        ViolationEvent.objects.create(
            case=case,
            actor=actor,
            kind="evidence_added",
            text=_("Evidence added: %(names)s")
            % {"names": ", ".join(r.original_name for r in rows)},
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
    return rows


# --- the steps, for a transition that takes files with its paper ----------------------------
#
# A response or hearing request received on paper (its scan) and a complaint (its photos) are
# recorded with their files in one go: the transition's service checks the files first
# (``evidence_check``, outside any transaction: the scan is network I/O), stores them around
# its transaction (``evidence_stored``) and creates their rows inside it
# (``evidence_rows_create``). A refused file, or a refused transition, leaves nothing behind.


@dataclass
class CheckedFiles:
    """Files that passed every check and the scan, ready to store."""

    uploads: list[Upload]
    scan_status: str
    source: str
    description: str = ""


def evidence_check(
    *,
    case: Violation | None,
    files,
    source: str = Evidence.Source.STAFF,
    description: str = "",
    field: str | None = None,
) -> CheckedFiles:
    """Check each file (type by content, size and pixel caps, scripts) and the case's file
    count (``case`` None: a case about to be opened), then scan them when scanning is on.
    Raises ValidationError with every reason, under ``field`` when one is given."""
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
    try:
        if errors:
            raise ValidationError(errors)
        scan_status = scan_uploads(uploads)
    except ValidationError as error:
        raise _under(field, error) from None
    return CheckedFiles(uploads, scan_status, source, description)


@contextmanager
def evidence_stored(checked: CheckedFiles | None):
    """Store the checked files under random names for the block that records them; if the
    block fails, the files written are removed. ``None`` (no files) stores nothing."""
    written: list[str] = []
    try:
        for upload in checked.uploads if checked else ():
            upload.stored_name = _store(upload.file, upload.extension, written)
            if upload.resident_copy is not None:
                with upload.resident_copy as copy:
                    upload.stored_copy_name = _store(copy, upload.resident_extension, written)
        yield checked
    except BaseException:
        storage = Evidence._meta.get_field("original").storage
        for name in written:
            storage.delete(name)
        raise


def evidence_rows_create(
    *,
    case: Violation,
    checked: CheckedFiles | None,
    actor: User,
    response: Response | None = None,
    hearing_request: Hearing | None = None,
    field: str | None = None,
) -> list[Evidence]:
    """The stored files' rows, inside the caller's transaction. The case is locked and its
    files counted again, so two simultaneous uploads count each other's files."""
    if not checked:
        return []
    Violation.objects.select_for_update().only("pk").get(pk=case.pk)
    if errors := _count_errors(case, len(checked.uploads)):
        raise _under(field, ValidationError(errors))
    return [
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
            source=checked.source,
            scan_status=checked.scan_status,
            description=checked.description,
            uploaded_by=actor,
            response=response,
            hearing_request=hearing_request,
        )
        for upload in checked.uploads
    ]


def evidence_summary(rows: list[Evidence]) -> list[dict]:
    """What the event and the audit entry record of each file."""
    return [
        {"uuid": str(row.uuid), "name": row.original_name, "sha256": row.sha256} for row in rows
    ]


def _under(field: str | None, error: ValidationError) -> ValidationError:
    return TransitionRefused({field: error.messages}) if field else error


def _count_errors(case: Violation | None, adding: int) -> list[str]:
    if adding == 0:
        return [_("Choose at least one file")]
    per_upload = settings.EVIDENCE_MAX_FILES_PER_UPLOAD
    if adding > per_upload:
        return [
            _("Add at most %(max)d files at a time; you added %(added)d")
            % {"max": per_upload, "added": adding}
        ]
    per_case = settings.EVIDENCE_MAX_FILES_PER_CASE
    existing = case.evidence.count() if case is not None else 0
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


# --- what the parties see -------------------------------------------------------------------


def evidence_share_set(
    *,
    evidence: Evidence,
    actor: User,
    shared: bool,
    context: AuditContext | None = None,
) -> bool:
    """Share a file with the parties to its case, or stop sharing it: who reviews the case
    decides what the parties see. Residents are only ever shown the resident copy, so a file
    without one (a PDF, a Word file) cannot be shared. Returns whether anything changed."""
    deciding = CaseAction(
        _("Deciding what the parties see"),
        Right.REVIEW_CASES,
        instead=_("Another member must decide it."),
    )
    with transaction.atomic():
        case = case_lock(evidence.case_id, actor, deciding)
        evidence = Evidence.objects.get(pk=evidence.pk, case=case)
        if evidence.shared_with_parties == shared:
            return False
        if shared and not evidence.resident_copy:
            raise TransitionRefused(
                _(
                    "“%(name)s” cannot be shared with the parties: residents are only shown a "
                    "copy made without the file's metadata, and only images have one."
                )
                % {"name": evidence.original_name},
                code="state",
            )
        evidence.shared_with_parties = shared
        evidence.save(update_fields=["shared_with_parties", "updated_at"])
        text = (
            _("Shared with the parties: %(name)s")
            if shared
            else _("No longer shared with the parties: %(name)s")
        )
        event_record(
            case,
            "evidence_shared" if shared else "evidence_unshared",
            actor,
            text=text % {"name": evidence.original_name},
            data={"evidence": str(evidence.uuid), "name": evidence.original_name},
            visible_to_resident=shared,
            context=context,
            audit_changes={
                "evidence": str(evidence.uuid),
                "name": evidence.original_name,
                "shared_with_parties": {"from": not shared, "to": shared},
            },
        )
    return True
