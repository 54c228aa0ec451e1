"""Writes to the fines ledger: payments received and waivers council resolved.

A charge's balance is never stored; it is its amount less its payments and waivers
(``selectors.ledger.charges_with_balances``). Each service locks the charge's case in the
case-action frame (``services.frame``) before reading the balance, as a correction of a
payment does, so two clerks recording against the same charge at once cannot together take it
below zero.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from violations.domain.workflow import TransitionRefused
from violations.models import CENT, Charge, Payment, PaymentMethod, Violation, Waiver
from violations.selectors import record_dates
from violations.selectors.ledger import charges_with_balances
from violations.services.frame import CaseAction, case_lock, event_record


def _money(value) -> Decimal | None:
    """``value`` as a Decimal of whole cents, or None if it is not one."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


def _with_balance(charge_id: int, case: Violation) -> Charge:
    """The charge annotated with its balance as it stands, read once ``case`` is locked."""
    charge = charges_with_balances(
        Charge.objects.select_related("unit", "liable_person").filter(pk=charge_id)
    ).get()
    charge.case = case
    return charge


def _amount_errors(charge: Charge, amount, verb: str) -> tuple[Decimal | None, list[str]]:
    money = _money(amount)
    if money is None:
        return None, [_("Give the amount in dollars and cents, e.g. 50.25.")]
    if money <= 0:
        return None, [_("The amount must be more than $0.00.")]
    balance = charge.balance.quantize(CENT)  # SQLite hands back 100 for 100.00
    if money > balance:
        return None, [
            _(
                "More than is owing: %(verb)s $%(amount)s would exceed the balance of "
                "$%(balance)s on this charge."
            )
            % {"verb": verb, "amount": money, "balance": balance}
        ]
    return money, []


def _date_errors(charge: Charge, on: dt.date | None, what: str, sentence: str) -> list[str]:
    """``what``: the date asked for; ``sentence``: how a refusal of it starts ("The payment
    cannot be dated"), ``record_dates`` saying why."""
    if not isinstance(on, dt.date):
        return [_("Give the %(what)s.") % {"what": what}]
    refusal = record_dates.charge_date_refusal(charge, on, sentence)
    return [refusal] if refusal else []


def _record(charge: Charge, actor: User, kind: str, text: str, data: dict, context) -> None:
    """The case's timeline entry and the audit entry, about the charge, for a ledger write."""
    event_record(
        charge.case,
        kind,
        actor,
        text=text,
        data=data,
        context=context,
        target=charge,
        audit_changes=data,
    )


def payment_record(
    *,
    charge: Charge,
    actor: User,
    amount,
    paid_on: dt.date,
    method: str,
    reference: str = "",
    context: AuditContext | None = None,
) -> Payment:
    """Record money received against ``charge`` (RECORD_PAYMENTS: the strata's managers)."""
    with transaction.atomic():
        paying = CaseAction(
            _("Recording a payment"),
            Right.RECORD_PAYMENTS,
            instead=_("Another manager must record the payment."),
        )
        charge = _with_balance(charge.pk, case_lock(charge.case_id, actor, paying))
        errors: dict[str, list[str]] = {}
        money, amount_errors = _amount_errors(charge, amount, _("paying"))
        if amount_errors:
            errors["amount"] = amount_errors
        if date_errors := _date_errors(
            charge, paid_on, _("payment date"), _("The payment cannot be dated")
        ):
            errors["paid_on"] = date_errors
        if method not in PaymentMethod.values:
            errors["method"] = [_("Choose how the payment was made.")]
        reference = (reference or "").strip()
        if len(reference) > 100:
            errors["reference"] = [_("Keep the reference to 100 characters.")]
        if errors:
            raise TransitionRefused(errors)
        payment = Payment.objects.create(
            charge=charge,
            amount=money,
            paid_on=paid_on,
            method=method,
            reference=reference,
            recorded_by=actor,
        )
        balance = (charge.balance - money).quantize(CENT)
        _record(
            charge,
            actor,
            "payment_recorded",
            _("$%(amount)s paid on %(date)s (%(method)s); $%(balance)s owing.")
            % {
                "amount": money,
                "date": paid_on,
                "method": PaymentMethod(method).label,
                "balance": balance,
            },
            {
                "charge": str(charge.uuid),
                "payment": str(payment.uuid),
                "amount": str(money),
                "paid_on": paid_on.isoformat(),
                "method": method,
                "reference": reference,
                "balance": str(balance),
            },
            context,
        )
        return payment


def waiver_record(
    *,
    charge: Charge,
    actor: User,
    amount,
    meeting_on: dt.date,
    resolution: str,
    context: AuditContext | None = None,
) -> Waiver:
    """Record council's waiver of part or all of ``charge``, citing the meeting and the
    resolution (RECORD_DECISIONS: the strata's council or managers, not recused)."""
    with transaction.atomic():
        waiving = CaseAction(
            _("Recording a waiver"),
            Right.RECORD_DECISIONS,
            who=_("manager or council"),
            instead=_("Another member must record the waiver."),
        )
        charge = _with_balance(charge.pk, case_lock(charge.case_id, actor, waiving))
        resolution = (resolution or "").strip()
        cite = _("A waiver must cite council's decision: ")
        errors: dict[str, list[str]] = {}
        if meeting_on is None:
            errors["meeting_on"] = [cite + _("give the date of the council meeting.")]
        elif date_errors := _date_errors(
            charge, meeting_on, _("council meeting date"), _("The council meeting cannot be dated")
        ):
            errors["meeting_on"] = date_errors
        if not resolution:
            errors["resolution"] = [cite + _("give the text of council's resolution.")]
        money, amount_errors = _amount_errors(charge, amount, _("waiving"))
        if amount_errors:
            errors["amount"] = amount_errors
        if errors:
            raise TransitionRefused(errors)
        waiver = Waiver.objects.create(
            charge=charge,
            amount=money,
            meeting_on=meeting_on,
            resolution=resolution,
            recorded_by=actor,
        )
        balance = (charge.balance - money).quantize(CENT)
        _record(
            charge,
            actor,
            "waiver_recorded",
            _("$%(amount)s waived by council on %(date)s; $%(balance)s owing.")
            % {"amount": money, "date": meeting_on, "balance": balance},
            {
                "charge": str(charge.uuid),
                "waiver": str(waiver.uuid),
                "amount": str(money),
                "meeting_on": meeting_on.isoformat(),
                "resolution": resolution,
                "balance": str(balance),
            },
            context,
        )
        return waiver


def ledger_export_record(
    *, actor: User, strata, filters: dict, rows: int, context: AuditContext | None = None
) -> None:
    """Audit a CSV export of the ledger: it names owners and what they owe."""
    audit_log_record(
        actor=actor,
        action="charge.ledger_exported",
        strata=strata,
        changes={"filters": filters, "rows": rows},
        context=context,
    )
