"""Dates and deadlines in a strata's own time zone.

Everything is stored in UTC; people, references and deadlines ("end of day, strata time")
use the strata's IANA zone. A strata's "today" is ``local_date(strata)`` in Python and
``strata_today_sql(path)`` in a query, where each row is compared with its own strata's today:
never ``timezone.localdate()``, which is UTC in a worker and the switcher's strata in the admin.
"""

import datetime as dt
import zoneinfo

from django.db import NotSupportedError
from django.db.models import DateField, F, Func, Value
from django.utils import timezone

# The SQLite function LocalDate calls (SQLite knows no time zones): see register_sqlite_functions.
SQLITE_LOCAL_DATE = "stratatracker_local_date"


def strata_zone(strata) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(strata.time_zone)


def strata_now(strata) -> dt.datetime:
    return timezone.now().astimezone(strata_zone(strata))


def local_date(strata, moment: dt.datetime | None = None) -> dt.date:
    """The date in ``strata``'s zone at ``moment`` (now by default)."""
    return strata_localtime(moment or timezone.now(), strata).date()


def strata_today(strata) -> dt.date:
    return local_date(strata)


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


class LocalDate(Func):
    """The date at ``moment`` in the zone named by ``zone`` (a strata's ``time_zone`` column),
    computed by the database, so that one query compares rows of many stratas each with its
    own strata's date."""

    output_field = DateField()

    def __init__(self, zone, moment: dt.datetime):
        super().__init__(zone, Value(moment.isoformat()))

    def as_postgresql(self, compiler, connection, **extra_context):
        (zone, zone_params), (moment, moment_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = f"(CAST({moment} AS timestamptz) AT TIME ZONE {zone})::date"
        return sql, (*moment_params, *zone_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        return Func.as_sql(self, compiler, connection, function=SQLITE_LOCAL_DATE)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("LocalDate needs PostgreSQL or SQLite.")


def strata_today_sql(strata_path: str = "strata") -> LocalDate:
    """Today in the zone of the strata reached by ``strata_path``, row by row, in a query."""
    return LocalDate(F(f"{strata_path}__time_zone"), timezone.now())


def _sqlite_local_date(zone: str | None, moment: str | None) -> str | None:
    if zone is None or moment is None:
        return None
    return dt.datetime.fromisoformat(moment).astimezone(zoneinfo.ZoneInfo(zone)).date().isoformat()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Give each new SQLite connection the function ``LocalDate`` calls (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_LOCAL_DATE, 2, _sqlite_local_date, deterministic=True
        )
