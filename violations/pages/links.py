"""Personal case links (DESIGN §8): ``/r/<token>/`` from a notice's email, its short URL or
QR code. Opening one only shows what it opens (mail scanners follow links: a GET writes
nothing); the button confirms it and starts a resident-only session for the person. A refused
link says what to do next: an expired one offers a fresh link by email."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.login_tokens import secret_hash
from accounts.request_meta import AuditContext
from accounts.resident_session import resident_login
from properties.link_throttle import link_request_allowed
from violations.services.case_links import (
    REFUSALS,
    OpenedLink,
    case_link_confirm,
    case_link_fresh_send,
    case_link_read,
)


@require_GET
def case_link_enter(request):
    """``/r/``: where a paper letter says to type the code printed under its QR code. The
    code only moves to the link's own page; nothing is read or written here."""
    code = "".join(ch for ch in request.GET.get("code", "") if ch.isalnum() or ch == "-")
    if code:
        return redirect("case_link_open", token=code.upper())
    return render(request, "violations/pages/case_link_enter.html")


@require_http_methods(["GET", "POST"])
def case_link_open(request, token):
    opened = case_link_read(token)
    if opened.problem:
        return _refused(request, token, opened.problem)
    if request.method == "GET":
        return render(request, "violations/pages/case_link.html", {"case": opened.case})
    confirmed = case_link_confirm(token, context=AuditContext.from_request(request))
    if isinstance(confirmed, OpenedLink):  # refused since it was read (closed, revoked)
        return _refused(request, token, confirmed.problem)
    resident_login(request, confirmed)
    return redirect("resident_case", case_uuid=opened.case.uuid)


def _refused(request, token, problem: str):
    context = {"token": token, "problem": problem, "reason": REFUSALS[problem]}
    return render(
        request,
        "violations/pages/case_link_refused.html",
        context,
        status=404 if problem == "unknown" else 410,
    )


@require_POST
def case_link_fresh(request, token):
    """The same answer whatever happened: it says nothing about whose link this was. Each
    link and each client may ask a few times an hour (each ask emails the person)."""
    # Counted by the secret's stored form: a respelling (dashes, O for 0) is the same link.
    if not link_request_allowed(request, scope="fresh-link", subject=secret_hash(token)):
        return render(
            request, "violations/pages/case_link_fresh.html", {"limited": True}, status=429
        )
    case_link_fresh_send(token, context=AuditContext.from_request(request))
    return render(request, "violations/pages/case_link_fresh.html")
