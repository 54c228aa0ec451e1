"""Show staff pages in the time zone of the strata they are working in."""

import zoneinfo

from django.utils import timezone

SESSION_STRATA_ID = "current_strata_id"
SESSION_STRATA_TZ = "current_strata_tz"


class StrataTimezoneMiddleware:
    """Activate the time zone of the strata chosen in the switcher (kept in the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = request.session.get(SESSION_STRATA_TZ) if hasattr(request, "session") else None
        if zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
