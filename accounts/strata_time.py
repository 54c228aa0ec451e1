"""Dates and deadlines in a strata's own time zone.

Everything is stored in UTC; people, references and deadlines ("end of day, strata time")
use the strata's IANA zone.
"""

import datetime as dt
import zoneinfo

from django.utils import timezone


def strata_zone(strata) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(strata.time_zone)


def strata_now(strata) -> dt.datetime:
    return timezone.now().astimezone(strata_zone(strata))


def strata_today(strata) -> dt.date:
    return strata_now(strata).date()


def strata_localtime(value: dt.datetime, strata=None) -> dt.datetime:
    """``value`` in ``strata``'s zone; for a record of no strata, in the current zone (the
    strata picked in the admin's switcher, else settings.TIME_ZONE)."""
    return timezone.localtime(value, None if strata is None else strata_zone(strata))


def end_of_day(strata, date: dt.date) -> dt.datetime:
    """The last instant of ``date`` in the strata's zone, as an aware datetime."""
    midnight_after = dt.datetime.combine(
        date + dt.timedelta(days=1), dt.time.min, tzinfo=strata_zone(strata)
    )
    return midnight_after - dt.timedelta(microseconds=1)
