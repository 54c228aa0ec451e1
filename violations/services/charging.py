"""Charges on a case and the fine notice that tells the liable parties of each one.

``charge_create`` runs inside its caller's transaction, with the case already locked: the
decision service charges the fine council imposed, ``remedy_cost_charge`` charges an SPA s.133
remedy cost, and ``continuing.fine_proposal_confirm`` charges each confirmed continuing fine.
Every charge names one bylaw and the decision, and its fine notice is served on every party
the case's notice reached, once per charge however often a caller retries.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from communications.models import EmailKind
from properties.models import Person, Unit
from violations.domain.workflow import TransitionRefused
from violations.models import (
    CENT,
    UPHELD_OUTCOMES,
    Bylaw,
    Charge,
    ChargeKind,
    Decision,
    FineProposal,
    Letter,
    LetterKind,
    PartyRole,
    Violation,
)
from violations.selectors import letters, serving
from violations.selectors.cases import bylaw_revision_in_force
from violations.services.case_letters import letter_issue
from violations.services.frame import CaseAction, case_lock, event_record
from violations.services.serving import letter_serve


def charge_create(
    *,
    case: Violation,
    decision: Decision,
    liable_person: Person,
    unit: Unit,
    bylaw: Bylaw,
    amount: Decimal,
    charged_on: dt.date,
    actor: User | None,
    kind: str = ChargeKind.FINE,
    description: str = "",
    proposal: FineProposal | None = None,
) -> Charge:
    """Charge ``amount`` and serve its fine notice on the case's served parties (email to an
    address given for notices, else the print queue). The caller holds the case lock."""
    charge = Charge.objects.create(
        case=case,
        decision=decision,
        liable_person=liable_person,
        unit=unit,
        bylaw=bylaw,
        kind=kind,
        amount=amount,
        charged_on=charged_on,
        description=description,
        proposal=proposal,
        created_by=actor,
    )
    served = serving.served_parties(case)
    context = fine_notice_context(case, charge, [p.person.full_name for p in served])
    html, version = letters.render(LetterKind.FINE_NOTICE, case.strata, context)
    letter = Letter.objects.create(
        case=case,
        kind=LetterKind.FINE_NOTICE,
        template_version=version,
        html=html,
        created_by=actor,
    )
    letter_issue(letter)
    letter_serve(
        letter,
        [(p.person, p) for p in served],
        actor,
        key=f"fine_notice:{charge.uuid}",
        kind=EmailKind.NOTICE,
    )
    charge.letter = letter
    charge.save(update_fields=["letter", "updated_at"])
    return charge


def fine_notice_context(case: Violation, charge: Charge, recipients: list[str]) -> dict:
    """The fine notice's variables (``letters.SAMPLES[FINE_NOTICE]``): the charge's own
    bylaw as worded on the incident date; for a continuing fine when it was seen continuing,
    what was seen and what lets it repeat (SPA s.135(3), Reg 7.1(2)); for a remedy cost what
    makes it owed (SPA s.133(2)); and how and where to pay."""
    base = letters.base_context(case, recipients)
    revision = bylaw_revision_in_force(charge.bylaw, case.incident_on)
    observation = ""
    if charge.proposal is not None:
        seen = charge.proposal.observed_at.astimezone(strata_zone(case.strata))
        # Who saw it stays on the proposal for staff: the witness may be the complainant,
        # whom a resident's letter never names (DESIGN §8).
        observation = _(
            "The contravention was seen continuing on %(date)s at %(time)s: %(what)s"
        ) % {
            "date": letters.long_date(seen.date()),
            "time": letters.clock(seen),
            "what": charge.proposal.observation,
        }
    return {
        **{key: value for key, value in base.items() if key in letters.COMMON},
        "bylaw_text": f"{charge.bylaw}: {revision.text}" if revision else str(charge.bylaw),
        "meeting_on": letters.long_date(charge.decision.meeting_on),
        "charge_kind": str(
            _("remedy cost") if charge.kind == ChargeKind.REMEDY_COST else _("fine")
        ),
        "charge_amount": letters.money(charge.amount),
        "charged_on": letters.long_date(charge.charged_on),
        "liable_person": charge.liable_person.full_name,
        "charge_description": charge.description,
        "observation": observation,
        "charge_basis": (
            letters.remedy_cost_basis()
            if charge.kind == ChargeKind.REMEDY_COST
            else letters.continuing_basis(charge.decision.continuing_every_days)
        ),
        "balance": letters.money(charge.amount),
        "payment": letters.payment_instructions(case),
    }


def remedy_cost_charge(
    *,
    case: Violation,
    actor: User,
    amount: Decimal,
    charged_on: dt.date,
    description: str,
    bylaw: Bylaw | None = None,
    context: AuditContext | None = None,
) -> Charge:
    """Charge what the strata spent remedying the contravention (SPA s.133: damage, clean-up)
    against the respondent and the strata lot, on a case council upheld."""
    with transaction.atomic():
        case = case_lock(
            case, actor, CaseAction(_("Recording a remedy cost"), Right.RECORD_DECISIONS)
        )
        decision = Decision.objects.filter(case=case).first()
        if decision is None or decision.outcome not in UPHELD_OUTCOMES:
            raise TransitionRefused(
                _(
                    "%(case)s has no upheld decision: a remedy cost (SPA s.133) is charged only "
                    "once council has found the contravention."
                )
                % {"case": case.reference},
                code="state",
            )
        bylaws = list(case.bylaws.all())
        if bylaw is None and len(bylaws) == 1:
            bylaw = bylaws[0]
        errors = {}
        if bylaw is None or bylaw not in bylaws:
            errors["bylaw"] = _("Name the one bylaw of the case the remedy cost is for.")
        if amount is None or amount <= 0 or amount != amount.quantize(CENT):
            errors["amount"] = _("Give the amount in dollars and cents, more than zero.")
        if charged_on is None or charged_on > strata_today(case.strata):
            errors["charged_on"] = _("Give the date of the charge (not in the future).")
        if not description.strip():
            errors["description"] = _("Say what the cost was for (the damage or clean-up).")
        elif case.charges.filter(
            kind=ChargeKind.REMEDY_COST,
            amount=amount,
            charged_on=charged_on,
            description=description.strip(),
        ).exists():
            errors["__all__"] = _(
                "This remedy cost is already charged on %(case)s (same amount, date and "
                "description): it was not charged twice."
            ) % {"case": case.reference}
        respondent = (
            case.parties.filter(role=PartyRole.RESPONDENT, required=True).order_by("id").first()
        )
        if respondent is None:
            errors["__all__"] = _("The case has no respondent to charge.")
        if errors:
            raise TransitionRefused(errors)
        charge = charge_create(
            case=case,
            decision=decision,
            liable_person=respondent.person,
            unit=case.unit,
            bylaw=bylaw,
            amount=amount,
            charged_on=charged_on,
            actor=actor,
            kind=ChargeKind.REMEDY_COST,
            description=description.strip(),
        )
        event_record(
            case,
            "remedy_cost_charged",
            actor,
            data={
                "charge": str(charge.uuid),
                "amount": str(amount),
                "bylaw": bylaw.number,
                "letter": str(charge.letter.uuid),
            },
            text=description.strip(),
            visible_to_resident=True,
            context=context,
        )
    return charge
