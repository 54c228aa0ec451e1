"""A resident's files: a letter served on them, as the PDF that was sent, and the resident
copy of evidence shared with them (never an original: it keeps its metadata and stays with
staff). Anything else is the same 404. Always an attachment with ``nosniff``, never cached
(as ``violations.views.evidence_download``)."""

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from properties.pages.signed_in import resident_required
from violations.selectors.resident import resident_case_get, resident_evidence, resident_letters


def _attachment(stored, *, filename: str, content_type: str) -> FileResponse:
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@resident_required
@require_GET
def resident_letter_pdf(request, case_uuid, letter_uuid):
    case = resident_case_get(request.user, case_uuid)
    letter = resident_letters(case, request.user).filter(uuid=letter_uuid).first() if case else None
    if letter is None or not letter.pdf:
        raise Http404
    filename = f"{case.reference}-{letter.kind}.pdf"
    return _attachment(letter.pdf, filename=filename, content_type="application/pdf")


@resident_required
@require_GET
def resident_evidence_file(request, case_uuid, evidence_uuid):
    case = resident_case_get(request.user, case_uuid)
    evidence = (
        resident_evidence(case, request.user).filter(uuid=evidence_uuid).first() if case else None
    )
    if evidence is None:
        raise Http404
    stored = evidence.resident_copy
    suffix = PurePosixPath(stored.name).suffix
    # Named for the case, not the uploader's file name (a camera's or a staff member's).
    filename = f"{case.reference}-evidence-{str(evidence.uuid)[:8]}{suffix}"
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    return _attachment(stored, filename=filename, content_type=content_type)
