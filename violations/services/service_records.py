"""Service of letters (SPA s.61): recording it, serving again, and turning failed or bounced
email into paper service."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from communications.models import OutboundEmail, TrackingEvent
from violations import (
    rule_pack,
    serving,
)
from violations.models import (
    CaseParty,
    LetterKind,
    Service,
    ServiceMethod,
    ServiceStatus,
    Violation,
)
from violations.services.case_letters import _check_party, _issued
from violations.services.frame import _begin, _finish
from violations.workflow import refuse

# --- service -------------------------------------------------------------------------------


def violation_record_service(
    *,
    service: Service,
    actor: User,
    method: str,
    on_date: dt.date,
    context: AuditContext | None = None,
) -> Service:
    """Record that a pending paper service was mailed or handed over on ``on_date``."""
    with transaction.atomic():
        case = _begin(service.letter.case, "record_service", actor)
        service = Service.objects.select_for_update().get(pk=service.pk)
        if service.status != ServiceStatus.PENDING:
            refuse(
                _("This service is already %(status)s; use re-serve to serve again.")
                % {"status": service.get_status_display().lower()}
            )
        if method not in (ServiceMethod.MAIL, ServiceMethod.HAND):
            refuse(_("Record paper service as mailed or handed over."))
        if on_date > strata_today(case.strata):
            refuse(_("The service date cannot be in the future."))
        if on_date < timezone.localtime(service.created_at, strata_zone(case.strata)).date():
            refuse(_("The service date cannot be before the letter was issued."))
        service.method = method
        service.status = ServiceStatus.SENT
        # Paper service is recorded by date; the time is unknown unless it is today.
        today = strata_today(case.strata)
        service.sent_at = (
            timezone.now()
            if on_date == today
            else dt.datetime.combine(on_date, dt.time(12), tzinfo=strata_zone(case.strata))
        )
        service.deemed_given_on = rule_pack.deemed_given_on(method, on_date)
        service.recorded_by = actor
        service.save()
        serving.deadline_recompute(case)
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
            },
            context=context,
        )
    return service


def violation_reserve(
    *,
    case: Violation,
    actor: User,
    party: CaseParty,
    method: str,
    context: AuditContext | None = None,
) -> Service:
    """Serve the notice on a party again: by email (to their address for notices), or a new
    paper service in the print queue (mail or hand, recorded when done)."""
    with transaction.atomic():
        case = _begin(case, "reserve", actor)
        _check_party(case, party)
        notice = _issued(case, LetterKind.NOTICE)
        person = party.person
        if method == ServiceMethod.EMAIL and not person.email_for_notices:
            refuse(
                _(
                    "%(person)s has given no email address for notices (SPA s.61); serve by "
                    "mail or by hand."
                )
                % {"person": person}
            )
        if method not in ServiceMethod.values:
            refuse(_("Choose email, mail or hand."))
        emailed = notice.services.filter(person=person, outbound_email__isnull=False).count()
        service = serving.letter_serve_one(
            notice, person, party, actor, key="notice", method=method, version=emailed + 1
        )
        serving.deadline_recompute(case)
        _finish(
            case,
            "reserve",
            actor,
            from_status=case.status,
            data={"service": str(service.uuid), "person": str(person), "method": method},
            context=context,
        )
    return service


def violation_services_check(*, now: dt.datetime | None = None) -> int:
    """Turn notice emails the outbox failed to deliver, or that bounced, into paper-service
    tasks: the email service is marked, a pending mail service joins the print queue, and the
    deadline waits for it. Safe to run any number of times. Returns the services turned."""
    failed = Service.objects.filter(
        method=ServiceMethod.EMAIL,
        status=ServiceStatus.SENT,
        outbound_email__status=OutboundEmail.Status.FAILED,
    ).values_list("pk", flat=True)
    bounced = Service.objects.filter(
        method=ServiceMethod.EMAIL,
        status=ServiceStatus.SENT,
        outbound_email__in=TrackingEvent.objects.filter(kind="bounce").values("email_id"),
    ).values_list("pk", flat=True)
    turned = 0
    for status, ids in (
        (ServiceStatus.BOUNCED, list(bounced)),
        (ServiceStatus.FAILED, list(failed)),
    ):
        for pk in ids:
            turned += _service_failed(pk, status)
    return turned


def _service_failed(pk: int, status: str) -> int:
    with transaction.atomic():
        service = Service.objects.select_for_update().select_related("letter__case").get(pk=pk)
        if service.status != ServiceStatus.SENT:
            return 0
        case = (
            Violation.objects.select_for_update(of=("self",))
            .select_related("strata", "unit")
            .get(pk=service.letter.case_id)
        )
        service.status = status
        service.save(update_fields=["status", "updated_at"])
        paper = Service.objects.create(
            letter=service.letter,
            party=service.party,
            person=service.person,
            method=ServiceMethod.MAIL,
            address=serving.postal_address(service.person, case.unit),
        )
        if service.letter.kind == LetterKind.NOTICE:
            serving.deadline_recompute(case)
        _finish(
            case,
            "service_failed",
            None,
            from_status=case.status,
            text=_("The email to %(address)s was not delivered; serve by mail.")
            % {"address": service.address},
            data={"service": str(service.uuid), "paper_service": str(paper.uuid), "status": status},
        )
    return 1
