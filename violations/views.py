"""Evidence downloads: the one way a stored file leaves the server (DESIGN §10).

Media is never served by URL. Staff who may see the case's staff view get the original, with
its metadata, or the resident copy on request; anyone else gets the same 404 as for a file
that does not exist, so links reveal nothing. The response is always an attachment with
``nosniff``, so a browser never renders an uploaded file as a page of this site, under a name
whose extension is the type the file was sniffed as (``Evidence.download_name``).
"""

import mimetypes
from pathlib import PurePosixPath

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.resident_session import staff_session_required
from uploads.serving import private_attachment
from violations.models import Evidence
from violations.selectors.access import cases_visible_to_staff


@staff_session_required
@require_GET
def evidence_download(request, uuid):
    evidence = get_object_or_404(
        Evidence.objects.filter(case__in=cases_visible_to_staff(request.user)), uuid=uuid
    )
    copy = request.GET.get("copy")
    if copy is None:
        stored, content_type = evidence.original, evidence.content_type
        filename = evidence.download_name
    elif copy == "resident" and evidence.resident_copy:
        stored = evidence.resident_copy
        suffix = PurePosixPath(stored.name).suffix
        content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
        filename = PurePosixPath(evidence.original_name).stem + suffix
    else:
        raise Http404
    return private_attachment(stored, filename=filename, content_type=content_type)
