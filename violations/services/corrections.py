"""Correcting what staff recorded (issue 13 item 3): void an entry, or amend it, with a reason.

The entries: a response, a paper service, a payment, a hearing's outcome, the observation a
continuing fine was charged on, and the compliance date a case closed with (``entry`` is then
the case). Nothing is edited away:

- a response, a service or a payment (``Correctable``) is stamped voided (when, by whom,
  why); an amendment is a new entry that ``amends`` it, the original voided with the reason.
  Every read but the record's own leaves voided entries out (``LiveManager``), so the guards,
  deadlines and balances follow the corrected record;
- a hearing's outcome, an observation and a compliance date are fields of a larger record
  (the hearing, the continuing fine with its charge, the case): they are corrected in place,
  and what they said before stays in the correction's event and audit entry, which the case
  page and the case file show beside them.

Each correction is one transaction: it locks the case, checks the right that records the
entry (a payment: RECORD_PAYMENTS; the rest: REVIEW_CASES) and recusal, checks the amended
values as they are checked when recorded (``record_dates`` among them), and writes one
``correction`` event and one ``violation.correction`` audit entry. Its consequences follow
from the corrected record: voiding the only response sends a case back from "responded" to
"notice sent", voiding a hearing's outcome reopens the hearing, voiding a recorded service puts
the letter back in the print queue, and a notice's deadline is computed again. A correction
that would take the ground from under a later step already taken is refused, with the reason,
rather than rewinding it: one that would leave council's recorded decision without the basis
the decision guard requires, voiding a hearing's outcome after the decision or a postponement,
voiding an observation whose fine is still owing or paid, voiding the compliance a fined case
closed on.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_zone
from violations import continuing, guards, ledger, record_dates, serving
from violations.access import has_case_right, is_recused
from violations.ledger_selectors import charges_with_balances
from violations.models import (
    HEARD_OUTCOMES,
    PAPER_METHODS,
    Charge,
    Decision,
    DecisionOutcome,
    FineProposal,
    Hearing,
    HearingOutcome,
    LetterKind,
    Payment,
    PaymentMethod,
    ProposalStatus,
    Response,
    Service,
    ServiceMethod,
    ServiceStatus,
    Status,
    Violation,
)
from violations.services.frame import _finish, _set_status
from violations.services.hearings import _hearing_notice_given
from violations.services.service_records import paper_service_fill
from violations.workflow import WHO, TransitionRefused, refuse


@dataclass(frozen=True)
class Kind:
    """One kind of entry: the right that records it, what it is called, the values an
    amendment may change, and whether residents see its corrections (as they see the entry's
    own event)."""

    name: str
    model: type
    right: Right
    label: str
    fields: tuple[str, ...]
    visible_to_resident: bool


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "response",
            Response,
            Right.REVIEW_CASES,
            gettext_lazy("response"),
            ("received_at", "channel", "text", "declines_hearing"),
            True,
        ),
        Kind(
            "service",
            Service,
            Right.REVIEW_CASES,
            gettext_lazy("service"),
            ("method", "on_date", "delivered_by", "address"),
            False,
        ),
        Kind(
            "payment",
            Payment,
            Right.RECORD_PAYMENTS,
            gettext_lazy("payment"),
            ("amount", "paid_on", "method", "reference"),
            False,
        ),
        Kind(
            "hearing_outcome",
            Hearing,
            Right.REVIEW_CASES,
            gettext_lazy("hearing outcome"),
            ("outcome", "minutes"),
            True,
        ),
        Kind(
            "observation",
            FineProposal,
            Right.REVIEW_CASES,
            gettext_lazy("observation"),
            ("observed_by", "observed_at", "observation"),
            True,
        ),
        Kind(
            "compliance",
            Violation,
            Right.REVIEW_CASES,
            gettext_lazy("compliance"),
            ("compliance_on",),
            True,
        ),
    )
}
WHO_RECORDS = {**WHO, Right.RECORD_PAYMENTS: "manager"}
# The entries council's decision may rest on (the decision guard reads them).
DECISION_KINDS = frozenset({"response", "service", "hearing_outcome"})


def entry_kind(entry) -> Kind:
    for kind in KINDS.values():
        if isinstance(entry, kind.model):
            return kind
    raise TypeError(f"{type(entry).__name__} is not a correctable entry")


def entry_case(entry) -> Violation:
    """The case an entry is recorded on."""
    match entry:
        case Violation():
            return entry
        case Service():
            return entry.letter.case
        case Payment():
            return entry.charge.case
        case _:
            return entry.case


def entry_void(*, entry, actor: User, reason: str, context: AuditContext | None = None) -> object:
    """Void ``entry``: it stays on the record, marked voided with ``reason``. Returns it."""
    return _correct(entry, actor, reason, None, context)


def entry_amend(
    *, entry, actor: User, reason: str, context: AuditContext | None = None, **values
) -> object:
    """Amend ``entry`` with ``values`` (of its kind's ``fields``). Returns the entry as it
    now stands: the new response, service or payment, or the corrected record."""
    return _correct(entry, actor, reason, values, context)


# --- the frame -----------------------------------------------------------------------------


def _correct(entry, actor: User, reason: str, values: dict | None, context) -> object:
    kind = entry_kind(entry)
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(
            {"reason": _("Give the reason for the correction: it stays on the record with it.")}
        )
    if values is not None and (unknown := sorted(set(values) - set(kind.fields))):
        raise TypeError(f"a {kind.name} has no amendable {', '.join(unknown)}")
    with transaction.atomic():
        case = _lock(entry_case(entry), actor, kind)
        entry = _reload(kind, entry)
        before = SNAPSHOTS[kind.name](entry)
        if values is not None and not _changes(kind, before, values):
            refuse(_("The amendment changes nothing: give the corrected values."))
        decision = (
            Decision.objects.filter(case=case).first() if kind.name in DECISION_KINDS else None
        )
        standing = decision is not None and _decision_refusal(case, decision) is None
        from_status = case.status
        if values is None:
            result, extra = VOIDS[kind.name](case, entry, actor, reason)
            data = {"before": before, **extra}
        else:
            result = AMENDS[kind.name](case, entry, actor, reason, values)
            now = SNAPSHOTS[kind.name](result)
            data = {"before": before, "after": {k: v for k, v in now.items() if before[k] != v}}
            if result is not entry:
                data["replacement"] = str(result.uuid)
        if standing and (why := _decision_refusal(case, decision)):
            refuse(
                _(
                    "Council decided %(case)s at its meeting of %(meeting)s on the record as it "
                    "stood; after this correction the decision would have no basis: %(why)s"
                )
                % {
                    "case": case.reference,
                    "meeting": record_dates.day(decision.meeting_on),
                    "why": why,
                }
            )
        _finish(
            case,
            "correction",
            actor,
            from_status=from_status,
            text=_("%(entry)s %(done)s. Reason: %(reason)s")
            % {
                "entry": _describe(kind, entry, case),
                "done": _("voided") if values is None else _("amended"),
                "reason": reason,
            },
            data={
                "entry": kind.name,
                "uuid": str(entry.uuid),
                # A service's event is hidden with it where the case file hides the letter.
                **({"service": str(entry.uuid)} if kind.name == "service" else {}),
                "action": "void" if values is None else "amend",
                "reason": reason,
                **data,
            },
            visible_to_resident=kind.visible_to_resident,
            context=context,
        )
    return result


def _lock(case: Violation, actor: User, kind: Kind) -> Violation:
    locked = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("strata", "unit")
        .get(pk=case.pk)
    )
    if not has_case_right(actor, kind.right, locked):
        raise TransitionRefused(
            _("Correcting a %(entry)s needs the role of %(who)s in %(strata)s.")
            % {"entry": kind.label, "who": WHO_RECORDS[kind.right], "strata": locked.strata.name},
            code="role",
        )
    if is_recused(actor, locked):
        raise TransitionRefused(
            _(
                "You are recused from %(case)s: you are a party, a complainant or an occupant "
                "of its unit (SPA s.32). Another member must act."
            )
            % {"case": locked.reference},
            code="recused",
        )
    return locked


def _reload(kind: Kind, entry):
    """The entry, locked, as stored now; a voided one is refused."""
    manager = getattr(kind.model, "all_objects", kind.model.objects)
    entry = manager.select_for_update(of=("self",)).get(pk=entry.pk)
    if getattr(entry, "voided_at", None) is not None:
        refuse(
            _("This %(entry)s was voided on %(date)s: it cannot be corrected again.")
            % {"entry": kind.label, "date": record_dates.day(_local_date(entry, entry.voided_at))}
        )
    return entry


def _local_date(entry, moment: dt.datetime) -> dt.date:
    return moment.astimezone(strata_zone(entry_case(entry).strata)).date()


def _void(entry, actor: User, reason: str) -> None:
    entry.voided_at = timezone.now()
    entry.voided_by = actor
    entry.void_reason = reason
    entry.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])


def _decision_refusal(case: Violation, decision: Decision) -> str | None:
    """Why council could not have decided as it did on the record as it stands now (the
    decision guard at its meeting, with the deadline the service sets now), or None."""
    stored = case.response_deadline
    case.response_deadline = serving.deadline_for(case)
    try:
        guards.decision_guard(case, decision.meeting_on)
    except TransitionRefused as refusal:
        return refusal.messages[0]
    finally:
        case.response_deadline = stored
    return None


def _plain(value):
    """A value as the record keeps it in JSON: dates ISO, instants in UTC, money to the cent."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(kind: Kind, before: dict, values: dict) -> dict:
    changed = {}
    for name, value in values.items():
        if kind.name == "payment" and name == "amount":
            money = ledger._money(value)
            value = money if money is not None else value
        if _plain(value) != before.get(name):
            changed[name] = value
    return changed


def _describe(kind: Kind, entry, case: Violation) -> str:
    """The entry in words, for the timeline."""
    zone = strata_zone(case.strata)
    match kind.name:
        case "response":
            return _("The response of %(party)s received %(date)s") % {
                "party": entry.party.person.full_name,
                "date": record_dates.day(entry.received_at.astimezone(zone).date()),
            }
        case "service":
            return _("The service of the %(letter)s on %(person)s (%(method)s, %(date)s)") % {
                "letter": entry.letter.get_kind_display().lower(),
                "person": entry.person.full_name,
                "method": entry.get_method_display().lower(),
                "date": record_dates.day(entry.sent_at.astimezone(zone).date()),
            }
        case "payment":
            return _("The payment of $%(amount)s on %(date)s") % {
                "amount": entry.amount,
                "date": record_dates.day(entry.paid_on),
            }
        case "hearing_outcome":
            return _("The outcome of the hearing requested on %(date)s") % {
                "date": record_dates.day(entry.requested_on)
            }
        case "observation":
            return _("The observation the fine due %(date)s was charged on") % {
                "date": record_dates.day(entry.due_on)
            }
        case _:
            return _("Compliance on %(date)s") % {"date": record_dates.day(entry.compliance_on)}


# --- what each entry was -------------------------------------------------------------------


def _response_snapshot(response: Response) -> dict:
    return {
        "received_at": _plain(response.received_at),
        "channel": response.channel,
        "text": response.text,
        "declines_hearing": response.declines_hearing,
    }


def _service_snapshot(service: Service) -> dict:
    zone = strata_zone(entry_case(service).strata)
    return {
        "method": service.method,
        "on_date": _plain(service.sent_at.astimezone(zone).date()) if service.sent_at else None,
        "deemed_given_on": _plain(service.deemed_given_on),
        "delivered_by": service.delivered_by,
        "address": service.address,
    }


def _payment_snapshot(payment: Payment) -> dict:
    return {
        "amount": _plain(payment.amount),
        "paid_on": _plain(payment.paid_on),
        "method": payment.method,
        "reference": payment.reference,
    }


def _hearing_snapshot(hearing: Hearing) -> dict:
    return {
        "outcome": hearing.outcome,
        "minutes": hearing.minutes,
        "held_at": _plain(hearing.held_at) if hearing.held_at else None,
    }


def _observation_snapshot(proposal: FineProposal) -> dict:
    return {
        "observed_by": proposal.observed_by,
        "observed_at": _plain(proposal.observed_at) if proposal.observed_at else None,
        "observation": proposal.observation,
    }


def _compliance_snapshot(case: Violation) -> dict:
    return {"compliance_on": _plain(case.compliance_on) if case.compliance_on else None}


SNAPSHOTS = {
    "response": _response_snapshot,
    "service": _service_snapshot,
    "payment": _payment_snapshot,
    "hearing_outcome": _hearing_snapshot,
    "observation": _observation_snapshot,
    "compliance": _compliance_snapshot,
}


# --- responses -----------------------------------------------------------------------------


def _response_void(case, response, actor, reason):
    _void(response, actor, reason)
    if case.status == Status.RESPONDED and not case.responses.exists():
        _set_status(case, Status.NOTICE_SENT)  # nobody has answered after all
    return response, {}


def _response_amend(case, response, actor, reason, values):
    amended = Response(
        case=case,
        party=response.party,
        received_at=values.get("received_at", response.received_at),
        channel=values.get("channel", response.channel),
        text=values.get("text", response.text),
        declines_hearing=values.get("declines_hearing", response.declines_hearing),
        recorded_by=actor,
        amends=response,
    )
    errors = {}
    if not amended.text.strip():
        errors["text"] = _("Record what the response says.")
    if amended.channel not in Response.Channel.values:
        errors["channel"] = _("Say how the response arrived.")
    if refusal := record_dates.response_refusal(case, amended.received_at):
        errors["received_at"] = refusal
    if errors:
        raise TransitionRefused(errors)
    _void(response, actor, reason)
    amended.save()
    return amended


# --- service -------------------------------------------------------------------------------


def _recorded_paper(service: Service) -> None:
    if service.status != ServiceStatus.SENT or service.method not in PAPER_METHODS:
        refuse(
            _(
                "Only a paper service recorded by staff can be corrected; an emailed letter is "
                "settled by the mail server (re-serve it to serve it again)."
            )
        )


def _later_service(service: Service) -> Service | None:
    """A live service of the same letter on the same person made after ``service``."""
    return (
        Service.objects.filter(letter_id=service.letter_id, person_id=service.person_id)
        .filter(created_at__gte=service.created_at)
        .exclude(pk=service.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def _service_consequences(case: Violation, service: Service) -> None:
    """The deadline a notice's service sets, and a hearing counted as held or missed on the
    strength of its notice's service, follow the corrected record."""
    letter = service.letter
    if letter.kind == LetterKind.NOTICE:
        serving.deadline_recompute(case)
    if letter.kind == LetterKind.HEARING_NOTICE:
        for hearing in Hearing.objects.filter(notice_letter=letter, outcome__in=HEARD_OUTCOMES):
            try:
                _hearing_notice_given(case, hearing)
            except TransitionRefused as refusal:
                refuse(
                    _(
                        "The hearing was recorded as %(outcome)s on the strength of this "
                        "service; after this correction it could not be: %(why)s"
                    )
                    % {
                        "outcome": hearing.get_outcome_display().lower(),
                        "why": " ".join(refusal.messages),
                    }
                )


def _service_void(case, service, actor, reason):
    _recorded_paper(service)
    later = _later_service(service)
    _void(service, actor, reason)
    extra = {}
    if later is None:
        # Not served after all: the letter goes back to the print queue.
        pending = Service.objects.create(
            letter=service.letter,
            party=service.party,
            person=service.person,
            method=ServiceMethod.MAIL,
            address=serving.mailing_address(service.person) or service.address,
        )
        extra["paper_service"] = str(pending.uuid)
    _service_consequences(case, service)
    return service, extra


def _service_amend(case, service, actor, reason, values):
    _recorded_paper(service)
    later = _later_service(service)
    if later is not None:
        refuse(
            _("A later service of this letter on %(person)s supersedes this one: correct that one.")
            % {"person": service.person.full_name}
        )
    method = values.get("method", service.method)
    if method not in PAPER_METHODS:
        raise TransitionRefused({"method": _("Choose how the letter was served on paper.")})
    zone = strata_zone(case.strata)
    amended = Service(
        letter=service.letter,
        party=service.party,
        person=service.person,
        address=service.address,
        amends=service,
    )
    paper_service_fill(
        amended,
        case,
        actor,
        method=method,
        on_date=values.get("on_date", service.sent_at.astimezone(zone).date()),
        address=values.get("address", service.address),
        delivered_by=values.get("delivered_by", service.delivered_by),
        dated_as=service,
    )
    _void(service, actor, reason)
    amended.save()
    _service_consequences(case, amended)
    return amended


# --- payments ------------------------------------------------------------------------------


def _payment_void(case, payment, actor, reason):
    Charge.objects.select_for_update(of=("self",)).filter(pk=payment.charge_id).get()
    _void(payment, actor, reason)
    return payment, {}


def _payment_amend(case, payment, actor, reason, values):
    _void(payment, actor, reason)  # what is owing, without the payment it replaces
    charge = ledger._locked(payment.charge)
    errors = {}
    money, amount_errors = ledger._amount_errors(
        charge, values.get("amount", payment.amount), _("paying")
    )
    if amount_errors:
        errors["amount"] = amount_errors
    paid_on = values.get("paid_on", payment.paid_on)
    if date_errors := ledger._date_errors(
        charge, paid_on, _("payment date"), _("The payment cannot be dated")
    ):
        errors["paid_on"] = date_errors
    method = values.get("method", payment.method)
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose how the payment was made.")]
    reference = (values.get("reference", payment.reference) or "").strip()
    if len(reference) > 100:
        errors["reference"] = [_("Keep the reference to 100 characters.")]
    if errors:
        raise TransitionRefused(errors)
    return Payment.objects.create(
        charge=charge,
        amount=money,
        paid_on=paid_on,
        method=method,
        reference=reference,
        recorded_by=actor,
        amends=payment,
    )


# --- hearing outcomes ----------------------------------------------------------------------


def _has_outcome(hearing: Hearing) -> None:
    if not hearing.outcome:
        refuse(_("No outcome of this hearing is recorded yet."))


def _hearing_void(case, hearing, actor, reason):
    _has_outcome(hearing)
    if hearing.outcome == HearingOutcome.POSTPONED:
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
        seen_on = observed_at.astimezone(strata_zone(case.strata)).date()
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
    if refusal := record_dates.compliance_refusal(
        case, compliance_on, continuing.last_seen_on(case)
    ):
        raise TransitionRefused({"compliance_on": refusal})
    case.compliance_on = compliance_on
    case.save(update_fields=["compliance_on", "updated_at"])
    return case


VOIDS = {
    "response": _response_void,
    "service": _service_void,
    "payment": _payment_void,
    "hearing_outcome": _hearing_void,
    "observation": _observation_void,
    "compliance": _compliance_void,
}
AMENDS = {
    "response": _response_amend,
    "service": _service_amend,
    "payment": _payment_amend,
    "hearing_outcome": _hearing_amend,
    "observation": _observation_amend,
    "compliance": _compliance_amend,
}
