"""Form K downloads: the one way a tenant's Form K leaves the server.

Media is never served by URL. Staff who may read the register of the occupancy's strata get
the file; anyone else gets the same 404 as for an occupancy without one, so links reveal
nothing. The response is always an attachment with ``nosniff`` and ``no-store``, named with the
extension of the type the file was sniffed as (``properties.form_k``).
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.resident_session import staff_session_required
from properties.form_k import form_k_content_type, form_k_download_name
from properties.selectors import form_ks_visible_to


@staff_session_required
@require_GET
def form_k_download(request, uuid):
    occupancy = get_object_or_404(form_ks_visible_to(request.user), uuid=uuid)
    try:
        stored = occupancy.form_k_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=form_k_download_name(occupancy),
        content_type=form_k_content_type(occupancy),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
