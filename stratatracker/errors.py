"""The 403 page (``handler403``): why a step is refused, in plain words, and a way back.

The reason is the ``PermissionDenied``'s own message when the code gave one (services word
theirs for the user), else the usual cause in the staff admin: a role this strata has not given
you. The way back is the page the user came from when it is on this site, else the dashboard.
Nothing of the error itself (its type, a traceback) is shown.
"""

from django.contrib import admin
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

TEMPLATE = "403.html"


def permission_denied_reason(exception) -> str:
    reason = str(exception) if exception is not None else ""
    return reason or _("You do not have the role this page needs in this strata.")


def back_url(request) -> tuple[str, bool]:
    """The referring page if it is on this site (and not this page), else the dashboard; and
    whether it is the referring page."""
    referrer = request.META.get("HTTP_REFERER", "")
    if (
        referrer
        and referrer != request.build_absolute_uri()
        and url_has_allowed_host_and_scheme(
            referrer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return referrer, True
    return reverse("admin:index"), False


def permission_denied(request, exception=None):
    # The admin's header and user links once the request knows its user; not the strata
    # switcher, so the page names no strata, nor anything else of what was refused.
    context = admin.site.each_context(request) if hasattr(request, "user") else {}
    context.pop("switcher_stratas", None)
    url, is_referrer = back_url(request)
    context.update(
        {
            "title": _("Not allowed"),
            "reason": permission_denied_reason(exception),
            "back_url": url,
            "back_is_referrer": is_referrer,
        }
    )
    return render(request, TEMPLATE, context, status=403)
