"""Correcting the entries recorded as rows of their own (``Correctable``): a response, a
paper service, a payment. A void stamps the row voided; an amendment is a new row that
``amends`` it, the original voided with the reason, so every read but the record's own follows
the corrected record. Voiding a service puts the letter back in the print queue, and a notice's
deadline, or a hearing held on the strength of its notice's service, follows the correction.
Called by the correction frame (``services.corrections``) through ``SNAPSHOTS``, ``VOIDS``
and ``AMENDS``.
"""

from django.utils.translation import gettext as _

from accounts.strata_time import strata_zone
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    HEARD_OUTCOMES,
    PAPER_METHODS,
    DeliveryMethod,
    DeliveryStatus,
    Hearing,
    LetterDelivery,
    LetterKind,
    Payment,
    PaymentMethod,
    Response,
    Status,
    Violation,
)
from violations.selectors import record_dates, serving
from violations.services import ledger
from violations.services.corrections.entries import entry_case, mark_voided, plain
from violations.services.deliveries import paper_service_fill
from violations.services.frame import _set_status
from violations.services.hearings import _hearing_notice_given
from violations.services.serving import deadline_recompute

# --- what each entry was -------------------------------------------------------------------


def _response_snapshot(response: Response) -> dict:
    return {
        "received_at": plain(response.received_at),
        "channel": response.channel,
        "text": response.text,
        "declines_hearing": response.declines_hearing,
    }


def _service_snapshot(service: LetterDelivery) -> dict:
    zone = strata_zone(entry_case(service).strata)
    return {
        "method": service.method,
        "on_date": plain(service.sent_at.astimezone(zone).date()) if service.sent_at else None,
        "deemed_given_on": plain(service.deemed_given_on),
        "delivered_by": service.delivered_by,
        "address": service.address,
    }


def _payment_snapshot(payment: Payment) -> dict:
    return {
        "amount": plain(payment.amount),
        "paid_on": plain(payment.paid_on),
        "method": payment.method,
        "reference": payment.reference,
    }


# --- responses -----------------------------------------------------------------------------


def _response_void(case, response, actor, reason):
    mark_voided(response, actor, reason)
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
    mark_voided(response, actor, reason)
    amended.save()
    return amended


# --- service -------------------------------------------------------------------------------


def _recorded_paper(service: LetterDelivery) -> None:
    if service.status != DeliveryStatus.SENT or service.method not in PAPER_METHODS:
        refuse(
            _(
                "Only a paper service recorded by staff can be corrected; an emailed letter is "
                "settled by the mail server (re-serve it to serve it again)."
            )
        )


def _later_service(service: LetterDelivery) -> LetterDelivery | None:
    """A live service of the same letter on the same person made after ``service``."""
    return (
        LetterDelivery.objects.filter(letter_id=service.letter_id, person_id=service.person_id)
        .filter(created_at__gte=service.created_at)
        .exclude(pk=service.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def _service_consequences(case: Violation, service: LetterDelivery) -> None:
    """The deadline a notice's service sets, and a hearing counted as held or missed on the
    strength of its notice's service, follow the corrected record."""
    letter = service.letter
    if letter.kind == LetterKind.NOTICE:
        deadline_recompute(case)
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
    mark_voided(service, actor, reason)
    extra = {}
    if later is None:
        # Not served after all: the letter goes back to the print queue.
        pending = LetterDelivery.objects.create(
            letter=service.letter,
            party=service.party,
            person=service.person,
            method=DeliveryMethod.MAIL,
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
    amended = LetterDelivery(
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
    mark_voided(service, actor, reason)
    amended.save()
    _service_consequences(case, amended)
    return amended


# --- payments ------------------------------------------------------------------------------


def _payment_void(case, payment, actor, reason):
    mark_voided(payment, actor, reason)
    return payment, {}


def _payment_amend(case, payment, actor, reason, values):
    mark_voided(payment, actor, reason)  # what is owing, without the payment it replaces
    charge = ledger._with_balance(payment.charge_id, case)
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


SNAPSHOTS = {
    "response": _response_snapshot,
    "service": _service_snapshot,
    "payment": _payment_snapshot,
}
VOIDS = {
    "response": _response_void,
    "service": _service_void,
    "payment": _payment_void,
}
AMENDS = {
    "response": _response_amend,
    "service": _service_amend,
    "payment": _payment_amend,
}
