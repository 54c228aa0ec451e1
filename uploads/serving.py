"""How a stored private file leaves the server (DESIGN §10), wherever it is served from: an
attachment, never rendered by the browser as a page of this site (``nosniff``), never cached,
and a file gone from storage is the same 404 as one the caller may not see."""

from django.http import FileResponse, Http404


def private_attachment(stored, *, filename: str, content_type: str) -> FileResponse:
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
