"""How often something that emails a person or writes on their case may be asked for.

Links by email (a sign-in link, a fresh case link): N requests per subject (an address, a
link) from one client IP, and 4 N per subject from all clients together, in the period of the
``sign_in`` rate (``SIGN_IN_THROTTLE``, e.g. ``5/hour``; the API's sign-in throttle uses it
too). One client cannot exhaust another person's allowance: a stranger asking for Olive's
link five times leaves Olive her own five. Answers from the resident pages: the ``answer``
rate per user, as the API's. Counted in the cache in fixed windows: ``add`` then ``incr``,
which Redis and Memcached do atomically, so two workers never both see room for one more."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from accounts.request_meta import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(name: str) -> tuple[int, int]:
    number, period = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][name].split("/")
    return int(number), _PERIODS[period[0]]


def _count(key: str, period: int) -> int:
    cache.add(key, 0, period)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(key, 1, period)
        return 1


def link_request_allowed(request, *, scope: str, subject: str) -> bool:
    """Count this request against ``subject`` from this client and from everyone; False when
    either is over its limit. The subject is counted by its hash, so the cache holds no
    addresses or secrets."""
    limit, period = _rate("sign_in")
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()
    ip = client_ip(request) or "unknown"
    from_here = _count(f"{scope}:{digest}:ip:{ip}", period)
    from_all = _count(f"{scope}:{digest}", period)
    return from_here <= limit and from_all <= 4 * limit


def sign_in_request_allowed(request, address: str) -> bool:
    return link_request_allowed(request, scope="sign-in", subject=address)


def answer_allowed(user) -> bool:
    """A written answer or hearing request from the resident pages, per user."""
    limit, period = _rate("answer")
    return _count(f"answer:user:{user.pk}", period) <= limit
