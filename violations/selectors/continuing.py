"""Reads of continuing fines: the proposals staff confirm, and a case's series."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, QuerySet

from accounts.permissions import Right, scope_to_stratas
from accounts.strata_time import local_date
from violations.models import (
    Charge,
    ChargeKind,
    Decision,
    DecisionOutcome,
    FineProposal,
    ProposalStatus,
    Status,
    Violation,
)
from violations.selectors.access import exclude_recused


def fine_proposals_visible_to(user, *, strata_id: int | None = None) -> QuerySet[FineProposal]:
    """Proposals of the cases ``user`` reviews (REVIEW_CASES), less those they are recused
    from, narrowed to one strata when the switcher chose one; case, strata, unit and decision
    joined."""
    if not getattr(user, "is_authenticated", False):
        return FineProposal.objects.none()
    proposals = scope_to_stratas(
        FineProposal.objects.all(), user, Right.REVIEW_CASES, via="case__strata"
    )
    proposals = exclude_recused(proposals, user)
    if strata_id:
        proposals = proposals.filter(case__strata_id=strata_id)
    return proposals.select_related("case__strata", "case__unit", "decision", "decided_by")


@dataclass
class Series:
    """A case's continuing fine: its terms, its proposals and when the next falls due (the
    open proposal's date; None once compliance or closing stopped the series)."""

    decision: Decision
    proposals: list[FineProposal] = field(default_factory=list)
    next_due_on: dt.date | None = None


def continuing_series(case: Violation, decision: Decision | None) -> Series | None:
    if decision is None or decision.outcome != DecisionOutcome.UPHELD_CONTINUING:
        return None
    proposals = list(case.fine_proposals.select_related("decided_by").order_by("due_on", "id"))
    waiting = [p.due_on for p in proposals if p.status == ProposalStatus.PROPOSED]
    due = None
    if continuing_cases().filter(pk=case.pk).exists():
        due = waiting[0] if waiting else next_due_on(case)
    return Series(decision=decision, proposals=proposals, next_due_on=due)


def continuing_cases():
    """Cases whose continuing series runs: upheld continuing, not closed, no compliance."""
    return Violation.objects.filter(
        status=Status.DECIDED_UPHELD,
        compliance_on__isnull=True,
        decision__outcome=DecisionOutcome.UPHELD_CONTINUING,
    )


def first_charge(case: Violation) -> Charge | None:
    """The decision's own fine: it names the series' bylaw and liable person."""
    return (
        Charge.objects.filter(case=case, kind=ChargeKind.FINE, proposal__isnull=True)
        .select_related("bylaw", "liable_person")
        .order_by("charged_on", "id")
        .first()
    )


def next_due_on(case: Violation) -> dt.date | None:
    """When the next fine of the series falls due: the interval after the latest of the
    first charge and the proposals' due dates (confirmed or dismissed alike)."""
    decision = case.decision
    first = first_charge(case)
    anchors = [first.charged_on] if first else [decision.meeting_on]
    latest = case.fine_proposals.exclude(status=ProposalStatus.STOPPED).aggregate(
        due=Max("due_on")
    )["due"]
    if latest is not None:
        anchors.append(latest)
    return max(anchors) + dt.timedelta(days=decision.continuing_every_days)


def last_seen_on(case: Violation) -> dt.date | None:
    """The strata date of the latest sighting a continuing fine was charged on: compliance
    cannot be dated before it."""
    seen = case.fine_proposals.filter(status=ProposalStatus.CONFIRMED).aggregate(
        last=Max("observed_at")
    )["last"]
    return local_date(case.strata, seen) if seen else None
