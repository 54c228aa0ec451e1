"""What a resident sees of the cases where they are a party (DESIGN §5, §8), and nothing
else: never another person's case, the complainant's identity or words, staff-only evidence
originals and their metadata, internal notes, or how council members voted.

A resident is a login linked to register persons (``properties.selectors.persons_of``); a
case is theirs when one of those persons is a party to it. The complainant is not a party.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from violations.domain.workflow import TRANSITIONS
from violations.models import (
    CaseParty,
    Charge,
    Evidence,
    Hearing,
    Letter,
    LetterDelivery,
    Status,
    Violation,
    ViolationEvent,
)
from violations.selectors.ledger import ZERO_CENTS, charges_with_balances

# A case link stops working once the case is over (issue 15: "or the case is closed").
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.WITHDRAWN})


def _my_parties(user) -> QuerySet[CaseParty]:
    """The resident's current parties: one dropped from a case (the respondent changed) no
    longer follows it."""
    return CaseParty.objects.filter(
        person__user=user, person__archived_at__isnull=True, required=True
    )


def resident_cases(user) -> QuerySet[Violation]:
    """The cases where one of the resident's persons is a party, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Violation.objects.none()
    return (
        Violation.objects.filter(
            Exists(_my_parties(user).filter(case=OuterRef("pk"))), archived_at__isnull=True
        )
        .select_related("strata", "unit", "category")
        .order_by("-created_at", "-pk")
    )


def resident_case_get(user, case_uuid) -> Violation | None:
    """One of the resident's cases, or None (another person's case looks like no case)."""
    return resident_cases(user).filter(uuid=case_uuid).first()


def resident_party(case: Violation, user) -> CaseParty | None:
    """The resident's own party on the case that may answer (served as required)."""
    return (
        _my_parties(user)
        .filter(case=case, required=True)
        .select_related("person")
        .order_by("pk")
        .first()
    )


def resident_letters(case: Violation, user) -> QuerySet[Letter]:
    """The issued letters of the case served on one of the resident's persons: the
    particulars as served. A letter served only on someone else stays theirs."""
    mine = LetterDelivery.objects.filter(
        letter=OuterRef("pk"), person__user=user, person__archived_at__isnull=True
    )
    return (
        Letter.objects.filter(case=case, issued_at__isnull=False)
        .filter(Exists(mine))
        .order_by("issued_at", "pk")
    )


def resident_evidence(case: Violation, user) -> QuerySet[Evidence]:
    """Evidence shared with the parties, and what the resident sent themselves, as the
    resident copy only (a re-encoded file without metadata; DESIGN §10)."""
    return (
        Evidence.objects.filter(case=case)
        .filter(Q(shared_with_parties=True) | Q(uploaded_by=user))
        .exclude(resident_copy="")
        .order_by("created_at", "pk")
    )


def resident_events(case: Violation) -> QuerySet[ViolationEvent]:
    """The steps of the case a party is told of (``visible_to_resident``), oldest first."""
    return case.events.filter(visible_to_resident=True).order_by("created_at", "pk")


def may_answer(case: Violation, user) -> dict[str, bool]:
    """Which of the two written answers the resident may send now (the same status rules as
    staff recording them; the service checks again)."""
    return may_answer_each([case], user)[case.pk]


@dataclass(frozen=True)
class NextDate:
    label: str
    at: dt.datetime | dt.date


def next_date(case: Violation) -> NextDate | None:
    """The one date that matters next to a party: the hearing, the day it must be held by,
    or the last day to answer the notice."""
    return next_dates([case])[case.pk]


def resident_charges(user) -> QuerySet[Charge]:
    """The charges the resident is liable for, with what was paid, waived and is owed."""
    if not getattr(user, "is_authenticated", False):
        return Charge.objects.none()
    return charges_with_balances(
        Charge.objects.filter(
            liable_person__user=user, liable_person__archived_at__isnull=True
        ).select_related("case", "unit", "bylaw")
    ).order_by("charged_on", "pk")


def case_link_case(case_uuid, person_uuid) -> tuple[Violation | None, CaseParty | None]:
    """The case a link opens and the person's party on it (None when they are no longer a
    party, or the case is gone)."""
    case = Violation.objects.select_related("strata").filter(uuid=case_uuid).first()
    if case is None:
        return None, None
    party = (
        CaseParty.objects.select_related("person")
        .filter(
            case=case, person__uuid=person_uuid, person__archived_at__isnull=True, required=True
        )
        .first()
    )
    return case, party


def is_closed(case: Violation) -> bool:
    return case.closed_at is not None or case.status in CLOSED_STATUSES


def next_dates(cases) -> dict[int, NextDate | None]:
    """``next_date`` of each of ``cases`` (a list), their hearings read in one query, so a
    list of cases runs the same number of queries however long it is."""
    latest: dict[int, Hearing] = {}
    for hearing in Hearing.objects.filter(case__in=[case.pk for case in cases]).order_by("-pk"):
        latest.setdefault(hearing.case_id, hearing)
    return {case.pk: _next_date_given(case, latest.get(case.pk)) for case in cases}


def _next_date_given(case: Violation, hearing: Hearing | None) -> NextDate | None:
    """``next_date`` given the case's latest hearing."""
    if case.status == Status.HEARING_SCHEDULED and hearing and hearing.scheduled_for:
        return NextDate(_("Your hearing"), hearing.scheduled_for)
    if case.status == Status.HEARING_REQUESTED and hearing:
        return NextDate(_("Council must hold your hearing by"), hearing.hold_by)
    if case.status in (Status.NOTICE_SENT, Status.RESPONDED) and case.response_deadline:
        return NextDate(_("Answer in writing or ask for a hearing by"), case.response_deadline)
    return None


def resident_responses(case: Violation, user) -> QuerySet:
    """The resident's own written answers on the case (the live ones: the related manager is
    ``Response.objects``, so a voided answer is gone)."""
    return case.responses.filter(
        party__person__user=user, party__person__archived_at__isnull=True
    ).order_by("received_at", "pk")


def resident_hearing_requests(case: Violation, user) -> QuerySet[Hearing]:
    """The hearings the resident asked for on the case, with the day each must be held by."""
    return case.hearings.filter(
        requested_by__person__user=user, requested_by__person__archived_at__isnull=True
    ).order_by("requested_on", "pk")


def may_answer_each(cases, user) -> dict[int, dict[str, bool]]:
    """``may_answer`` of each of ``cases`` (a list): the resident's parties read in one query."""
    answering = set(
        _my_parties(user)
        .filter(case__in=[case.pk for case in cases], required=True)
        .values_list("case_id", flat=True)
    )
    return {
        case.pk: {
            "respond": case.pk in answering
            and case.status in TRANSITIONS["record_response"].sources,
            "request_hearing": case.pk in answering
            and case.status in TRANSITIONS["receive_hearing_request"].sources,
        }
        for case in cases
    }


def resident_events_each(cases) -> dict[int, list[ViolationEvent]]:
    """``resident_events`` of each of ``cases`` (a list), in one query."""
    timelines: dict[int, list[ViolationEvent]] = {case.pk: [] for case in cases}
    for event in ViolationEvent.objects.filter(
        case__in=list(timelines), visible_to_resident=True
    ).order_by("created_at", "pk"):
        timelines[event.case_id].append(event)
    return timelines


def resident_balance(user) -> Decimal:
    """What the resident owes over all their charges (``resident_charges``' balances)."""
    total = resident_charges(user).aggregate(total=Sum("balance"))["total"]
    return ZERO_CENTS if total is None else total
