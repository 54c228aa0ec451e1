"""A resident's files: a letter served on them, as the PDF that was sent, and the resident
copy of evidence shared with them (never an original: it keeps its metadata and stays with
staff). Anything else is the same 404. Always an attachment with ``nosniff``, never cached
(as ``violations.views.evidence_download``)."""

import mimetypes
from pathlib import PurePosixPath

from django.http import Http404
from django.views.decorators.http import require_GET

from properties.pages.signed_in import resident_required
from uploads.serving import private_attachment
from violations.selectors.resident import resident_case_get, resident_evidence, resident_letters


@resident_required
@require_GET
def resident_letter_pdf(request, case_uuid, letter_uuid):
    case = resident_case_get(request.user, case_uuid)
    letter = resident_letters(case, request.user).filter(uuid=letter_uuid).first() if case else None
    if letter is None or not letter.pdf:
        raise Http404
    filename = f"{case.reference}-{letter.kind}.pdf"
    return private_attachment(letter.pdf, filename=filename, content_type="application/pdf")


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
    return private_attachment(stored, filename=filename, content_type=content_type)
