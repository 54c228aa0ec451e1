"""Signing in by email (DESIGN §8): ask for a link, confirm it, sign out.

Asking answers the same whether or not the address is known: the request only validates the
address and enqueues ``sign_in_link_task`` on commit, which looks the address up after the
answer has gone (as ``accounts.password_reset`` does). Opening a link changes nothing (mail
scanners follow links); the confirm button spends it, once (``sign_in_link_confirm``).
"""

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.login_tokens import token_check
from accounts.models import LoginToken, User
from accounts.request_meta import AuditContext
from accounts.resident_session import resident_login
from properties.link_throttle import sign_in_request_allowed
from properties.pages.forms import PersonChoiceForm, SignInForm
from properties.resident_access import sign_in_link_confirm
from properties.selectors import persons_at_address
from properties.tasks import sign_in_link_task

REFUSALS = {
    "unknown": _(
        "This sign-in link is not valid. Check that it was copied whole, or ask for a new one."
    ),
    "expired": _(
        "This sign-in link has expired: each one works for %(minutes)s minutes. Ask for a new one."
    ),
    "used": _("This sign-in link has been used already: each one works once. Ask for a new one."),
    "revoked": _("This sign-in link no longer works. Ask for a new one."),
}


@require_http_methods(["GET", "POST"])
def resident_sign_in(request):
    if request.method == "GET":
        return _sign_in_page(request, SignInForm())
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, status=400)
    address = form.cleaned_data["email"]
    if not sign_in_request_allowed(request, address):
        return _sign_in_page(request, SignInForm(), status=429, limited=True)
    transaction.on_commit(lambda: sign_in_link_task.delay(address))
    return _sign_in_page(request, SignInForm(), sent=True)


def _sign_in_page(request, form, *, status=200, sent=False, limited=False):
    context = {
        "form": form,
        "sent": sent,
        "limited": limited,
        "minutes": settings.SIGN_IN_LINK_MINUTES,
    }
    return render(request, "properties/pages/sign_in.html", context, status=status)


@require_http_methods(["GET", "POST"])
def resident_sign_in_confirm(request, token):
    check = token_check(token, LoginToken.Purpose.SIGN_IN)
    if check.problem:
        return _refused(request, check.problem)
    persons = list(persons_at_address(check.token.email))
    if not persons:  # everyone at the address left the register since the link was sent
        return _refused(request, "revoked")
    posted = request.method == "POST"
    form = PersonChoiceForm(request.POST if posted else None, persons=persons)
    if posted and form.is_valid():
        signed_in = sign_in_link_confirm(
            raw=token,
            person_uuid=form.cleaned_data["person"].uuid,
            context=AuditContext.from_request(request),
        )
        if isinstance(signed_in, User):
            resident_login(request, signed_in)
            return redirect("resident_home")
        if signed_in != "not_yours":
            return _refused(request, signed_in)
        form.add_error("person", form.fields["person"].error_messages["invalid_choice"])
    context = {"form": form, "persons": persons}
    return render(
        request, "properties/pages/sign_in_confirm.html", context, status=400 if posted else 200
    )


def _refused(request, problem: str):
    return render(
        request,
        "properties/pages/sign_in_refused.html",
        {"reason": REFUSALS[problem] % {"minutes": settings.SIGN_IN_LINK_MINUTES}},
        status=404 if problem == "unknown" else 410,
    )


@require_POST
def resident_sign_out(request):
    logout(request)
    return redirect("resident_sign_in")
