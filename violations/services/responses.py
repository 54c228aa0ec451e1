"""What a party sends in writing (SPA s.135, s.34.1): a response to the notice, and a hearing
request. Each may come with the letter as received on paper. Split from ``hearings``, which
schedules the hearing a request asks for and records its outcome.
"""

import datetime as dt
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today, strata_zone
from violations.domain.resident_words import status_words
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
from violations.services.frame import _begin, _finish, _set_status, party_check
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
    """Staff record a response received by mail, email or in person. ``scans``: the letter
    as received on paper (a scan or photos), kept as evidence of the case with the response
    (``services.attachments``): all or nothing with it."""
    return _response_record(
        case=case,
        actor=actor,
        party=party,
        text=text,
        channel=channel,
        received_at=received_at,
        declines_hearing=declines_hearing,
        files=scans,
        field="scans",
        context=context,
    )


def resident_respond(
    *,
    case: Violation,
    actor: User,
    text: str,
    declines_hearing: bool = False,
    files=(),
    context: AuditContext | None = None,
) -> Response:
    """A party answers the notice from their own pages or app (DESIGN §8), received now
    through the resident portal: the same guards, event and audit entry as when staff record
    it, with ``files`` through the evidence pipeline."""
    with _in_plain_words(case):
        return _response_record(
            case=case,
            actor=actor,
            party=_own_party(case, actor),
            text=text,
            channel=Response.Channel.PORTAL,
            received_at=timezone.now(),
            declines_hearing=declines_hearing,
            files=files,
            field="files",
            context=context,
            by_party=True,
        )


@contextmanager
def _in_plain_words(case: Violation):
    """A status refusal as a party reads it: the staff sentence names transitions."""
    try:
        yield
    except TransitionRefused as refused:
        if getattr(refused, "code", None) != "state":
            raise
        case.refresh_from_db(fields=["status"])
        raise TransitionRefused(
            _("Your case is no longer waiting for this answer: %(now)s.")
            % {"now": status_words(case)},
            code="state",
        ) from None


def _own_party(case: Violation, actor: User) -> CaseParty:
    """The actor's own required party on the case; a refusal if they have none."""
    party = (
        CaseParty.objects.select_related("person")
        .filter(case=case, person__user=actor, person__archived_at__isnull=True, required=True)
        .order_by("pk")
        .first()
    )
    if party is None:
        raise TransitionRefused(
            _("Only a person served with this notice may answer it."), code="role"
        )
    return party


def _response_record(
    *,
    case: Violation,
    actor: User,
    party: CaseParty,
    text: str,
    channel: str,
    received_at: dt.datetime,
    declines_hearing: bool,
    files,
    field: str,
    context: AuditContext | None,
    by_party: bool = False,
) -> Response:
    check = party_check(party) if by_party else None
    checked = attachments_check(
        case=case,
        actor=actor,
        transition="record_response",
        files=files,
        source=Evidence.Source.PARTY,
        field=field,
        check=check,
    )
    with evidence_stored(checked), transaction.atomic():
        case = _begin(case, "record_response", actor, check=check)
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
            case=case, checked=checked, actor=actor, response=response, field=field
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
    """Staff record a hearing request received in writing. ``scans``: the written request as
    received on paper, kept as evidence of the case with the hearing request
    (``services.attachments``): all or nothing with it."""
    return _hearing_request_record(
        case=case,
        actor=actor,
        party=party,
        reason=reason,
        requested_on=requested_on,
        files=scans,
        field="scans",
        context=context,
    )


def resident_request_hearing(
    *,
    case: Violation,
    actor: User,
    reason: str,
    files=(),
    context: AuditContext | None = None,
) -> Hearing:
    """A party asks for a hearing from their own pages or app, dated today in the strata:
    the SPA s.34.1 clock starts as when staff record a written request."""
    with _in_plain_words(case):
        return _hearing_request_record(
            case=case,
            actor=actor,
            party=_own_party(case, actor),
            reason=reason,
            requested_on=strata_today(case.strata),
            files=files,
            field="files",
            context=context,
            by_party=True,
        )


def _hearing_request_record(
    *,
    case: Violation,
    actor: User,
    party: CaseParty,
    reason: str,
    requested_on: dt.date,
    files,
    field: str,
    context: AuditContext | None,
    by_party: bool = False,
) -> Hearing:
    check = party_check(party) if by_party else None
    checked = attachments_check(
        case=case,
        actor=actor,
        transition="receive_hearing_request",
        files=files,
        source=Evidence.Source.PARTY,
        field=field,
        check=check,
    )
    with evidence_stored(checked), transaction.atomic():
        case = _begin(case, "receive_hearing_request", actor, check=check)
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
            case=case, checked=checked, actor=actor, hearing_request=hearing, field=field
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
