"""Repeat offenders (DESIGN §6): persons and units with N upheld cases in a window.

Counted against the respondent a decision was about (the case's respondent parties, and the
case's unit), never against whoever lives in the unit now: a new owner does not inherit the
last owner's record, and a tenant's cases follow the tenant.
"""

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Count, F, Q, QuerySet
from django.db.models.lookups import Exact
from django.utils import timezone

from accounts.strata_time import strata_today_sql
from violations.models import UPHELD_OUTCOMES, CaseParty, Decision, PartyRole, Violation
from violations.selectors.access import cases_visible_to_staff

DEFAULT_WINDOW_DAYS = 365
DEFAULT_THRESHOLD = 3


def repeat_offenders(
    user,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    threshold: int = DEFAULT_THRESHOLD,
    today: dt.date | None = None,
    strata_id: int | None = None,
) -> dict[str, list[dict]]:
    """``{"persons": [...], "units": [...]}``, each row ``{"person"|"unit", "strata", "count",
    "cases"}`` with at least ``threshold`` upheld decisions met on or after ``today`` less
    ``window_days`` (``today``: each strata's own date), most cases first. Only the cases the
    user sees (their stratas, not recused). The database counts and keeps those over the
    threshold (GROUP BY ... HAVING); two queries, however many cases or offenders."""
    upheld = _upheld_in_window(user, window_days, today, strata_id)
    return {
        "persons": _ranked(_person_rows(upheld, threshold), "person"),
        "units": _ranked(_unit_rows(upheld, threshold), "unit"),
    }


def _upheld_in_window(
    user, window_days: int, today: dt.date | None, strata_id: int | None
) -> QuerySet[Decision]:
    cases = cases_visible_to_staff(user)
    if strata_id is not None:
        cases = cases.filter(strata_id=strata_id)
    decisions = Decision.objects.filter(outcome__in=UPHELD_OUTCOMES, case__in=cases.values("pk"))
    if today is not None:
        return decisions.filter(meeting_on__range=(today - dt.timedelta(days=window_days), today))
    # Each strata's own today, in the query: within a day of UTC's date, so the window's
    # first day is one of three, whichever that strata's today is.
    local_today = strata_today_sql("case__strata")
    utc_today = timezone.now().date()
    starts = (
        Q(Exact(local_today, day), meeting_on__gte=day - dt.timedelta(days=window_days))
        for day in (utc_today + dt.timedelta(days=shift) for shift in (-1, 0, 1))
    )
    return decisions.filter(reduce(or_, starts), meeting_on__lte=local_today)


def _unit_rows(upheld: QuerySet[Decision], threshold: int) -> list[dict]:
    """The cases of the units with ``threshold`` or more upheld, latest decision first."""
    offending = (
        upheld.values("case__unit")
        .annotate(cases=Count("case"))
        .filter(cases__gte=threshold)
        .values("case__unit")
    )
    cases = (
        Violation.objects.filter(pk__in=upheld.values("case"), unit__in=offending)
        .annotate(meeting_on=F("decision__meeting_on"))
        .select_related("unit", "strata")
        .order_by("-meeting_on", "decision__id")
    )
    rows: dict[int, dict] = {}
    for case in cases:
        row = rows.setdefault(case.unit_id, {"unit": case.unit, "strata": case.strata, "cases": []})
        row["cases"].append(case)
    return list(rows.values())


def _person_rows(upheld: QuerySet[Decision], threshold: int) -> list[dict]:
    """The cases of the respondents with ``threshold`` or more upheld."""
    respondents = CaseParty.objects.filter(
        role=PartyRole.RESPONDENT, required=True, case__in=upheld.values("case")
    )
    offending = (
        respondents.values("person")
        .annotate(cases=Count("case", distinct=True))
        .filter(cases__gte=threshold)
        .values("person")
    )
    parties = (
        respondents.filter(person__in=offending)
        .annotate(meeting_on=F("case__decision__meeting_on"))
        .select_related("person", "case__unit", "case__strata")
        .order_by("person__full_name", "person_id", "-meeting_on", "case__decision__id")
    )
    rows: dict[int, dict] = {}
    for party in parties:
        case = party.case
        case.meeting_on = party.meeting_on
        row = rows.setdefault(
            party.person_id, {"person": party.person, "strata": case.strata, "cases": []}
        )
        row["cases"].append(case)
    return list(rows.values())


def _ranked(rows: list[dict], name: str) -> list[dict]:
    for row in rows:
        row["cases"].sort(key=lambda case: (case.meeting_on, case.reference), reverse=True)
        row["count"] = len(row["cases"])
    return sorted(rows, key=lambda row: (-row["count"], row["strata"].name, str(row[name])))
