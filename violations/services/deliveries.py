"""Service of letters (SPA s.61): recording paper service, serving again, and settling emailed
letters by what the outbox did with them (accepted: served; failed: paper service)."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from communications.models import OutboundEmail, TrackingEvent
from violations.domain import rule_pack
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    PAPER_METHODS,
    CaseParty,
    DeliveryMethod,
    DeliveryStatus,
    LetterDelivery,
    LetterKind,
    Status,
    Violation,
)
from violations.selectors import record_dates, serving
from violations.services.case_letters import _check_party, _issued
from violations.services.frame import _begin, _finish, case_row_lock
from violations.services.serving import deadline_recompute, letter_serve_one

# --- service -------------------------------------------------------------------------------


def violation_record_service(
    *,
    service: LetterDelivery,
    actor: User,
    method: str,
    on_date: dt.date,
    address: str = "",
    delivered_by: str = "",
    context: AuditContext | None = None,
) -> LetterDelivery:
    """Record that a pending paper service was done on ``on_date`` by ``method`` (SPA
    s.61(1)): handed to the person, left with an adult occupant, put under the door or through
    the mail slot of their strata lot, or mailed. ``address`` is where it was mailed when the
    service has none ("address needed"); ``delivered_by`` who did it (blank: the actor). The
    Act deems it given on the date ``rule_pack.deemed_given_on`` gives the method."""
    with transaction.atomic():
        case = _begin(service.letter.case, "record_service", actor)
        service = (
            LetterDelivery.objects.select_for_update().select_related("person").get(pk=service.pk)
        )
        if service.status == DeliveryStatus.QUEUED:
            refuse(
                _(
                    "This letter was emailed and waits for the mail server: it is served when "
                    "the server accepts it, and becomes paper service if it cannot be delivered."
                )
            )
        if service.status != DeliveryStatus.PENDING:
            refuse(
                _("This service is already %(status)s; use re-serve to serve again.")
                % {"status": service.get_status_display().lower()}
            )
        if method not in PAPER_METHODS:
            refuse(
                _(
                    "Record how the letter was served on paper: handed to the person, left with "
                    "an adult occupant, put under the door, put through the mail slot or in the "
                    "mailbox, or mailed."
                )
            )
        paper_service_fill(
            service,
            case,
            actor,
            method=method,
            on_date=on_date,
            address=address,
            delivered_by=delivered_by,
        )
        service.save()
        deadline_recompute(case)
        _finish(
            case,
            "record_service",
            actor,
            from_status=case.status,
            data={
                "service": str(service.uuid),
                "person": str(service.person),
                "method": method,
                "on": on_date.isoformat(),
                "deemed_given_on": service.deemed_given_on.isoformat(),
                "delivered_by": service.delivered_by,
                "address": service.address,
            },
            context=context,
        )
    return service


def paper_service_fill(
    service: LetterDelivery,
    case: Violation,
    actor: User,
    *,
    method: str,
    on_date: dt.date,
    address: str,
    delivered_by: str,
    dated_as: LetterDelivery | None = None,
) -> None:
    """Set ``service`` as served on paper by ``method`` on ``on_date`` (unsaved), once the
    date passes ``record_dates`` and the method the register (SPA s.61(1)). ``dated_as``: the
    service whose dates bound ``on_date`` (an amended service's original)."""
    if refusal := record_dates.service_refusal(dated_as or service, on_date):
        raise TransitionRefused({"on_date": refusal})
    service.address = _served_at(service, method, address.strip())
    service.method = method
    service.status = DeliveryStatus.SENT
    # Paper service is recorded by date; the time is unknown unless it is today.
    today = strata_today(case.strata)
    service.sent_at = (
        timezone.now()
        if on_date == today
        else dt.datetime.combine(on_date, dt.time(12), tzinfo=strata_zone(case.strata))
    )
    service.deemed_given_on = rule_pack.deemed_given_on(method, on_date)
    service.recorded_by = actor
    service.recorded_at = timezone.now()
    service.delivered_by = delivered_by.strip() or actor.full_name or actor.email


def _served_at(service: LetterDelivery, method: str, address: str) -> str:
    """Where ``method`` put the letter, or a refusal when the Act or the register rule it out:
    someone who gave an address for notices is not served at a strata lot (SPA s.61(1)(a)),
    someone with no unit has no strata lot to serve at, and a mailing needs an address."""
    person = service.person
    allowed = rule_pack.paper_methods_allowed(
        gave_postal_address=bool(person.postal_address.strip())
    )
    if method not in allowed:
        refuse(
            _(
                "%(person)s gave an address for notices (SPA s.61(1)(a)): serve them by handing "
                "it to them or by mail to that address."
            )
            % {"person": person}
        )
    if method in rule_pack.AT_THE_STRATA_LOT:
        home = serving.home_unit(person)
        if home is None:
            refuse(
                _(
                    "%(person)s has no strata lot on the register to leave it at: hand it to "
                    "them, or mail it."
                )
                % {"person": person}
            )
        return serving.unit_address(home)
    found = address or service.address or serving.mailing_address(person)
    if method == DeliveryMethod.MAIL and not found:
        refuse(
            _(
                "There is no address to mail %(person)s's letter to (address needed). Give the "
                "address it was mailed to, or add the person's postal address to the register "
                "first."
            )
            % {"person": person}
        )
    return found


def violation_reserve(
    *,
    case: Violation,
    actor: User,
    party: CaseParty,
    method: str,
    context: AuditContext | None = None,
) -> LetterDelivery:
    """Serve the notice on a party again: by email (to their address for notices), or a new
    pending paper service (mailed from the print queue, or handed or left; recorded when
    done)."""
    with transaction.atomic():
        case = _begin(case, "reserve", actor)
        _check_party(case, party)
        notice = _issued(case, LetterKind.NOTICE)
        person = party.person
        if method == DeliveryMethod.EMAIL and not person.email_for_notices:
            refuse(
                _(
                    "%(person)s has given no email address for notices (SPA s.61); serve by "
                    "mail or by hand."
                )
                % {"person": person}
            )
        if method not in DeliveryMethod.values:
            refuse(_("Choose email or a way of serving on paper."))
        emailed = notice.deliveries.filter(person=person, outbound_email__isnull=False).count()
        service = letter_serve_one(
            notice, person, party, actor, key="notice", method=method, version=emailed + 1
        )
        deadline_recompute(case)
        _finish(
            case,
            "reserve",
            actor,
            from_status=case.status,
            data={"service": str(service.uuid), "person": str(person), "method": method},
            context=context,
        )
    return service


# What the outbox did with an email, read through a duplicate to the row it repeats.
_UNDELIVERED = (
    OutboundEmail.Status.FAILED,
    OutboundEmail.Status.SUPPRESSED,
    OutboundEmail.Status.UNKNOWN,
)


def _outbox_status_q(statuses) -> Q:
    return Q(outbound_email__status__in=statuses) | Q(
        outbound_email__status=OutboundEmail.Status.DUPLICATE,
        outbound_email__duplicate_of__status__in=statuses,
    )


def violation_services_check() -> int:
    """Settle emailed letters by what the outbox did with them (every five minutes, and safe
    to run any number of times):

    - accepted by the mail server (the outbox row is ``sent``): the service is sent, deemed
      given 4 days after the day it was accepted (SPA s.61(3)), and a notice's deadline is
      computed again;
    - failed, suppressed or lost: the service is marked failed and a pending paper service
      joins the print queue; the deadline waits for it;
    - accepted and then bounced: marked bounced, and paper service likewise.

    Returns the number of services settled."""
    emailed = LetterDelivery.objects.filter(method=DeliveryMethod.EMAIL)
    accepted = emailed.filter(_outbox_status_q([OutboundEmail.Status.SENT]))
    accepted = accepted.filter(status=DeliveryStatus.QUEUED).values_list("pk", flat=True)
    # Sent too: a service recorded as sent when it was queued, before this check settled
    # emails (an undelivered email was never given, whatever the service says).
    failed = emailed.filter(
        _outbox_status_q(_UNDELIVERED), status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENT]
    )
    bounced = emailed.filter(
        status=DeliveryStatus.SENT,
        outbound_email__in=TrackingEvent.objects.filter(kind="bounce").values("email_id"),
    )
    settled = sum(_service_delivered(pk) for pk in list(accepted))
    for status, ids in (
        (DeliveryStatus.BOUNCED, list(bounced.values_list("pk", flat=True))),
        (DeliveryStatus.FAILED, list(failed.values_list("pk", flat=True))),
    ):
        for pk in ids:
            settled += _service_failed(pk, status)
    return settled


def _locked(pk: int) -> tuple[LetterDelivery, Violation]:
    """The service and its case, locked in the order the transitions lock them: the case
    first (``frame.case_row_lock``), then the service."""
    case_id = LetterDelivery.objects.filter(pk=pk).values_list("letter__case_id", flat=True).get()
    case = case_row_lock(case_id)
    service = (
        LetterDelivery.objects.select_for_update(of=("self",))
        .select_related("letter", "person", "outbound_email__duplicate_of")
        .get(pk=pk)
    )
    service.letter.case = case
    return service, case


def _service_delivered(pk: int) -> int:
    """The mail server accepted the email: the letter is given 4 days after that day."""
    with transaction.atomic():
        service, case = _locked(pk)
        if service.status != DeliveryStatus.QUEUED:
            return 0
        email = service.outbound_email
        if email.status == OutboundEmail.Status.DUPLICATE:
            email = email.duplicate_of
        sent_on = timezone.localtime(email.sent_at, strata_zone(case.strata)).date()
        service.status = DeliveryStatus.SENT
        service.sent_at = email.sent_at
        service.deemed_given_on = rule_pack.deemed_given_on(DeliveryMethod.EMAIL, sent_on)
        service.save(update_fields=["status", "sent_at", "deemed_given_on", "updated_at"])
        if service.letter.kind == LetterKind.NOTICE:
            deadline_recompute(case)
    return 1


# A case past these is settled: a bounce reported then reopens nothing.
_SETTLED = frozenset(
    {
        Status.DECIDED_UPHELD,
        Status.DECIDED_DISMISSED,
        Status.REJECTED,
        Status.WITHDRAWN,
        Status.CLOSED,
    }
)


def _service_failed(pk: int, status: str) -> int:
    with transaction.atomic():
        service, case = _locked(pk)
        if service.status not in (DeliveryStatus.QUEUED, DeliveryStatus.SENT):
            return 0
        service.status = status
        service.save(update_fields=["status", "updated_at"])
        if case.status in _SETTLED:
            # A bounce reported once the case was decided or ended (a late report, or a forged
            # one: anyone can mail a bounce address) does not reopen service: staff decide.
            _finish(
                case,
                "service_failed",
                None,
                from_status=case.status,
                text=_(
                    "The email to %(address)s was reported undelivered after the case was "
                    "decided or ended; nothing was reopened. Check it with the party."
                )
                % {"address": service.address},
                data={"service": str(service.uuid), "status": status, "after_decision": True},
            )
            return 1
        if service.letter.replaced_by.exists():
            # A hearing notice for a date since changed: its replacement is served instead.
            return 1
        paper = letter_serve_one(
            service.letter,
            service.person,
            service.party,
            None,
            key=f"paper:{service.uuid}",
            method=DeliveryMethod.MAIL,
        )
        if service.letter.kind == LetterKind.NOTICE:
            deadline_recompute(case)
        _finish(
            case,
            "service_failed",
            None,
            from_status=case.status,
            text=_("The email to %(address)s was not delivered; serve it on paper.")
            % {"address": service.address},
            data={"service": str(service.uuid), "paper_service": str(paper.uuid), "status": status},
        )
    return 1
