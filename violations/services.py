"""One service per transition of the enforcement table (``workflow.TRANSITIONS``).

Each is one transaction that locks the case row, checks the actor's right, recusal and the
case's status against the table, checks the transition's guard, then makes the change, writes
one ``ViolationEvent`` and one audit entry, and queues its emails with explicit keys. A refusal
raises ``TransitionRefused`` (a ValidationError) saying why and what would make it possible,
and changes nothing.
"""

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from communications.models import EmailKind, OutboundEmail, TrackingEvent
from properties.models import Person, Unit
from properties.selectors import current_occupancies
from violations import (
    approval_links,
    charging,
    continuing,
    evidence,
    guards,
    letters,
    rule_pack,
    serving,
)
from violations.access import has_case_right, is_recused
from violations.clamav import scan_uploads
from violations.models import (
    Bylaw,
    CaseParty,
    Complaint,
    CouncilMeeting,
    Decision,
    DecisionOutcome,
    Hearing,
    HearingOutcome,
    Letter,
    LetterKind,
    NoticeApproval,
    PartyRole,
    ReferenceCounter,
    Response,
    Service,
    ServiceMethod,
    ServiceStatus,
    Status,
    Violation,
    ViolationCategory,
    ViolationEvent,
)
from violations.selectors import bylaw_revision_in_force
from violations.workflow import TRANSITIONS, Transition, TransitionRefused, refuse

# --- the frame every transition shares ---------------------------------------------------


def _begin(case: Violation, name: str, actor: User) -> Violation:
    """Lock the case and check right, recusal and status for transition ``name``."""
    transition = TRANSITIONS[name]
    locked = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("strata", "unit")
        .get(pk=case.pk)
    )
    check_actor(locked, transition, actor)
    if transition.sources and locked.status not in transition.sources:
        raise TransitionRefused(_state_message(locked, transition), code="state")
    return locked


def check_actor(case: Violation, transition: Transition, actor: User) -> None:
    if not has_case_right(actor, transition.right, case):
        raise TransitionRefused(
            _("%(action)s needs the role of %(who)s in %(strata)s.")
            % {"action": transition.label, "who": transition.who, "strata": case.strata.name},
            code="role",
        )
    if is_recused(actor, case):
        raise TransitionRefused(
            _(
                "You are recused from %(case)s: you are a party, a complainant or an occupant "
                "of its unit (SPA s.32). Another member must act."
            )
            % {"case": case.reference},
            code="recused",
        )


def _state_message(case: Violation, transition: Transition) -> str:
    sources = ", ".join(sorted(str(Status(s).label) for s in transition.sources))
    message = _("%(case)s is %(status)s; %(action)s is possible only when it is: %(sources)s.") % {
        "case": case.reference,
        "status": case.get_status_display(),
        "action": transition.label.lower(),
        "sources": sources,
    }
    if transition.name == "record_decision" and case.status in (
        Status.HEARING_REQUESTED,
        Status.HEARING_SCHEDULED,
    ):
        hearing = case.hearings.order_by("-id").first()
        message += " " + _(
            "A hearing was requested on %(date)s; record it as held, no-show or withdrawn "
            "first (it must be held by %(hold_by)s)."
        ) % {"date": hearing.requested_on, "hold_by": hearing.hold_by}
    return message


def _finish(
    case: Violation,
    name: str,
    actor: User | None,
    *,
    from_status: str,
    text: str = "",
    data: dict | None = None,
    visible_to_resident: bool = False,
    context: AuditContext | None = None,
) -> ViolationEvent:
    """Write the transition's one event and one audit entry."""
    event = ViolationEvent.objects.create(
        case=case,
        actor=actor,
        kind=TRANSITIONS[name].event if name in TRANSITIONS else name,
        from_status=from_status,
        to_status=case.status,
        text=text,
        data=data or {},
        visible_to_resident=visible_to_resident,
    )
    changes = (
        {"status": {"from": from_status, "to": case.status}} if from_status != case.status else {}
    )
    audit_log_record(
        actor=actor,
        action=f"violation.{event.kind}",
        strata=case.strata,
        target=case,
        changes={**changes, **({"data": data} if data else {})},
        context=context,
    )
    return event


def _set_status(case: Violation, status: str, **fields) -> None:
    case.status = status
    for name, value in fields.items():
        setattr(case, name, value)
    case.save(update_fields=["status", "updated_at", *fields])


# --- filing --------------------------------------------------------------------------------


def next_reference(strata, on: dt.date) -> str:
    """``VIO-YYYYMMDD-NNN`` from a locked per-strata daily counter (strata time)."""
    counter, _created = ReferenceCounter.objects.get_or_create(strata=strata, day=on)
    counter = ReferenceCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"VIO-{on:%Y%m%d}-{counter.last:03d}"


def violation_report(
    *,
    actor: User,
    unit: Unit,
    bylaws: list[Bylaw],
    incident_on: dt.date,
    description: str,
    complaint: dict,
    category: ViolationCategory | None = None,
    incident_time: dt.time | None = None,
    incident_place: str = "",
    details: dict | None = None,
    context: AuditContext | None = None,
) -> Violation:
    """Open a case from a complaint (or a staff observation).

    ``complaint``: channel, received_on, and complainant (a Person) or complainant_name,
    details, disclosure_warned. ``details``: the old system's incident fields.
    """
    strata = unit.strata
    probe = Violation(strata=strata, unit=unit, reference="(new)")
    check_actor(probe, TRANSITIONS["report"], actor)
    errors = {}
    if not bylaws:
        errors["bylaws"] = _("Name at least one bylaw or rule that was contravened.")
    if any(b.strata_id != strata.pk for b in bylaws):
        errors["bylaws"] = _("Every bylaw must be one of %(strata)s's.") % {"strata": strata.name}
    not_in_force = [str(b) for b in bylaws if bylaw_revision_in_force(b, incident_on) is None]
    if not_in_force and "bylaws" not in errors:
        errors["bylaws"] = _(
            "%(bylaws)s had no wording in force on %(date)s: a contravention is judged by the "
            "bylaw in force when it happened."
        ) % {"bylaws": "; ".join(not_in_force), "date": incident_on}
    if category is not None and category.strata_id != strata.pk:
        errors["category"] = _("The category belongs to another strata.")
    if incident_on > strata_today(strata):
        errors["incident_on"] = _("The incident date cannot be in the future.")
    if not description.strip():
        errors["description"] = _("Say what happened.")
    errors |= _complaint_errors(strata, complaint)
    if errors:
        raise TransitionRefused(errors)
    with transaction.atomic():
        case = Violation.objects.create(
            strata=strata,
            unit=unit,
            category=category,
            reference=next_reference(strata, strata_today(strata)),
            incident_on=incident_on,
            incident_time=incident_time,
            incident_place=incident_place,
            description=description,
            **(details or {}),
        )
        case.bylaws.set(bylaws)
        filed = _complaint_add(case, complaint, actor)
        _finish(
            case,
            "report",
            actor,
            from_status="",
            data={"complaint": str(filed.uuid), "bylaws": [b.number for b in bylaws]},
            context=context,
        )
        _acknowledge(case, filed, actor)
    return case


def violation_add_complaint(
    *, case: Violation, actor: User, complaint: dict, context: AuditContext | None = None
) -> Complaint:
    """File a further complaint into an open case instead of opening a duplicate."""
    errors = _complaint_errors(case.strata, complaint)
    if errors:
        raise TransitionRefused(errors)
    with transaction.atomic():
        case = _begin(case, "add_complaint", actor)
        filed = _complaint_add(case, complaint, actor)
        _finish(
            case,
            "add_complaint",
            actor,
            from_status=case.status,
            data={"complaint": str(filed.uuid)},
            context=context,
        )
        _acknowledge(case, filed, actor)
    return filed


def _complaint_errors(strata, complaint: dict) -> dict:
    errors = {}
    if complaint.get("channel") not in Complaint.Channel.values:
        errors["channel"] = _("Say how the complaint arrived.")
    received = complaint.get("received_on")
    if received is None or received > strata_today(strata):
        errors["received_on"] = _("Give the date the complaint was received (not in the future).")
    person = complaint.get("complainant")
    if person is not None and person.strata_id != strata.pk:
        errors["complainant"] = _("The complainant belongs to another strata.")
    staff_seen = complaint.get("channel") == Complaint.Channel.STAFF_OBSERVATION
    if person is None and not complaint.get("complainant_name") and not staff_seen:
        errors["complainant"] = _("Name the complainant (they are never shown to residents).")
    return errors


def _complaint_add(case: Violation, complaint: dict, actor: User) -> Complaint:
    return Complaint.objects.create(
        case=case,
        received_on=complaint["received_on"],
        channel=complaint["channel"],
        complainant=complaint.get("complainant"),
        complainant_name=complaint.get("complainant_name", ""),
        details=complaint.get("details", ""),
        disclosure_warned=complaint.get("disclosure_warned", False),
        original=complaint.get("original") or "",
        recorded_by=actor,
    )


def _acknowledge(case: Violation, complaint: Complaint, actor: User) -> None:
    """A complainant on the register gets a written acknowledgement (email or print)."""
    person = complaint.complainant
    if person is None:
        return
    context = {
        key: value
        for key, value in letters.base_context(case, [person.full_name]).items()
        if key in letters.SAMPLES[LetterKind.COMPLAINANT_ACKNOWLEDGEMENT]
    }
    context["received_on"] = letters.long_date(complaint.received_on)
    letter = _letter_create(case, LetterKind.COMPLAINANT_ACKNOWLEDGEMENT, context, actor)
    letters.letter_issue(letter)
    serving.letter_serve(
        letter, [(person, None)], actor, key=f"ack:{complaint.uuid}", kind=EmailKind.SYSTEM
    )


# --- review --------------------------------------------------------------------------------


def violation_reject(
    *, case: Violation, actor: User, reason: str, context: AuditContext | None = None
) -> Violation:
    if not reason.strip():
        raise TransitionRefused({"reason": _("Give the reason for rejecting the complaint.")})
    with transaction.atomic():
        case = _begin(case, "reject", actor)
        before = case.status
        _set_status(case, Status.REJECTED, closed_at=timezone.now())
        _finish(case, "reject", actor, from_status=before, text=reason, context=context)
    return case


def violation_warn(
    *,
    case: Violation,
    actor: User,
    respondent_role: str,
    respondent: Person | None = None,
    html: str | None = None,
    context: AuditContext | None = None,
) -> Letter:
    """A courtesy warning letter to the parties. No fine can follow a warning alone."""
    with transaction.atomic():
        case = _begin(case, "warn", actor)
        parties = _parties_set(case, respondent_role, respondent)
        context_ = letters.base_context(case, [p.person.full_name for p in parties])
        letter = _letter_create(case, LetterKind.WARNING, context_, actor, html=html)
        letters.letter_issue(letter)
        before = case.status
        _set_status(case, Status.WARNED)
        serving.letter_serve(letter, [(p.person, p) for p in parties], actor, key="warning")
        _finish(
            case,
            "warn",
            actor,
            from_status=before,
            data={"letter": str(letter.uuid)},
            visible_to_resident=True,
            context=context,
        )
    return letter


def violation_prepare_notice(
    *,
    case: Violation,
    actor: User,
    respondent_role: str,
    respondent: Person | None = None,
    html: str | None = None,
    context: AuditContext | None = None,
) -> Letter:
    """Choose the respondent, compute who is served, and draft the notice for review.

    ``html`` is the reviewer's edit of the draft. Preparing again makes a new draft, so
    approvals given to the old wording do not carry over. Where the strata requires
    approvals, each council member who may approve is emailed a link to the draft.
    """
    with transaction.atomic():
        case = _begin(case, "prepare_notice", actor)
        parties = _parties_set(case, respondent_role, respondent)
        fine, interval = _fine_terms(case)
        deadline = serving.stated_deadline(case)
        context_ = letters.notice_context(
            case,
            [p.person.full_name for p in parties],
            fine=fine,
            interval_days=interval,
            deadline=deadline,
        )
        letter = _letter_create(case, LetterKind.NOTICE, context_, actor, html=html)
        before = case.status
        _set_status(case, Status.NOTICE_PENDING_APPROVAL)
        _finish(
            case,
            "prepare_notice",
            actor,
            from_status=before,
            data={"letter": str(letter.uuid), "parties": [str(p.person) for p in parties]},
            context=context,
        )
        if case.strata.notice_approvals_required:
            approval_links.approval_requests_queue(case, letter)
    return letter


def violation_approve_notice(
    *, case: Violation, actor: User, context: AuditContext | None = None
) -> NoticeApproval:
    with transaction.atomic():
        case = _begin(case, "approve_notice", actor)
        required = case.strata.notice_approvals_required
        if required == 0:
            refuse(
                _(
                    "%(strata)s does not require council approval of notices; a manager or "
                    "council member sends it."
                )
                % {"strata": case.strata.name}
            )
        draft = _draft(case, LetterKind.NOTICE)
        if draft.approvals.filter(approver=actor).exists():
            refuse(_("You have already approved this notice; another member must approve."))
        approval = NoticeApproval.objects.create(letter=draft, approver=actor)
        count = draft.approvals.count()
        _finish(
            case,
            "approve_notice",
            actor,
            from_status=case.status,
            data={"approvals": count, "required": required},
            context=context,
        )
    return approval


def violation_send_notice(
    *, case: Violation, actor: User, context: AuditContext | None = None
) -> Letter:
    """Issue the notice and serve it on every party: email to an address given for notices,
    otherwise the print queue. Two clicks send it once."""
    with transaction.atomic():
        case = _begin(case, "send_notice", actor)
        draft = _draft(case, LetterKind.NOTICE)
        required = case.strata.notice_approvals_required
        given = draft.approvals.count()
        if given < required:
            refuse(
                _(
                    "This notice has %(given)d of the %(required)d council approvals "
                    "%(strata)s requires; it can be sent once %(more)d more member(s) approve."
                )
                % {
                    "given": given,
                    "required": required,
                    "strata": case.strata.name,
                    "more": required - given,
                }
            )
        parties = list(case.parties.filter(required=True).select_related("person"))
        fine, interval = _fine_terms(case)
        deadline = serving.stated_deadline(case)
        context_ = letters.notice_context(
            case,
            [p.person.full_name for p in parties],
            fine=fine,
            interval_days=interval,
            deadline=deadline,
        )
        if not draft.edited:
            draft.html, draft.template_version = letters.render(
                LetterKind.NOTICE, case.strata, context_
            )
        missing = letters.notice_missing_elements(draft.html, context_)
        if missing:
            refuse(
                _(
                    "The notice cannot go: it does not state %(missing)s (SPA s.135(1)). "
                    "Prepare the notice again, or edit it to include them."
                )
                % {"missing": "; ".join(missing)}
            )
        letters.letter_issue(draft)
        before = case.status
        _set_status(
            case,
            Status.NOTICE_SENT,
            fine_contemplated=fine,
            continuing_interval_days=interval,
            limits={
                **rule_pack.limits_snapshot(case.strata, case.bylaws.all()),
                "stated_deadline": deadline.isoformat(),
            },
        )
        serving.letter_serve(draft, [(p.person, p) for p in parties], actor, key="notice")
        serving.deadline_recompute(case)
        _finish(
            case,
            "send_notice",
            actor,
            from_status=before,
            data={"letter": str(draft.uuid), "parties": len(parties)},
            visible_to_resident=True,
            context=context,
        )
    return draft


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


# --- responses and hearings ----------------------------------------------------------------


def violation_record_response(
    *,
    case: Violation,
    actor: User,
    party: CaseParty,
    text: str,
    channel: str,
    received_at: dt.datetime,
    declines_hearing: bool = False,
    context: AuditContext | None = None,
) -> Response:
    with transaction.atomic():
        case = _begin(case, "record_response", actor)
        _check_party(case, party)
        if not text.strip():
            raise TransitionRefused({"text": _("Record what the response says.")})
        if channel not in Response.Channel.values:
            raise TransitionRefused({"channel": _("Say how the response arrived.")})
        if received_at > timezone.now():
            raise TransitionRefused({"received_at": _("It cannot be received in the future.")})
        response = Response.objects.create(
            case=case,
            party=party,
            received_at=received_at,
            channel=channel,
            text=text,
            declines_hearing=declines_hearing,
            recorded_by=actor,
        )
        before = case.status
        _set_status(case, Status.RESPONDED)
        _finish(
            case,
            "record_response",
            actor,
            from_status=before,
            data={"response": str(response.uuid), "declines_hearing": declines_hearing},
            visible_to_resident=True,
            context=context,
        )
    return response


def violation_receive_hearing_request(
    *,
    case: Violation,
    actor: User,
    party: CaseParty,
    reason: str,
    requested_on: dt.date,
    context: AuditContext | None = None,
) -> Hearing:
    with transaction.atomic():
        case = _begin(case, "receive_hearing_request", actor)
        _check_party(case, party)
        if not reason.strip():
            raise TransitionRefused(
                {"reason": _("A hearing request is made in writing with a reason; record it.")}
            )
        if requested_on > strata_today(case.strata):
            raise TransitionRefused({"requested_on": _("It cannot be received in the future.")})
        notice_on = _issued(case, LetterKind.NOTICE).issued_at.astimezone(strata_zone(case.strata))
        if requested_on < notice_on.date():
            raise TransitionRefused(
                {
                    "requested_on": _(
                        "The notice went out on %(date)s; a hearing request answers it, so it "
                        "is received on or after that day."
                    )
                    % {"date": notice_on.date()}
                }
            )
        hearing = Hearing.objects.create(
            case=case,
            requested_by=party,
            requested_on=requested_on,
            reason=reason,
            hold_by=rule_pack.hearing_hold_by(case.strata, requested_on),
        )
        before = case.status
        _set_status(case, Status.HEARING_REQUESTED)
        _finish(
            case,
            "receive_hearing_request",
            actor,
            from_status=before,
            data={"hearing": str(hearing.uuid), "hold_by": hearing.hold_by.isoformat()},
            visible_to_resident=True,
            context=context,
        )
    return hearing


def violation_schedule_hearing(
    *,
    case: Violation,
    actor: User,
    scheduled_for: dt.datetime,
    location: str,
    context: AuditContext | None = None,
) -> Hearing:
    with transaction.atomic():
        case = _begin(case, "schedule_hearing", actor)
        hearing = _open_hearing(case)
        day = scheduled_for.astimezone(strata_zone(case.strata)).date()
        if scheduled_for <= timezone.now():
            raise TransitionRefused({"scheduled_for": _("A hearing is scheduled in the future.")})
        if day > hearing.hold_by:
            raise TransitionRefused(
                {
                    "scheduled_for": _(
                        "The hearing must be held by %(hold_by)s: %(days)d days after the "
                        "request of %(requested)s (SPA s.34.1). Choose an earlier date, or record "
                        "a postponement the respondent asked for in writing."
                    )
                    % {
                        "hold_by": hearing.hold_by,
                        "days": case.strata.hearing_deadline_days,
                        "requested": hearing.requested_on,
                    }
                }
            )
        if not location.strip():
            raise TransitionRefused({"location": _("Say where the hearing is held.")})
        hearing.scheduled_for = scheduled_for
        hearing.location = location
        parties = list(case.parties.filter(required=True).select_related("person"))
        context_ = {
            **letters.base_context(case, [p.person.full_name for p in parties]),
            "requested_on": letters.long_date(hearing.requested_on),
            "hearing_when": _when(case, scheduled_for),
            "hearing_place": location,
        }
        context_ = {
            k: v for k, v in context_.items() if k in letters.SAMPLES[LetterKind.HEARING_NOTICE]
        }
        letter = _letter_create(case, LetterKind.HEARING_NOTICE, context_, actor)
        letters.letter_issue(letter)
        hearing.notice_letter = letter
        hearing.save()
        before = case.status
        _set_status(case, Status.HEARING_SCHEDULED)
        serving.letter_serve(
            letter,
            [(p.person, p) for p in parties],
            actor,
            key=f"hearing_notice:{letter.uuid}",
            kind=EmailKind.HEARING_NOTICE,
        )
        _finish(
            case,
            "schedule_hearing",
            actor,
            from_status=before,
            data={"hearing": str(hearing.uuid), "scheduled_for": scheduled_for.isoformat()},
            visible_to_resident=True,
            context=context,
        )
    return hearing


def violation_record_hearing_outcome(
    *,
    case: Violation,
    actor: User,
    outcome: str,
    minutes: str = "",
    consent_file=None,
    context: AuditContext | None = None,
) -> Hearing:
    written = _written_request(consent_file) if consent_file else None
    with transaction.atomic():
        case = _begin(case, "record_hearing_outcome", actor)
        hearing = _open_hearing(case)
        now = timezone.now()
        if outcome not in HearingOutcome.values:
            raise TransitionRefused({"outcome": _("Choose held, no-show, withdrawn or postponed.")})
        if outcome in (HearingOutcome.HELD, HearingOutcome.NO_SHOW) and hearing.scheduled_for > now:
            raise TransitionRefused(
                {
                    "outcome": _("The hearing is scheduled for %(when)s; record it after then.")
                    % {"when": _when(case, hearing.scheduled_for)}
                }
            )
        if outcome == HearingOutcome.HELD and not minutes.strip():
            raise TransitionRefused({"minutes": _("Record the minutes of the hearing.")})
        if outcome in (HearingOutcome.HELD, HearingOutcome.NO_SHOW):
            _hearing_notice_given(case, hearing)
        if outcome in (HearingOutcome.POSTPONED, HearingOutcome.WITHDRAWN) and not written:
            raise TransitionRefused(
                {
                    "consent_file": _(
                        "A hearing is postponed or its request withdrawn only in writing by the "
                        "respondent; attach their written request."
                    )
                }
            )
        hearing.outcome = outcome
        hearing.minutes = minutes
        hearing.recorded_by = actor
        if outcome == HearingOutcome.HELD:
            hearing.held_at = hearing.scheduled_for
        if written:
            hearing.consent_file = written
        hearing.save()
        before = case.status
        if outcome == HearingOutcome.POSTPONED:
            # The respondent asked for a later date: a new request to schedule, with a new
            # hold-by date from today.
            Hearing.objects.create(
                case=case,
                requested_by=hearing.requested_by,
                requested_on=strata_today(case.strata),
                reason=_("Postponed at the respondent's written request."),
                hold_by=rule_pack.hearing_hold_by(case.strata, strata_today(case.strata)),
            )
            _set_status(case, Status.HEARING_REQUESTED)
        else:
            _set_status(case, Status.AWAITING_DECISION)
        _finish(
            case,
            "record_hearing_outcome",
            actor,
            from_status=before,
            data={"hearing": str(hearing.uuid), "outcome": outcome},
            visible_to_resident=True,
            context=context,
        )
    return hearing


def _written_request(file):
    """A respondent's written request, checked like evidence (its type and size) and scanned
    when scanning is on, before any transaction (the scan is network I/O); it is stored under
    a random name, never the uploader's."""
    try:
        upload = evidence.inspect_file(file)
        scan_uploads([upload])
    except evidence.Refused as refused:
        raise TransitionRefused({"consent_file": str(refused)}) from refused
    except ValidationError as error:
        raise TransitionRefused({"consent_file": error.messages}) from error
    file.name = f"{uuid.uuid4().hex}.{upload.extension}"
    return file


def _hearing_notice_given(case: Violation, hearing: Hearing) -> None:
    """A hearing is held, or missed, only if every party was given its notice in time: each
    one's latest service of the hearing notice deemed given (SPA s.61) by the hearing day."""
    day = hearing.scheduled_for.astimezone(strata_zone(case.strata)).date()
    latest = {}
    for service in Service.objects.filter(letter=hearing.notice_letter).order_by(
        "created_at", "id"
    ):
        latest[service.person_id] = service
    late = [
        party.person.full_name
        for party in case.parties.filter(required=True).select_related("person")
        if party.person_id not in latest
        or latest[party.person_id].status != ServiceStatus.SENT
        or latest[party.person_id].deemed_given_on > day
    ]
    if late:
        raise TransitionRefused(
            {
                "outcome": _(
                    "%(names)s had not been given the hearing notice by %(day)s (it is deemed "
                    "given 4 days after mailing or emailing, or when handed over): the hearing "
                    "cannot count as held or missed. Schedule it again."
                )
                % {"names": ", ".join(late), "day": day}
            }
        )


def _decided_late(case: Violation, meeting_on: dt.date) -> bool:
    """SPA s.34.1(2): council decides within its deadline after a hearing. A late decision is
    still recorded (refusing would leave the case undecidable) and the record says so."""
    held = case.hearings.filter(outcome=HearingOutcome.HELD).order_by("-held_at").first()
    if held is None:
        return False
    held_on = held.held_at.astimezone(strata_zone(case.strata)).date()
    return meeting_on > rule_pack.decision_due(case.strata, held_on)


def _open_hearing(case: Violation) -> Hearing:
    hearing = case.hearings.select_for_update().filter(outcome="").order_by("-id").first()
    if hearing is None:
        refuse(_("%(case)s has no open hearing request.") % {"case": case.reference})
    return hearing


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
        }
        letter = _letter_create(case, LetterKind.DECISION, context_, actor)
        letters.letter_issue(letter)
        decision.letter = letter
        decision.save(update_fields=["letter", "updated_at"])
        before = case.status
        dismissed = outcome == DecisionOutcome.DISMISSED
        _set_status(case, Status.DECIDED_DISMISSED if dismissed else Status.DECIDED_UPHELD)
        serving.letter_serve(
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
        if compliance_on is not None and compliance_on > strata_today(case.strata):
            raise TransitionRefused({"compliance_on": _("Compliance cannot be in the future.")})
        last_seen = continuing.last_seen_on(case)
        if compliance_on is not None and last_seen is not None and compliance_on < last_seen:
            raise TransitionRefused(
                {
                    "compliance_on": _(
                        "The contravention was seen continuing on %(date)s and charged: "
                        "compliance cannot be earlier (waive that fine first if it was wrong)."
                    )
                    % {"date": letters.long_date(last_seen)}
                }
            )
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


# --- parties, letters and service: the parts transitions share -----------------------------


def _parties_set(case: Violation, respondent_role: str, respondent: Person | None) -> list:
    """Choose the respondent and compute the parties (DESIGN §6), keeping earlier rows:
    a person no longer to be served stays on the case with ``required`` off."""
    if respondent_role not in Violation.RespondentRole.values:
        raise TransitionRefused({"respondent_role": _("Choose the owner(s) or a tenant.")})
    occupancies = list(
        current_occupancies().filter(unit=case.unit).select_related("person", "landlord")
    )
    if respondent_role == Violation.RespondentRole.TENANT:
        tenants = {o.person_id for o in occupancies if o.role == "tenant"}
        if respondent is None or respondent.pk not in tenants:
            raise TransitionRefused(
                {"respondent": _("Choose a current tenant of %(unit)s.") % {"unit": case.unit}}
            )
    else:
        respondent = None
    computed = rule_pack.parties_to_serve(
        respondent_role=respondent_role, respondent=respondent, occupancies=occupancies
    )
    if not computed:
        raise TransitionRefused(
            {
                "respondent_role": _(
                    "%(unit)s has no current owner on the register; add the owner before "
                    "serving anything."
                )
                % {"unit": case.unit}
            }
        )
    case.respondent_role = respondent_role
    case.respondent = respondent
    case.save(update_fields=["respondent_role", "respondent", "updated_at"])
    wanted = {person.pk: role for person, role in computed}
    for party in case.parties.all():
        if party.person_id not in wanted and party.required:
            party.required = False
            party.save(update_fields=["required", "updated_at"])
    parties = []
    for person, role in computed:
        party, _created = CaseParty.objects.update_or_create(
            case=case, person=person, defaults={"role": role, "required": True}
        )
        parties.append(party)
    return parties


def _fine_terms(case: Violation) -> tuple[Decimal, int | None]:
    """The fine the notice contemplates (the highest cap among the case's bylaws) and, for a
    continuing contravention, the shortest lawful interval."""
    limits = [rule_pack.fine_limit(bylaw, case.strata) for bylaw in case.bylaws.all()]
    return max(limit.amount for limit in limits), min(limit.interval_days for limit in limits)


def _check_party(case: Violation, party: CaseParty) -> None:
    if party.case_id != case.pk or not party.required:
        raise TransitionRefused(
            {"party": _("%(person)s is not a party to this case.") % {"person": party.person}}
        )


def _letter_create(
    case: Violation, kind: str, context: dict[str, str], actor, *, html: str | None = None
) -> Letter:
    rendered, version = letters.render(kind, case.strata, context)
    return Letter.objects.create(
        case=case,
        kind=kind,
        template_version=version,
        html=html if html is not None else rendered,
        edited=html is not None and html != rendered,
        created_by=actor,
    )


def _draft(case: Violation, kind: str) -> Letter:
    draft = case.letters.filter(kind=kind, issued_at__isnull=True).order_by("-id").first()
    if draft is None:
        refuse(_("There is no prepared %(kind)s; prepare it first.") % {"kind": kind})
    return draft


def _issued(case: Violation, kind: str) -> Letter:
    letter = case.letters.filter(kind=kind, issued_at__isnull=False).order_by("-id").first()
    if letter is None:
        refuse(_("No %(kind)s has been sent on this case.") % {"kind": kind})
    return letter


def _when(case: Violation, moment: dt.datetime) -> str:
    local = moment.astimezone(strata_zone(case.strata))
    return f"{letters.long_date(local.date())} at {letters.clock(local)}"


def _fine_text(decision: Decision, bylaw: Bylaw | None) -> str:
    if bylaw is None:
        return ""
    text = _("a fine of %(amount)s under %(bylaw)s") % {
        "amount": letters.money(decision.fine_amount),
        "bylaw": bylaw,
    }
    if decision.continuing_every_days:
        text += _(", repeated every %(days)d days until the contravention stops") % {
            "days": decision.continuing_every_days
        }
    return text
