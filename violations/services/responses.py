"""What a party sends in writing (SPA s.135, s.34.1): a response to the notice, and a hearing
request. Each may come with the letter as received on paper. Split from ``hearings``, which
schedules the hearing a request asks for and records its outcome.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from violations.domain.workflow import TransitionRefused
from violations.models import (
    CaseParty,
    Evidence,
    Hearing,
    LetterKind,
    Response,
    Status,
    Violation,
)
from violations.selectors import record_dates
from violations.services.attachments import attachments_check, attachments_data
from violations.services.case_letters import _check_party, _issued
from violations.services.evidence import evidence_rows_create, evidence_stored
from violations.services.frame import _begin, _finish, _set_status
from violations.services.hearings import hearing_request_create


def violation_record_response(
    *,
    case: Violation,
    actor: User,
    party: CaseParty,
    text: str,
    channel: str,
    received_at: dt.datetime,
    declines_hearing: bool = False,
    scans=(),
    context: AuditContext | None = None,
) -> Response:
    """``scans``: the letter as received on paper (a scan or photos), kept as evidence of the
    case with the response (``services.attachments``): all or nothing with it."""
    checked = attachments_check(
        case=case,
        actor=actor,
        transition="record_response",
        files=scans,
        source=Evidence.Source.PARTY,
        field="scans",
    )
    with evidence_stored(checked), transaction.atomic():
        case = _begin(case, "record_response", actor)
        _check_party(case, party)
        if not text.strip():
            raise TransitionRefused({"text": _("Record what the response says.")})
        if channel not in Response.Channel.values:
            raise TransitionRefused({"channel": _("Say how the response arrived.")})
        if refusal := record_dates.response_refusal(case, received_at):
            raise TransitionRefused({"received_at": refusal})
        response = Response.objects.create(
            case=case,
            party=party,
            received_at=received_at,
            channel=channel,
            text=text,
            declines_hearing=declines_hearing,
            recorded_by=actor,
        )
        files = evidence_rows_create(
            case=case, checked=checked, actor=actor, response=response, field="scans"
        )
        before = case.status
        _set_status(case, Status.RESPONDED)
        _finish(
            case,
            "record_response",
            actor,
            from_status=before,
            data={
                "response": str(response.uuid),
                "declines_hearing": declines_hearing,
                **attachments_data(files),
            },
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
    scans=(),
    context: AuditContext | None = None,
) -> Hearing:
    """``scans``: the written request as received on paper, kept as evidence of the case with
    the hearing request (``services.attachments``): all or nothing with it."""
    checked = attachments_check(
        case=case,
        actor=actor,
        transition="receive_hearing_request",
        files=scans,
        source=Evidence.Source.PARTY,
        field="scans",
    )
    with evidence_stored(checked), transaction.atomic():
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
        hearing = hearing_request_create(
            case, requested_by=party, requested_on=requested_on, reason=reason
        )
        files = evidence_rows_create(
            case=case, checked=checked, actor=actor, hearing_request=hearing, field="scans"
        )
        before = case.status
        _set_status(case, Status.HEARING_REQUESTED)
        _finish(
            case,
            "receive_hearing_request",
            actor,
            from_status=before,
            data={
                "hearing": str(hearing.uuid),
                "hold_by": hearing.hold_by.isoformat(),
                **attachments_data(files),
            },
            visible_to_resident=True,
            context=context,
        )
    return hearing
