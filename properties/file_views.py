"""Form K downloads: the one way a tenant's Form K leaves the server.

Media is never served by URL. Staff who may read the register of the occupancy's strata get
the file; anyone else gets the same 404 as for an occupancy without one, so links reveal
nothing. The response is always an attachment with ``nosniff`` and ``no-store``, named with the
extension of the type the file was sniffed as (``properties.form_k``).
"""

from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.resident_session import staff_session_required
from properties.form_k import form_k_content_type, form_k_download_name
from properties.selectors import form_ks_visible_to
from uploads.serving import private_attachment


@staff_session_required
@require_GET
def form_k_download(request, uuid):
    occupancy = get_object_or_404(form_ks_visible_to(request.user), uuid=uuid)
    return private_attachment(
        occupancy.form_k_file,
        filename=form_k_download_name(occupancy),
        content_type=form_k_content_type(occupancy),
    )
