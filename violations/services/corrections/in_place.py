"""Correcting the entries that are fields of a larger record: a hearing's outcome (the
hearing), the observation a continuing fine was charged on (the fine proposal with its
charge), the compliance date a case closed with (the case). They are corrected in place; what
they said before stays in the correction's event and audit entry. A void that would take the
ground from under a later step is refused: a hearing's outcome after the decision or a
postponement, an observation whose fine is still owing or paid, the compliance a fined case
closed on. Called by the correction frame (``services.corrections``) through ``SNAPSHOTS``,
``VOIDS`` and ``AMENDS``.
"""

from django.utils.translation import gettext as _

from accounts.strata_time import local_date
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    HEARD_OUTCOMES,
    Charge,
    Decision,
    DecisionOutcome,
    FineProposal,
    Hearing,
    HearingOutcome,
    Payment,
    ProposalStatus,
    Status,
    Violation,
)
from violations.selectors import record_dates
from violations.selectors.continuing import last_seen_on
from violations.selectors.ledger import charges_with_balances
from violations.services.corrections.entries import UNCORRECTABLE_OUTCOMES, plain
from violations.services.frame import _set_status
from violations.services.hearings import _hearing_notice_given

# --- what each entry was -------------------------------------------------------------------


def _hearing_snapshot(hearing: Hearing) -> dict:
    return {
        "outcome": hearing.outcome,
        "minutes": hearing.minutes,
        "held_at": plain(hearing.held_at) if hearing.held_at else None,
    }


def _observation_snapshot(proposal: FineProposal) -> dict:
    return {
        "observed_by": proposal.observed_by,
        "observed_at": plain(proposal.observed_at) if proposal.observed_at else None,
        "observation": proposal.observation,
    }


def _compliance_snapshot(case: Violation) -> dict:
    return {"compliance_on": plain(case.compliance_on) if case.compliance_on else None}


# --- hearing outcomes ----------------------------------------------------------------------


def _has_outcome(hearing: Hearing) -> None:
    if not hearing.outcome:
        refuse(_("No outcome of this hearing is recorded yet."))


def _hearing_void(case, hearing, actor, reason):
    _has_outcome(hearing)
    if hearing.outcome in UNCORRECTABLE_OUTCOMES:
        refuse(
            _(
                "The postponement opened a new hearing request: record what became of that "
                "one; a postponement cannot be voided."
            )
        )
    if Decision.objects.filter(case=case).exists():
        refuse(
            _(
                "Council has decided %(case)s after this hearing: its outcome can be amended, "
                "not voided."
            )
            % {"case": case.reference}
        )
    latest = case.hearings.order_by("-id").first()
    if case.status != Status.AWAITING_DECISION or latest != hearing:
        refuse(
            _(
                "Only the outcome of the case's latest hearing, while the case awaits council's "
                "decision, can be voided."
            )
        )
    hearing.outcome = ""
    hearing.minutes = ""
    hearing.held_at = None
    hearing.save(update_fields=["outcome", "minutes", "held_at", "updated_at"])
    _set_status(case, Status.HEARING_SCHEDULED)  # the hearing is to be recorded again
    return hearing, {}


def _hearing_amend(case, hearing, actor, reason, values):
    _has_outcome(hearing)
    outcome = values.get("outcome", hearing.outcome)
    if hearing.outcome not in HEARD_OUTCOMES or outcome not in HEARD_OUTCOMES:
        raise TransitionRefused(
            {
                "outcome": _(
                    "Only a hearing recorded as held or not attended can be amended, to held or "
                    "not attended; a withdrawal is voided and recorded again with the "
                    "respondent's written request."
                )
            }
        )
    minutes = values.get("minutes", hearing.minutes)
    if outcome == HearingOutcome.HELD and not minutes.strip():
        raise TransitionRefused({"minutes": _("Record the minutes of the hearing.")})
    if refusal := record_dates.hearing_outcome_refusal(case, hearing, outcome):
        raise TransitionRefused({"outcome": refusal})
    _hearing_notice_given(case, hearing)
    hearing.outcome = outcome
    hearing.minutes = minutes
    hearing.held_at = hearing.scheduled_for if outcome == HearingOutcome.HELD else None
    hearing.save(update_fields=["outcome", "minutes", "held_at", "updated_at"])
    return hearing


# --- observations --------------------------------------------------------------------------


def _confirmed(proposal: FineProposal) -> None:
    if proposal.status != ProposalStatus.CONFIRMED:
        refuse(_("Only the observation a continuing fine was charged on can be corrected."))


def _observation_void(case, proposal, actor, reason):
    _confirmed(proposal)
    charge = charges_with_balances(Charge.objects.filter(proposal=proposal)).get()
    if Payment.objects.filter(charge=charge).exists():
        refuse(
            _(
                "A payment was recorded against the fine charged on this observation: correct "
                "the payment first."
            )
        )
    if charge.balance > 0:
        refuse(
            _(
                "The fine of $%(amount)s charged on this observation is still owing: council "
                "waives it first (the fines ledger), then the observation can be voided."
            )
            % {"amount": charge.amount}
        )
    # Not seen continuing after all: this interval was not charged, and the series goes on.
    proposal.status = ProposalStatus.DISMISSED
    proposal.dismissed_reason = reason
    proposal.save(update_fields=["status", "dismissed_reason", "updated_at"])
    return proposal, {}


def _observation_amend(case, proposal, actor, reason, values):
    _confirmed(proposal)
    observed_by = values.get("observed_by", proposal.observed_by).strip()
    observed_at = values.get("observed_at", proposal.observed_at)
    observation = values.get("observation", proposal.observation).strip()
    errors = {}
    if not observed_by:
        errors["observed_by"] = _("Name who saw the contravention continue.")
    if not observation:
        errors["observation"] = _("Say what was seen.")
    if observed_at is None:
        errors["observed_at"] = _("Give when it was seen.")
    elif refusal := record_dates.observation_refusal(case, proposal, observed_at):
        errors["observed_at"] = refusal
    elif case.compliance_on is not None:
        seen_on = local_date(case.strata, observed_at)
        if seen_on > case.compliance_on:
            errors["observed_at"] = _(
                "Compliance is recorded on %(compliance)s: a sighting on %(date)s contradicts "
                "it; correct compliance first."
            ) % {
                "compliance": record_dates.day(case.compliance_on),
                "date": record_dates.day(seen_on),
            }
    if errors:
        raise TransitionRefused(errors)
    proposal.observed_by = observed_by
    proposal.observed_at = observed_at
    proposal.observation = observation
    proposal.save(update_fields=["observed_by", "observed_at", "observation", "updated_at"])
    return proposal


# --- compliance ----------------------------------------------------------------------------


def _has_compliance(case: Violation) -> None:
    if case.compliance_on is None:
        refuse(_("No compliance is recorded on %(case)s.") % {"case": case.reference})


def _compliance_void(case, _entry, actor, reason):
    _has_compliance(case)
    decision = Decision.objects.filter(case=case).first()
    if decision is not None and decision.outcome in (
        DecisionOutcome.UPHELD_FINE,
        DecisionOutcome.UPHELD_CONTINUING,
    ):
        refuse(
            _(
                "A fined case is closed on its compliance date: amend the date instead of "
                "voiding it."
            )
        )
    case.compliance_on = None
    case.save(update_fields=["compliance_on", "updated_at"])
    return case, {}


def _compliance_amend(case, _entry, actor, reason, values):
    _has_compliance(case)
    compliance_on = values["compliance_on"]
    if compliance_on is None:
        raise TransitionRefused({"compliance_on": _("Give the compliance date.")})
    if refusal := record_dates.compliance_refusal(case, compliance_on, last_seen_on(case)):
        raise TransitionRefused({"compliance_on": refusal})
    case.compliance_on = compliance_on
    case.save(update_fields=["compliance_on", "updated_at"])
    return case


SNAPSHOTS = {
    "hearing_outcome": _hearing_snapshot,
    "observation": _observation_snapshot,
    "compliance": _compliance_snapshot,
}
VOIDS = {
    "hearing_outcome": _hearing_void,
    "observation": _observation_void,
    "compliance": _compliance_void,
}
AMENDS = {
    "hearing_outcome": _hearing_amend,
    "observation": _observation_amend,
    "compliance": _compliance_amend,
}
