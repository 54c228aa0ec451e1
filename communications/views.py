"""The links in an email (docs/operations.md, "Unsubscribe and tracking links"): the
unsubscribe page, the open pixel and click redirects.

Nobody signs in to follow them: the signed token in the path is the authority, so they need
no cookie and no CSRF token (a mail client's RFC 8058 one-click POST carries neither). Opening
the unsubscribe page changes nothing, since mail scanners fetch links; only its POST does.
A junk token is a 400 page (the pixel stays a pixel), never an error.
"""

import base64
import hashlib
import uuid

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.request_meta import AuditContext
from communications.mail_links import click_target, open_email_uuid, unsubscribe_email_uuid
from communications.models import OutboundEmail, TrackingEvent
from communications.services import tracking_event_record, unsubscribe_record

# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
BAD_UNSUBSCRIBE_LINK = _(
    "This unsubscribe link is not valid. Check that it was copied whole from the email."
)
BAD_LINK = _("This link is not valid. Check that it was copied whole from the email.")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def email_unsubscribe(request, token):
    email = _email(unsubscribe_email_uuid(token))
    if email is None:
        return _refused(request, BAD_UNSUBSCRIBE_LINK)
    done = request.method == "POST"
    if done:
        unsubscribe_record(email=email, context=AuditContext.from_request(request))
    return render(request, "communications/unsubscribe.html", {"email": email, "done": done})


@never_cache
@require_http_methods(["GET", "HEAD"])
def email_open(request, token):
    email = _email(open_email_uuid(token))
    if email is not None:
        tracking_event_record(
            email=email,
            kind=TrackingEvent.Kind.OPEN,
            occurred_at=timezone.now(),
            provider_event_id=f"open:{email.uuid}",
        )
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_http_methods(["GET", "HEAD"])
def email_click(request, token):
    signed = click_target(token)
    if signed is None:
        return _refused(request, BAD_LINK)
    email_uuid, target = signed
    email = _email(email_uuid)
    if email is not None:  # signed by us, so the target is safe to follow even so
        digest = hashlib.sha256(target.encode()).hexdigest()
        tracking_event_record(
            email=email,
            kind=TrackingEvent.Kind.CLICK,
            occurred_at=timezone.now(),
            provider_event_id=f"click:{email.uuid}:{digest}",
            url=target,
        )
    return HttpResponseRedirect(target)


def _email(email_uuid: uuid.UUID | None) -> OutboundEmail | None:
    """The email a verified token names (the token is the caller's only right to it)."""
    if email_uuid is None:
        return None
    try:
        return OutboundEmail.objects.select_related("strata").get(uuid=email_uuid)
    except OutboundEmail.DoesNotExist:
        return None


def _refused(request, reason):
    return render(request, "communications/link_refused.html", {"reason": reason}, status=400)
