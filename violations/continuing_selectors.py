"""Reads of continuing fines: the proposals staff confirm, and a case's series."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from accounts.permissions import Right, scope_to_stratas
from violations.access import exclude_recused
from violations.continuing import continuing_cases, next_due_on
from violations.models import (
    Decision,
    DecisionOutcome,
    FineProposal,
    ProposalStatus,
    Violation,
)


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
