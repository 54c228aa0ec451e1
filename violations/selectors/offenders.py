"""Repeat offenders (DESIGN §6): persons and units with N upheld cases in a window.

Counted against the respondent a decision was about (the case's respondent parties, and the
case's unit), never against whoever lives in the unit now: a new owner does not inherit the
last owner's record, and a tenant's cases follow the tenant.
"""

import datetime as dt

from django.utils import timezone

from accounts.strata_time import strata_today
from violations.models import UPHELD_OUTCOMES, CaseParty, Decision, PartyRole
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
    user sees (their stratas, not recused). Two queries, however many cases."""
    cases = cases_visible_to_staff(user)
    if strata_id is not None:
        cases = cases.filter(strata_id=strata_id)
    # A day's margin either side of UTC's date for the stratas' zones; the exact window is
    # checked below against each strata's own date.
    horizon = (today or timezone.now().date()) + dt.timedelta(days=1)
    decisions = Decision.objects.filter(
        outcome__in=UPHELD_OUTCOMES,
        meeting_on__gte=horizon - dt.timedelta(days=window_days + 2),
        meeting_on__lte=horizon,
        case__in=cases.values("pk"),
    )
    by_unit: dict[int, dict] = {}
    cases_in_window: dict[int, object] = {}
    for decision in decisions.select_related("case__unit", "case__strata").order_by(
        "-meeting_on", "id"
    ):
        case = decision.case
        day = today or strata_today(case.strata)
        if not day - dt.timedelta(days=window_days) <= decision.meeting_on <= day:
            continue
        case.meeting_on = decision.meeting_on
        cases_in_window[case.pk] = case
        row = by_unit.setdefault(
            case.unit_id, {"unit": case.unit, "strata": case.strata, "cases": []}
        )
        row["cases"].append(case)
    by_person: dict[int, dict] = {}
    respondents = (
        CaseParty.objects.filter(
            role=PartyRole.RESPONDENT, required=True, case__in=list(cases_in_window)
        )
        .select_related("person")
        .order_by("person__full_name", "person_id")
    )
    for party in respondents:
        case = cases_in_window[party.case_id]
        row = by_person.setdefault(
            party.person_id, {"person": party.person, "strata": case.strata, "cases": []}
        )
        row["cases"].append(case)
    return {
        "persons": _ranked(by_person.values(), threshold, "person"),
        "units": _ranked(by_unit.values(), threshold, "unit"),
    }


def _ranked(rows, threshold: int, name: str) -> list[dict]:
    found = []
    for row in rows:
        row["cases"].sort(key=lambda case: (case.meeting_on, case.reference), reverse=True)
        row["count"] = len(row["cases"])
        if row["count"] >= threshold:
            found.append(row)
    return sorted(found, key=lambda row: (-row["count"], row["strata"].name, str(row[name])))
