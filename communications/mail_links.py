"""The signed links an email carries: unsubscribing, the open pixel and click redirects
(docs/operations.md, "Unsubscribe and tracking links").

Nobody signs in to follow them, so the signature is the authority: each kind has its own salt,
and a click token signs its target together with the email, so the redirect goes nowhere
else and no other email's click can be replayed under it. Pure: no database.
"""

import functools
import re
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

_UNSUBSCRIBE_SALT = "communications.mail_links.unsubscribe"
_OPEN_SALT = "communications.mail_links.open"
_CLICK_SALT = "communications.mail_links.click"
# TrackingEvent.url holds this much.
MAX_TARGET_LENGTH = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def unsubscribe_url(email_uuid: uuid.UUID) -> str:
    token = signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(_hex(email_uuid))
    return _absolute("email_unsubscribe", token)


def unsubscribe_email_uuid(token: str) -> uuid.UUID | None:
    """The email an unsubscribe token was made for, or None for a tampered or foreign one."""
    return _signed_uuid(token, _UNSUBSCRIBE_SALT)


def open_pixel_url(email_uuid: uuid.UUID) -> str:
    token = signing.Signer(salt=_OPEN_SALT).sign(_hex(email_uuid))
    return _absolute("email_open", token)


def open_email_uuid(token: str) -> uuid.UUID | None:
    return _signed_uuid(token, _OPEN_SALT)


def click_url(email_uuid: uuid.UUID, target: str) -> str:
    """A redirect to ``target`` (http or https only) that records the click first."""
    if not is_trackable(target):
        raise ValueError(f"Only http(s) links of at most {MAX_TARGET_LENGTH} characters.")
    token = signing.Signer(salt=_CLICK_SALT).sign_object(
        {"e": _hex(email_uuid), "u": target}, compress=True
    )
    return _absolute("email_click", token)


def click_target(token: str) -> tuple[uuid.UUID, str] | None:
    """(email uuid, target) of a click token, or None if it was not signed as it is."""
    try:
        payload = signing.Signer(salt=_CLICK_SALT).unsign_object(token)
        email_uuid, target = uuid.UUID(hex=payload["e"]), payload["u"]
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None
    return (email_uuid, target) if is_trackable(target) else None


def is_trackable(target: object) -> bool:
    """An absolute http(s) URL a redirect may carry: no control characters (a header
    cannot hold them) and short enough to record."""
    if not isinstance(target, str) or len(target) > MAX_TARGET_LENGTH:
        return False
    if _CONTROL.search(target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


_UNSUBSCRIBE_TOKEN = re.compile(r"(/email/unsubscribe/)[^/\s\"'<>&]+")


def hide_unsubscribe_tokens(text: str) -> str:
    """``text`` with every unsubscribe link's token replaced: staff reading a resident's
    email in the outbox must not be able to unsubscribe them with it."""
    return _UNSUBSCRIBE_TOKEN.sub(r"\1[hidden]", text)


def is_own_link(href: str) -> bool:
    """A link into these pages (the unsubscribe link, an already rewritten click), which
    tracking leaves alone."""
    return any(
        href.startswith(f"{settings.SITE_URL}{_route(name)[0]}")
        for name in ("email_unsubscribe", "email_open", "email_click")
    )


def _absolute(route: str, token: str) -> str:
    before, after = _route(route)
    return f"{settings.SITE_URL}{before}{token}{after}"


@functools.cache
def _route(name: str) -> tuple[str, str]:
    """A route's path before and after its token. Reversed once: reverse() was most of the
    time a campaign's tracked links took. Tokens hold only characters a path keeps as they
    are (base64url, ``:``, ``.``)."""
    before, _token, after = reverse(name, args=["TOKEN"]).partition("TOKEN")
    return before, after


def _hex(email_uuid: uuid.UUID | str) -> str:
    return uuid.UUID(str(email_uuid)).hex


def _signed_uuid(token: str, salt: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=signing.Signer(salt=salt).unsign(token))
    except (signing.BadSignature, ValueError, TypeError):
        return None
