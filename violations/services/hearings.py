"""Responses and hearings (SPA s.34.1, s.135): written answers, hearing requests, scheduling
and outcomes."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from communications.models import EmailKind
from violations import (
    evidence_files,
    letters,
    rule_pack,
    serving,
)
from violations.clamav import scan_uploads
from violations.models import (
    CaseParty,
    Hearing,
    HearingOutcome,
    LetterKind,
    Response,
    Service,
    ServiceStatus,
    Status,
    Violation,
)
from violations.services.case_letters import _check_party, _issued, _letter_create, _when
from violations.services.frame import _begin, _finish, _set_status
from violations.workflow import TransitionRefused, refuse

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
        upload = evidence_files.inspect_file(file)
        scan_uploads([upload])
    except evidence_files.Refused as refused:
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
                    "%(names)s had not been given the hearing notice by %(day)s (it is given "
                    "the day it is handed to them, and deemed given 4 days after it is mailed, "
                    "left at their strata lot, or accepted by the mail server when emailed): "
                    "the hearing cannot count as held or missed. Schedule it again."
                )
                % {"names": ", ".join(late), "day": day}
            }
        )


def _decided_late(case: Violation, meeting_on: dt.date) -> bool:
    """SPA s.34.1(3): council decides within its deadline after a hearing. A late decision is
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
