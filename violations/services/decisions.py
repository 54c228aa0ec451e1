"""Council's decision (SPA s.135(2)), withdrawal and closing the case."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.login_tokens import case_links_revoke
from accounts.models import User
from accounts.request_meta import AuditContext
from communications.models import EmailKind
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    Bylaw,
    CouncilMeeting,
    Decision,
    DecisionOutcome,
    LetterKind,
    PartyRole,
    Status,
    Violation,
)
from violations.selectors import guards, letters, record_dates, serving
from violations.selectors.continuing import last_seen_on
from violations.services import charging, continuing
from violations.services.case_letters import _fine_text, _letter_create, letter_issue
from violations.services.frame import _begin, _finish, _set_status
from violations.services.hearings import _decided_late
from violations.services.serving import letter_serve

# --- decision and closing ------------------------------------------------------------------


def violation_record_decision(
    *,
    case: Violation,
    actor: User,
    meeting_on: dt.date | None,
    members_present: list[User],
    motion: str,
    votes_for: int | None,
    votes_against: int | None,
    outcome: str,
    reasons: str,
    votes_abstaining: int = 0,
    recusals: list[User] | None = None,
    fine_amount: Decimal | None = None,
    fine_bylaw: Bylaw | None = None,
    continuing_every_days: int | None = None,
    meeting: CouncilMeeting | None = None,
    context: AuditContext | None = None,
) -> Decision:
    """Record council's decision from its meeting, send the decision letter to every served
    party and, for an upheld fine, charge it against the respondent and the strata lot.
    ``meeting``: the council meeting recorded with it (``meetings.meeting_decisions_record``)."""
    recusals = list(recusals or [])
    with transaction.atomic():
        case = _begin(case, "record_decision", actor)
        if meeting is not None and (
            meeting.strata_id != case.strata_id or meeting.held_on != meeting_on
        ):
            refuse(_("The meeting recorded is not a meeting of this case's strata on that date."))
        guards.decision_guard(case, meeting_on)
        guards.meeting_guard(
            case,
            meeting_on,
            members_present,
            recusals,
            motion,
            votes_for,
            votes_against,
            votes_abstaining,
            outcome,
            reasons,
        )
        fine_bylaw = guards.fine_guard(
            case, outcome, fine_amount, fine_bylaw, continuing_every_days
        )
        decision = Decision.objects.create(
            case=case,
            meeting_on=meeting_on,
            motion=motion,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstaining=votes_abstaining,
            outcome=outcome,
            reasons=reasons,
            fine_amount=fine_amount if fine_bylaw else None,
            continuing_every_days=continuing_every_days
            if outcome == DecisionOutcome.UPHELD_CONTINUING
            else None,
            meeting=meeting,
            recorded_by=actor,
        )
        decision.members_present.set(members_present)
        decision.recusals.set(recusals)
        served = serving.served_parties(case)
        context_ = {
            **letters.base_context(case, [p.person.full_name for p in served]),
            "meeting_on": letters.long_date(meeting_on),
            "decision_outcome": str(DecisionOutcome(outcome).label),
            "fine_text": _fine_text(decision, fine_bylaw),
            "vote": _(
                "%(for)d for, %(against)d against, %(abstaining)d abstaining "
                "(members present: %(present)d)"
            )
            % {
                "for": votes_for,
                "against": votes_against,
                "abstaining": votes_abstaining,
                "present": len(members_present),
            },
            "reasons": reasons,
            "continuing_basis": letters.continuing_basis(decision.continuing_every_days),
            "payment": letters.payment_instructions(case) if fine_bylaw else "",
        }
        letter = _letter_create(case, LetterKind.DECISION, context_, actor)
        letter_issue(letter)
        decision.letter = letter
        decision.save(update_fields=["letter", "updated_at"])
        before = case.status
        dismissed = outcome == DecisionOutcome.DISMISSED
        _set_status(case, Status.DECIDED_DISMISSED if dismissed else Status.DECIDED_UPHELD)
        letter_serve(
            letter,
            [(p.person, p) for p in served],
            actor,
            key="decision",
            kind=EmailKind.DECISION,
        )
        if fine_bylaw is not None:
            respondent = next(p for p in served if p.role == PartyRole.RESPONDENT)
            charging.charge_create(
                case=case,
                decision=decision,
                liable_person=respondent.person,
                unit=case.unit,
                bylaw=fine_bylaw,
                amount=fine_amount,
                charged_on=meeting_on,
                actor=actor,
                description=_("Fine decided by council on %(date)s")
                % {"date": letters.long_date(meeting_on)},
            )
        _finish(
            case,
            "record_decision",
            actor,
            from_status=before,
            data={
                "decision": str(decision.uuid),
                "outcome": outcome,
                "fine": str(fine_amount) if fine_bylaw else None,
                "vote": [votes_for, votes_against, votes_abstaining],
                "after_decision_deadline": _decided_late(case, meeting_on),
            },
            visible_to_resident=True,
            context=context,
        )
    return decision


def violation_withdraw(
    *, case: Violation, actor: User, reason: str, context: AuditContext | None = None
) -> Violation:
    if not reason.strip():
        raise TransitionRefused({"reason": _("Give the reason for withdrawing the case.")})
    with transaction.atomic():
        case = _begin(case, "withdraw", actor)
        before = case.status
        _set_status(case, Status.WITHDRAWN, closed_at=timezone.now())
        case_links_revoke(case_uuid=case.uuid)
        _finish(
            case,
            "withdraw",
            actor,
            from_status=before,
            text=reason,
            visible_to_resident=before not in (Status.REPORTED, Status.NOTICE_PENDING_APPROVAL),
            context=context,
        )
    return case


def violation_close(
    *,
    case: Violation,
    actor: User,
    compliance_on: dt.date | None = None,
    context: AuditContext | None = None,
) -> Violation:
    """Close on dismissal, a warning-only decision or compliance; never on payment."""
    with transaction.atomic():
        case = _begin(case, "close", actor)
        decision = getattr(case, "decision", None) if case.status == Status.DECIDED_UPHELD else None
        fined = decision is not None and decision.outcome != DecisionOutcome.UPHELD_WARNING
        if compliance_on is not None and (
            refusal := record_dates.compliance_refusal(case, compliance_on, last_seen_on(case))
        ):
            raise TransitionRefused({"compliance_on": refusal})
        if fined and compliance_on is None:
            raise TransitionRefused(
                {
                    "compliance_on": _(
                        "A fined case closes when the contravention has stopped: record the "
                        "compliance date (a paid fine is not compliance)."
                    )
                }
            )
        before = case.status
        fields = {"closed_at": timezone.now()}
        if compliance_on is not None:
            fields["compliance_on"] = compliance_on
            continuing.proposals_stop(case)
        _set_status(case, Status.CLOSED, **fields)
        case_links_revoke(case_uuid=case.uuid)
        _finish(
            case,
            "close",
            actor,
            from_status=before,
            data={"compliance_on": compliance_on.isoformat() if compliance_on else None},
            visible_to_resident=True,
            context=context,
        )
    return case
