"""Continuing contraventions (SPA s.135(3)): "$X every N days until compliance".

An upheld continuing decision charges its first fine at once (``violation_record_decision``).
After that a daily job *proposes* the next fine once N days have passed since the series'
last due date; staff confirm it with an observation (who saw the contravention continue, when,
and the evidence), which charges it and serves its fine notice, or dismiss it, and the next
proposal comes an interval after the dismissed one. Recording compliance (closing the case)
stops open proposals and the series; paying a fine never does (DESIGN §6).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from violations.domain.workflow import TransitionRefused
from violations.models import (
    Charge,
    ChargeKind,
    FineProposal,
    ProposalStatus,
    Status,
    Violation,
)
from violations.selectors import letters, record_dates
from violations.selectors.continuing import continuing_cases, first_charge, next_due_on
from violations.services.charging import charge_create
from violations.services.frame import CaseAction, case_lock, case_row_lock, event_record


def continuing_fines_propose(*, today: dt.date | None = None) -> int:
    """Propose the next fine of every running series whose interval has passed (``today``:
    each strata's own date unless given). Safe to run any number of times: one proposal per
    case and due date, never two open on one case. Returns how many were proposed."""
    open_proposal = FineProposal.objects.filter(case=OuterRef("pk"), status=ProposalStatus.PROPOSED)
    first_on = (
        Charge.objects.filter(case=OuterRef("pk"), kind=ChargeKind.FINE)
        .order_by()
        .values("case")
        .annotate(on=Min("charged_on"))
        .values("on")
    )
    last_due = (
        FineProposal.objects.filter(case=OuterRef("pk"))
        .exclude(status=ProposalStatus.STOPPED)
        .order_by()
        .values("case")
        .annotate(due=Max("due_on"))
        .values("due")
    )
    candidates = (
        continuing_cases()
        .annotate(has_open=Exists(open_proposal), first_on=Subquery(first_on))
        .annotate(last_due=Subquery(last_due))
        .filter(has_open=False)
        .select_related("strata", "decision")
    )
    proposed = 0
    for case in candidates:
        anchor = max(d for d in (case.first_on, case.last_due, case.decision.meeting_on) if d)
        due = anchor + dt.timedelta(days=case.decision.continuing_every_days)
        if due <= (today or strata_today(case.strata)):
            proposed += _propose(case, today)
    return proposed


def _propose(case: Violation, today: dt.date | None) -> int:
    """Recheck under the case lock (another run may have proposed meanwhile) and propose."""
    with transaction.atomic():
        case = case_row_lock(case, "decision")
        if not continuing_cases().filter(pk=case.pk).exists():
            return 0
        if case.fine_proposals.filter(status=ProposalStatus.PROPOSED).exists():
            return 0
        due = next_due_on(case)
        if due > (today or strata_today(case.strata)):
            return 0
        proposal, created = FineProposal.objects.get_or_create(
            case=case, due_on=due, defaults={"decision": case.decision}
        )
        if created:
            event_record(
                case,
                "continuing_fine_proposed",
                None,
                data={"proposal": str(proposal.uuid), "due_on": due.isoformat()},
            )
    return int(created)


def _open_proposal(proposal: FineProposal, actor: User, action: str) -> tuple:
    """The case locked through the frame, then the proposal, still open."""
    case = case_lock(proposal.case_id, actor, CaseAction(action, Right.REVIEW_CASES))
    proposal = (
        FineProposal.objects.select_for_update().select_related("decision").get(pk=proposal.pk)
    )
    if proposal.status != ProposalStatus.PROPOSED:
        raise TransitionRefused(
            _("The fine due on %(due)s is already %(status)s.")
            % {"due": proposal.due_on, "status": proposal.get_status_display().lower()},
            code="state",
        )
    return case, proposal


def fine_proposal_confirm(
    *,
    proposal: FineProposal,
    actor: User,
    observed_by: str,
    observed_at: dt.datetime | None,
    observation: str,
    evidence=(),
    context: AuditContext | None = None,
) -> Charge:
    """Charge the proposed fine on the strength of an observation that the contravention
    continued on or after its due date, and serve its fine notice."""
    with transaction.atomic():
        case, proposal = _open_proposal(proposal, actor, _("Confirming a continuing fine"))
        if case.status != Status.DECIDED_UPHELD or case.compliance_on is not None:
            raise TransitionRefused(
                _("%(case)s is %(status)s: its continuing fines have stopped.")
                % {"case": case.reference, "status": case.get_status_display().lower()},
                code="state",
            )
        errors = {}
        if not observed_by.strip():
            errors["observed_by"] = _("Name who saw the contravention continue.")
        if not observation.strip():
            errors["observation"] = _("Say what was seen.")
        if observed_at is None:
            errors["observed_at"] = _("Give when it was seen.")
        elif refusal := record_dates.observation_refusal(case, proposal, observed_at):
            errors["observed_at"] = refusal
        evidence = list(evidence)
        if any(item.case_id != case.pk for item in evidence):
            errors["evidence"] = _("Choose evidence of this case only.")
        first = first_charge(case)
        if first is None:
            errors["__all__"] = _("The decision's own fine is missing; the series has no bylaw.")
        if errors:
            raise TransitionRefused(errors)
        proposal.observed_by = observed_by.strip()
        proposal.observed_at = observed_at
        proposal.observation = observation.strip()
        charge = charge_create(
            case=case,
            decision=proposal.decision,
            liable_person=first.liable_person,
            unit=case.unit,
            bylaw=first.bylaw,
            amount=proposal.decision.fine_amount,
            charged_on=strata_today(case.strata),
            actor=actor,
            description=_("Continuing fine due %(due)s")
            % {"due": letters.long_date(proposal.due_on)},
            proposal=proposal,
        )
        proposal.status = ProposalStatus.CONFIRMED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save()
        proposal.evidence.set(evidence)
        event_record(
            case,
            "continuing_fine_confirmed",
            actor,
            data={
                "proposal": str(proposal.uuid),
                "charge": str(charge.uuid),
                "amount": str(charge.amount),
                "observed_at": observed_at.isoformat(),
                "evidence": [str(item.uuid) for item in evidence],
            },
            text=proposal.observation,
            visible_to_resident=True,
            context=context,
        )
    return charge


def fine_proposal_dismiss(
    *,
    proposal: FineProposal,
    actor: User,
    reason: str,
    context: AuditContext | None = None,
) -> FineProposal:
    """Decline to charge this interval (nobody saw it continue, or council chose not to);
    the series goes on, and the next proposal falls due an interval later."""
    if not reason.strip():
        raise TransitionRefused({"reason": _("Give the reason for not charging this fine.")})
    with transaction.atomic():
        case, proposal = _open_proposal(proposal, actor, _("Dismissing a continuing fine"))
        proposal.status = ProposalStatus.DISMISSED
        proposal.dismissed_reason = reason.strip()
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save()
        event_record(
            case,
            "continuing_fine_dismissed",
            actor,
            data={"proposal": str(proposal.uuid), "due_on": proposal.due_on.isoformat()},
            text=proposal.dismissed_reason,
            context=context,
        )
    return proposal


def proposals_stop(case: Violation) -> int:
    """Compliance ends the series: open proposals are stopped. The caller holds the lock."""
    return case.fine_proposals.filter(status=ProposalStatus.PROPOSED).update(
        status=ProposalStatus.STOPPED, decided_at=timezone.now(), updated_at=timezone.now()
    )
