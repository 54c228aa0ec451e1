"""How often a sign-in link may be asked for: at most N requests per address and N per client
IP in the period of the ``sign_in`` rate (``SIGN_IN_THROTTLE``, e.g. ``5/hour``), the rate the
API's sign-in throttle uses too. Counted in the cache in fixed windows: ``add`` then ``incr``,
which Redis and Memcached do atomically, so two workers never both see room for one more."""

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


def sign_in_request_allowed(request, address: str) -> bool:
    """Count this request against ``address`` and the client's IP; False when either is over
    the limit. The address is counted by its hash, so the cache holds no addresses."""
    limit, period = _rate()
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()
    counts = [_count(f"sign-in:address:{digest}", period)]
    ip = client_ip(request)
    if ip:
        counts.append(_count(f"sign-in:ip:{ip}", period))
    return max(counts) <= limit
