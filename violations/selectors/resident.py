"""What a resident sees of the cases where they are a party (DESIGN §5, §8), and nothing
else: never another person's case, the complainant's identity or words, staff-only evidence
originals and their metadata, internal notes, or how council members voted.

A resident is a login linked to register persons (``properties.selectors.persons_of``); a
case is theirs when one of those persons is a party to it. The complainant is not a party.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
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
from violations.selectors.ledger import charges_with_balances

# A case link stops working once the case is over (issue 15: "or the case is closed").
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.REJECTED, Status.WITHDRAWN})


def _my_parties(user) -> QuerySet[CaseParty]:
    return CaseParty.objects.filter(person__user=user, person__archived_at__isnull=True)


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
    party = resident_party(case, user) is not None
    return {
        "respond": party and case.status in TRANSITIONS["record_response"].sources,
        "request_hearing": party and case.status in TRANSITIONS["receive_hearing_request"].sources,
    }


@dataclass(frozen=True)
class NextDate:
    label: str
    at: dt.datetime | dt.date


def next_date(case: Violation) -> NextDate | None:
    """The one date that matters next to a party: the hearing, the day it must be held by,
    or the last day to answer the notice."""
    hearing: Hearing | None = case.hearings.order_by("-pk").first()
    if case.status == Status.HEARING_SCHEDULED and hearing and hearing.scheduled_for:
        return NextDate(_("Your hearing"), hearing.scheduled_for)
    if case.status == Status.HEARING_REQUESTED and hearing:
        return NextDate(_("Council must hold your hearing by"), hearing.hold_by)
    if case.status in (Status.NOTICE_SENT, Status.RESPONDED) and case.response_deadline:
        return NextDate(_("Answer in writing or ask for a hearing by"), case.response_deadline)
    return None


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
        .filter(case=case, person__uuid=person_uuid, person__archived_at__isnull=True)
        .first()
    )
    return case, party


def is_closed(case: Violation) -> bool:
    return case.closed_at is not None or case.status in CLOSED_STATUSES
