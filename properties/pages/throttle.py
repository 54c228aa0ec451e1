"""How often a link may be asked for by email (a sign-in link, a fresh case link): at most N
requests per subject (an address, a link) and N per client IP in the period of the ``sign_in``
rate (``SIGN_IN_THROTTLE``, e.g. ``5/hour``), the rate the API's sign-in throttle uses too.
Counted in the cache in fixed windows: ``add`` then ``incr``, which Redis and Memcached do
atomically, so two workers never both see room for one more."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from accounts.request_meta import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate() -> tuple[int, int]:
    number, period = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sign_in"].split("/")
    return int(number), _PERIODS[period[0]]


def _count(key: str, period: int) -> int:
    cache.add(key, 0, period)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(key, 1, period)
        return 1


def link_request_allowed(request, *, scope: str, subject: str) -> bool:
    """Count this request against ``subject`` and the client's IP within ``scope``; False
    when either is over the limit. The subject is counted by its hash, so the cache holds no
    addresses or secrets."""
    limit, period = _rate()
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()
    counts = [_count(f"{scope}:subject:{digest}", period)]
    ip = client_ip(request)
    if ip:
        counts.append(_count(f"{scope}:ip:{ip}", period))
    return max(counts) <= limit


def sign_in_request_allowed(request, address: str) -> bool:
    return link_request_allowed(request, scope="sign-in", subject=address)
