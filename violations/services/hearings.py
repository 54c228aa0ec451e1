"""Hearings (SPA s.34.1): scheduling one a party asked for in writing
(``services.responses``), its notice, and its outcome."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import local_date, strata_today, strata_zone
from communications.models import EmailKind
from violations.domain import evidence_files, rule_pack
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    CaseParty,
    DeliveryMethod,
    DeliveryStatus,
    Hearing,
    HearingOutcome,
    Letter,
    LetterDelivery,
    LetterKind,
    Status,
    Violation,
)
from violations.selectors import letters, record_dates, serving
from violations.services.case_letters import _letter_create, _when, letter_issue
from violations.services.clamav import scan_uploads
from violations.services.frame import _begin, _finish, _set_status
from violations.services.serving import letter_serve


def hearing_request_create(
    case: Violation, *, requested_by: CaseParty, requested_on: dt.date, reason: str
) -> Hearing:
    """A hearing request of ``case``, to be held within the strata's deadline of
    ``requested_on``. A case has one open request at a time (``hearing_one_open_per_case``):
    the one still open is recorded (held, not attended, withdrawn or postponed) first. The
    caller holds the case lock."""
    still_open = case.hearings.filter(outcome="").order_by("-id").first()
    if still_open is not None:
        raise TransitionRefused(
            {
                "requested_on": _(
                    "%(case)s already has an open hearing request, received on %(date)s: record "
                    "what became of it (held, not attended, withdrawn or postponed) before "
                    "another is received."
                )
                % {"case": case.reference, "date": letters.long_date(still_open.requested_on)}
            }
        )
    return Hearing.objects.create(
        case=case,
        requested_by=requested_by,
        requested_on=requested_on,
        reason=reason,
        hold_by=rule_pack.hearing_hold_by(case.strata, requested_on),
    )


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
        day = local_date(case.strata, scheduled_for)
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
        parties = list(case.parties.filter(required=True).select_related("person"))
        _notice_in_time(case, parties, day, hearing.hold_by)
        previous, superseded = _hearing_notice_supersede(case)
        hearing.scheduled_for = scheduled_for
        hearing.location = location
        replaces = _replaces_text(case, previous, scheduled_for) if previous else ""
        context_ = {
            **letters.base_context(case, [p.person.full_name for p in parties]),
            "requested_on": letters.long_date(hearing.requested_on),
            "hearing_when": _when(case, scheduled_for),
            "hearing_place": location,
            "replaces": replaces,
        }
        context_ = {
            k: v for k, v in context_.items() if k in letters.SAMPLES[LetterKind.HEARING_NOTICE]
        }
        letter = _letter_create(case, LetterKind.HEARING_NOTICE, context_, actor)
        if previous:
            letter.replaces = previous
            if _normalised(replaces) not in _normalised(letters.html_to_text(letter.html)):
                # A strata's own wording from before {{ replaces }}: the sentence leads.
                letter.html = format_html("<p><strong>{}</strong></p>\n", replaces) + letter.html
            letter.save()
        letter_issue(letter)
        hearing.notice_letter = letter
        hearing.save()
        before = case.status
        _set_status(case, Status.HEARING_SCHEDULED)
        letter_serve(
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
            data={
                "hearing": str(hearing.uuid),
                "scheduled_for": scheduled_for.isoformat(),
                "replaces": str(previous.uuid) if previous else None,
                "superseded_services": [str(s.uuid) for s in superseded],
            },
            visible_to_resident=True,
            context=context,
        )
    return hearing


def _notice_in_time(
    case: Violation, parties: list[CaseParty], day: dt.date, hold_by: dt.date
) -> None:
    """Refuse a hearing day before a party could be given its notice (SPA s.61): served
    today at the earliest, by email or by mail as they will be (``serving.method_for``),
    held no earlier than ``rule_pack.earliest_hearing_on`` — the rule the hearing night
    applies (``_hearing_notice_given``)."""
    today = strata_today(case.strata)
    late = []
    for party in parties:
        method = serving.method_for(party.person)
        deemed = rule_pack.deemed_given_on(method, today)
        if day < rule_pack.earliest_hearing_on(deemed):
            late.append((party.person.full_name, method, deemed))
    if not late:
        return
    clauses = [
        _("%(name)s would be deemed to get the notice on %(date)s (%(how)s today, SPA s.61(3))")
        % {
            "name": name,
            "date": letters.long_date(deemed),
            "how": _("emailed") if method == DeliveryMethod.EMAIL else _("mailed"),
        }
        for name, method, deemed in late
    ]
    earliest = max(rule_pack.earliest_hearing_on(deemed) for _name, _method, deemed in late)
    message = "; ".join(clauses) + _("; the hearing can be on %(date)s at the earliest.") % {
        "date": letters.long_date(earliest)
    }
    if earliest > hold_by:
        message += " " + _(
            "That is after %(hold_by)s, the day it must be held by (SPA s.34.1): a later date "
            "needs a postponement the respondent asks for in writing."
        ) % {"hold_by": letters.long_date(hold_by)}
    raise TransitionRefused({"scheduled_for": message})


def _hearing_notice_supersede(case: Violation) -> tuple[Letter | None, list[LetterDelivery]]:
    """The case's earlier hearing notices give way to the one about to be issued: their paper
    services not yet done leave the print queue, and their emails still waiting for the mail
    server are no longer served (no outbox service withdraws an email, so it may still go
    out). Returns the latest earlier notice if it may have reached someone (emailed, or
    served), which the new notice then says it replaces, and the services superseded."""
    # The case row is locked (_begin), as every service write and the outbox check lock it.
    superseded = list(
        LetterDelivery.objects.filter(
            letter__case=case,
            letter__kind=LetterKind.HEARING_NOTICE,
            status__in=(DeliveryStatus.PENDING, DeliveryStatus.QUEUED),
        ).order_by("id")
    )
    previous = (
        case.letters.filter(kind=LetterKind.HEARING_NOTICE, issued_at__isnull=False)
        .order_by("-issued_at", "-id")
        .first()
    )
    reached = (
        previous is not None
        and previous.deliveries.filter(
            status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENT)
        ).exists()
    )
    LetterDelivery.objects.filter(pk__in=[s.pk for s in superseded]).update(
        status=DeliveryStatus.SUPERSEDED, updated_at=timezone.now()
    )
    return (previous if reached else None), superseded


def _replaces_text(case: Violation, previous: Letter, scheduled_for: dt.datetime) -> str:
    """What a hearing notice for a new date says of the one it replaces."""
    old = Hearing.objects.filter(notice_letter=previous).values_list("scheduled_for", flat=True)
    dated = timezone.localtime(previous.issued_at, strata_zone(case.strata)).date()
    text = _(
        "This notice replaces the notice of hearing dated %(dated)s for the hearing on "
        "%(old)s: the hearing is now on %(new)s"
    ) % {
        "dated": letters.long_date(dated),
        "old": _when(case, old.get()),
        "new": _when(case, scheduled_for),
    }
    return text if text.endswith(".") else text + "."  # "at 7:00 p.m." ends the sentence


def _normalised(text: str) -> str:
    return " ".join(text.split())


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
        if outcome not in HearingOutcome.values:
            raise TransitionRefused({"outcome": _("Choose held, no-show, withdrawn or postponed.")})
        if outcome in (HearingOutcome.HELD, HearingOutcome.NO_SHOW) and (
            refusal := record_dates.hearing_outcome_refusal(case, hearing, outcome)
        ):
            raise TransitionRefused({"outcome": refusal})
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
            hearing_request_create(
                case,
                requested_by=hearing.requested_by,
                requested_on=strata_today(case.strata),
                reason=_("Postponed at the respondent's written request."),
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
    day = local_date(case.strata, hearing.scheduled_for)
    latest = {}
    for service in LetterDelivery.objects.filter(letter=hearing.notice_letter).order_by(
        "created_at", "id"
    ):
        latest[service.person_id] = service
    late = [
        party.person.full_name
        for party in case.parties.filter(required=True).select_related("person")
        if party.person_id not in latest
        or latest[party.person_id].status != DeliveryStatus.SENT
        or day < rule_pack.earliest_hearing_on(latest[party.person_id].deemed_given_on)
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
    held_on = local_date(case.strata, held.held_at)
    return meeting_on > rule_pack.decision_due(case.strata, held_on)


def _open_hearing(case: Violation) -> Hearing:
    hearing = case.hearings.select_for_update().filter(outcome="").order_by("-id").first()
    if hearing is None:
        refuse(_("%(case)s has no open hearing request.") % {"case": case.reference})
    return hearing
