"""What a staff member's daily digest lists (DESIGN §6 "Repeat offenders and digests").

The lists come from the work-queue selectors (``violations.selectors.cases``) and the
continuing-fine proposals (``selectors.continuing``), so the digest and the "cases awaiting
council" page never disagree; what is new here (overdue decisions, unserved notices) is
built from the same SQL rules (``decision_ready_q``, ``unserved_parties_q``). Every list
leaves out the cases the user is recused from (``cases_visible_to_staff``).
"""

import datetime as dt
import zoneinfo
from collections import Counter

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.models import StrataMembership
from accounts.permissions import Right, scope_to_stratas, strata_ids_with
from accounts.strata_time import strata_localtime
from violations.domain.workflow import SERVED_STATUSES
from violations.models import HEARD_OUTCOMES, ProposalStatus
from violations.selectors.access import cases_visible_to_staff
from violations.selectors.cases import (
    DECISION_STATUSES,
    cases_awaiting_council_for,
    decision_ready_q,
    print_queue_for,
)
from violations.selectors.continuing import fine_proposals_visible_to
from violations.selectors.overdue import days_decision_overdue, decision_due_on
from violations.selectors.serving import unserved_parties_q

# The case and hearing lists of a strata's digest section, overdue first. A case council may
# decide is under ``responses`` when a party answered (in writing, or at a hearing held) and
# under ``unanswered`` when nobody did: only the first are "responses awaiting a decision".
LISTS = (
    "overdue_hearings",
    "overdue_decisions",
    "approvals",
    "responses",
    "unanswered",
    "hearings",
)


def staff_memberships(user) -> list[StrataMembership]:
    """The user's memberships of non-archived stratas that may be current somewhere on Earth
    today (not ended already, and given to no earlier than yesterday, UTC), with their
    stratas."""
    yesterday = timezone.now().date() - dt.timedelta(days=1)
    return list(
        StrataMembership.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=yesterday),
            accepted_at__isnull=False,
            ended_at__isnull=True,
            user=user,
            strata__archived_at__isnull=True,
        )
        .select_related("strata")
        .order_by("strata__name", "strata_id", "role")
    )


def staff_zone(memberships: list[StrataMembership]) -> zoneinfo.ZoneInfo:
    """A staff member's day is their stratas' day: users have no time zone of their own, so
    it is the zone most of their stratas keep (the first strata by name breaks a tie)."""
    stratas = {m.strata_id: m.strata for m in memberships}
    zones = Counter(strata.time_zone for strata in stratas.values())
    if not zones:
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
    best = max(zones.values())
    return zoneinfo.ZoneInfo(
        next(s.time_zone for s in stratas.values() if zones[s.time_zone] == best)
    )


def current_strata_ids(memberships: list[StrataMembership], on: dt.date) -> set[int]:
    """The stratas where a membership is current on ``on`` (started, not ended before it,
    and not ended already).
    Which items each role sees is left to the rights the work-queue selectors check."""
    return {
        m.strata_id
        for m in memberships
        if m.ended_at is None and m.starts_on <= on and (m.ends_on is None or m.ends_on >= on)
    }


def overdue_decisions_for(user, *, now: dt.datetime) -> list:
    """Cases council could decide but has not, past the day their decision was due
    (``overdue.decision_due_on``). Each case has ``due_on`` and ``days_overdue`` in its
    strata's time. One query."""
    cases = cases_visible_to_staff(user)
    ids = strata_ids_with(user, Right.RECORD_DECISIONS)
    if ids is not None:
        cases = cases.filter(strata_id__in=ids)
    rows = (
        cases.filter(decision_ready_q(now), status__in=DECISION_STATUSES, archived_at__isnull=True)
        .select_related("strata", "unit")
        .annotate(heard_at=Max("hearings__held_at", filter=Q(hearings__outcome__in=HEARD_OUTCOMES)))
        .order_by("strata__name", "strata_id", "response_deadline", "id")
    )
    overdue = []
    for case in rows:
        case.days_overdue = days_decision_overdue(case, case.heard_at, now)
        if case.days_overdue:
            case.due_on = decision_due_on(case, case.heard_at)
            overdue.append(case)
    return overdue


def unserved_cases_for(user) -> list:
    """Cases whose notice is out but not yet served on every required party, in the stratas
    where the user reviews cases (and so records service), oldest first. One query."""
    cases = scope_to_stratas(cases_visible_to_staff(user), user, Right.REVIEW_CASES)
    return list(
        cases.filter(unserved_parties_q(), status__in=SERVED_STATUSES, archived_at__isnull=True)
        .select_related("strata", "unit")
        .order_by("created_at", "id")
    )


def digest_items_for(user, *, today: dt.date, now: dt.datetime | None = None) -> list[dict]:
    """The digest of ``user`` for ``today`` (their local date): per strata where they are a
    current staff member on that day, ``{"strata", "overdue_hearings", "overdue_decisions",
    "approvals", "responses", "unanswered", "hearings", "unserved", "to_print", "fines"}``.

    A hearing is overdue as ``overdue.hearing_overdue_q`` says: its hold-by date has passed,
    or the day it was scheduled for has, with no outcome recorded.
    Stratas with nothing listed are left out, so an empty list means no digest. A fixed number
    of queries."""
    now = now or timezone.now()
    memberships = staff_memberships(user)
    current = current_strata_ids(memberships, today)
    stratas = {m.strata_id: m.strata for m in memberships if m.strata_id in current}
    sections = {
        strata_id: {
            "strata": strata,
            **{key: [] for key in (*LISTS, "unserved", "fines")},
            "to_print": 0,
        }
        for strata_id, strata in stratas.items()
    }
    for council in cases_awaiting_council_for(user, now=now):
        entry = sections.get(council["strata"].pk)
        if entry is None:
            continue
        entry["approvals"] = council["approvals"]
        entry["responses"] = [case for case in council["ready"] if case.answered]
        entry["unanswered"] = [case for case in council["ready"] if not case.answered]
        for hearing in council["hearings"]:
            if hearing.overdue:
                hearing.days_overdue = max(-hearing.days_left, 0)
                if hearing.date_passed:  # in its strata's time, as the case page shows it
                    local = strata_localtime(hearing.scheduled_for, hearing.case.strata)
                    hearing.scheduled_text = f"{local:%Y-%m-%d %H:%M}"
                entry["overdue_hearings"].append(hearing)
            else:
                entry["hearings"].append(hearing)
    for case in overdue_decisions_for(user, now=now):
        if case.strata_id in sections:
            entry = sections[case.strata_id]
            entry["overdue_decisions"].append(case)
            # Listed once, under "Overdue", rather than again as ready.
            for key in ("responses", "unanswered"):
                entry[key] = [ready for ready in entry[key] if ready.pk != case.pk]
    for case in unserved_cases_for(user):
        if case.strata_id in sections:
            sections[case.strata_id]["unserved"].append(case)
    to_print = (
        print_queue_for(user)
        .order_by()
        .values("letter__case__strata")
        .annotate(n=Count("pk"))
        .values_list("letter__case__strata", "n")
    )
    for strata_id, n in to_print:
        if strata_id in sections:
            sections[strata_id]["to_print"] = n
    proposals = fine_proposals_visible_to(user).filter(status=ProposalStatus.PROPOSED)
    for proposal in proposals.order_by("due_on", "id"):
        if proposal.case.strata_id in sections:
            sections[proposal.case.strata_id]["fines"].append(proposal)
    listed = [entry for entry in sections.values() if digest_item_count(entry)]
    return sorted(listed, key=lambda entry: (entry["strata"].name, entry["strata"].pk))


def digest_item_count(section: dict) -> int:
    """How many things one strata's section asks the reader to act on."""
    return sum(len(section[key]) for key in (*LISTS, "unserved", "fines")) + section["to_print"]
