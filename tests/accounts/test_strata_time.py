import datetime as dt
import zoneinfo

import time_machine

from accounts.models import Strata
from accounts.strata_time import end_of_day, strata_today

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")


def test_strata_today_uses_the_strata_time_zone():
    strata = Strata(time_zone="America/Vancouver")
    # 06:30 UTC on 2 December is still 1 December in Vancouver (UTC-8).
    with time_machine.travel(dt.datetime(2026, 12, 2, 6, 30, tzinfo=dt.UTC), tick=False):
        assert strata_today(strata) == dt.date(2026, 12, 1)


def test_end_of_day_is_the_last_instant_in_strata_time():
    strata = Strata(time_zone="America/Vancouver")
    deadline = end_of_day(strata, dt.date(2026, 12, 9))
    assert deadline.astimezone(VANCOUVER).replace(tzinfo=None) == dt.datetime(
        2026, 12, 9, 23, 59, 59, 999999
    )
    assert deadline.astimezone(dt.UTC) == dt.datetime(
        2026, 12, 10, 7, 59, 59, 999999, tzinfo=dt.UTC
    )


def test_end_of_day_across_a_daylight_saving_change():
    strata = Strata(time_zone="America/Vancouver")
    # 8 March 2026 is the spring-forward day: the day has 23 hours, the offset becomes -7.
    deadline = end_of_day(strata, dt.date(2026, 3, 8))
    assert deadline.utcoffset() == dt.timedelta(hours=-7)
