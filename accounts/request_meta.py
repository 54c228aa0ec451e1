"""Who is on the other end of a request: client IP behind trusted proxies, and user agent."""

import ipaddress
from dataclasses import dataclass

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP, read ``TRUSTED_PROXY_COUNT`` hops from the right of X-Forwarded-For.

    With no trusted proxy the header is ignored (a client could forge it) and REMOTE_ADDR is
    the answer. Anything that is not an IP address gives None.
    """
    candidate = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


@dataclass(frozen=True)
class AuditContext:
    """Where a change came from, handed by entry points to services for the audit log."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> "AuditContext":
        return cls(ip_address=client_ip(request), user_agent=user_agent(request))


def login_username(request, credentials: dict | None = None) -> str:
    """The login name a lockout counts against: the email as typed, lower-cased.

    Django hands the login form's value to backends as ``username`` (our USERNAME_FIELD is
    ``email``), so both places are read; lower-casing makes ``Jane@`` and ``jane@`` one count.
    """
    for source in (credentials or {}, getattr(request, "POST", {})):
        value = source.get("username") or source.get("email")
        if value:
            return str(value).strip().lower()
    return ""
