"""What is overdue, in each strata's own today (DESIGN §6): one definition for the case
list's "Overdue" filter, the work queues and the daily digest.

- A hearing is overdue when it has no outcome and its hold-by date has passed (SPA s.34.1), or
  the day it was scheduled for has passed with no outcome recorded.
- A case is overdue on the case list when it is open and undecided and either a hearing of it
  is overdue or its response deadline has passed: council should now decide.
- A decision is overdue in the digest only later, once the strata's decision deadline after
  the hearing (or, without one, after the response deadline) has passed
  (``decision_overdue_on``): until then the digest lists the case as ready for a decision.
"""

import datetime as dt

from django.db.models import Exists, F, Func, OuterRef, Q
from django.db.models.lookups import LessThan
from django.utils import timezone

from accounts.strata_time import SQLITE_LOCAL_DATE, LocalDate, local_date, strata_today_sql
from violations.domain import rule_pack
from violations.domain.workflow import OPEN_STATUSES
from violations.models import Hearing


class LocalDateOf(LocalDate):
    """The date of a datetime column in the zone named by ``zone``, row by row."""

    def __init__(self, zone, column):
        Func.__init__(self, zone, column)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps an aware datetime as UTC text without an offset: say it is UTC.
        (zone, zone_params), (moment, moment_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{SQLITE_LOCAL_DATE}({zone}, {moment} || '+00:00')", (*zone_params, *moment_params)


def hearing_date_passed_q() -> Q:
    """On Hearing: scheduled for a day before its strata's today."""
    scheduled_on = LocalDateOf(F("case__strata__time_zone"), F("scheduled_for"))
    return Q(scheduled_for__isnull=False) & Q(
        LessThan(scheduled_on, strata_today_sql("case__strata"))
    )


def hearing_overdue_q() -> Q:
    """On Hearing: no outcome, and its hold-by date or its scheduled day has passed, in its
    strata's today."""
    return Q(outcome="") & (
        Q(hold_by__lt=strata_today_sql("case__strata")) | hearing_date_passed_q()
    )


def case_overdue_q(now: dt.datetime | None = None) -> Q:
    """On Violation: open, undecided, and a hearing of it is overdue or its response deadline
    has passed (the case list's "Overdue")."""
    late_hearings = Hearing.objects.filter(hearing_overdue_q(), case=OuterRef("pk"))
    return Q(status__in=OPEN_STATUSES, decision__isnull=True) & (
        Q(response_deadline__lt=now or timezone.now()) | Q(Exists(late_hearings))
    )


def decision_due_on(case, heard_at: dt.datetime | None) -> dt.date | None:
    """The day council's decision on ``case`` is due in its strata's time: the decision
    deadline after the hearing held (or missed), else that many days after the response
    deadline; None without either."""
    if heard_at is not None:
        return rule_pack.decision_due(case.strata, local_date(case.strata, heard_at))
    if case.response_deadline is None:
        return None
    deadline_on = local_date(case.strata, case.response_deadline)
    return deadline_on + dt.timedelta(days=case.strata.decision_deadline_days)


def days_decision_overdue(case, heard_at: dt.datetime | None, now: dt.datetime) -> int:
    """How many days past ``decision_due_on`` the strata's today at ``now`` is (0: not
    overdue)."""
    due_on = decision_due_on(case, heard_at)
    if due_on is None:
        return 0
    return max((local_date(case.strata, now) - due_on).days, 0)
