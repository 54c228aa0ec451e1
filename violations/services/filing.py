"""Filing a case from a complaint (or a staff observation), and more complaints on it."""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from communications.models import EmailKind
from properties.models import Unit
from violations.domain.workflow import TRANSITIONS, TransitionRefused
from violations.models import (
    Bylaw,
    Complaint,
    Evidence,
    LetterKind,
    ReferenceCounter,
    Violation,
    ViolationCategory,
)
from violations.selectors import letters, record_dates
from violations.selectors.cases import bylaw_revision_in_force, open_cases_for
from violations.services.attachments import attachments_check, attachments_data
from violations.services.case_letters import _letter_create, letter_issue
from violations.services.evidence import evidence_rows_create, evidence_stored
from violations.services.frame import _begin, _finish, check_actor
from violations.services.serving import letter_serve

# --- filing --------------------------------------------------------------------------------


def complaint_file(
    *, actor: User, file_as: str = "", context: AuditContext | None = None, **report
) -> tuple[Violation, Complaint | None]:
    """File a complaint (DESIGN §6): into an open case of the same unit and bylaw when one
    exists and ``file_as`` names it (its uuid), else as a new case (``violation_report``'s
    arguments in ``report``). While such a case exists, a new one is opened only when
    ``file_as`` is ``"new"``: refused otherwise, so nobody files a duplicate unawares.
    Returns the case, and the complaint when it was added to an open case."""
    open_cases = open_cases_for(report["unit"], report["bylaws"], user=actor)
    target = next((case for case in open_cases if str(case.uuid) == file_as), None)
    if open_cases and target is None and file_as != "new":
        raise TransitionRefused(
            {
                "file_as": _("Choose one of the cases listed.")
                if file_as
                else _(
                    "An open case of this unit and bylaw exists: add the complaint to it, or "
                    "open a new case anyway."
                )
            }
        )
    if target is None:
        return violation_report(actor=actor, context=context, **report), None
    complaint = violation_add_complaint(
        case=target,
        actor=actor,
        context=context,
        complaint=report["complaint"],
        evidence_files=report.get("evidence_files", ()),
    )
    return target, complaint


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
    evidence_files=(),
    context: AuditContext | None = None,
) -> Violation:
    """Open a case from a complaint (or a staff observation).

    ``complaint``: channel, received_on, and complainant (a Person) or complainant_name,
    details, disclosure_warned. ``details``: the old system's incident fields.
    ``evidence_files``: the photos (or other files) filed with the complaint, kept as the new
    case's evidence (``services.attachments``): all or nothing with the case.
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
    if refusal := record_dates.incident_refusal(strata, incident_on):
        errors["incident_on"] = refusal
    if not description.strip():
        errors["description"] = _("Say what happened.")
    errors |= _complaint_errors(strata, complaint)
    if errors:
        raise TransitionRefused(errors)
    checked = _photos_checked(None, actor, "report", complaint, evidence_files)
    with evidence_stored(checked), transaction.atomic():
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
        files = evidence_rows_create(
            case=case, checked=checked, actor=actor, field="evidence_files"
        )
        _finish(
            case,
            "report",
            actor,
            from_status="",
            data={
                "complaint": str(filed.uuid),
                "bylaws": [b.number for b in bylaws],
                **attachments_data(files),
            },
            context=context,
        )
        _acknowledge(case, filed, actor)
    return case


def violation_add_complaint(
    *,
    case: Violation,
    actor: User,
    complaint: dict,
    evidence_files=(),
    context: AuditContext | None = None,
) -> Complaint:
    """File a further complaint into an open case instead of opening a duplicate, with the
    files it came with (as ``violation_report``)."""
    errors = _complaint_errors(case.strata, complaint)
    if errors:
        raise TransitionRefused(errors)
    checked = _photos_checked(case, actor, "add_complaint", complaint, evidence_files)
    with evidence_stored(checked), transaction.atomic():
        case = _begin(case, "add_complaint", actor)
        filed = _complaint_add(case, complaint, actor)
        files = evidence_rows_create(
            case=case, checked=checked, actor=actor, field="evidence_files"
        )
        _finish(
            case,
            "add_complaint",
            actor,
            from_status=case.status,
            data={"complaint": str(filed.uuid), **attachments_data(files)},
            context=context,
        )
        _acknowledge(case, filed, actor)
    return filed


def _photos_checked(case, actor: User, transition: str, complaint: dict, files):
    """The complaint's files, checked and scanned before the transaction: the complainant's,
    unless staff saw it themselves."""
    staff_seen = complaint.get("channel") == Complaint.Channel.STAFF_OBSERVATION
    return attachments_check(
        case=case,
        actor=actor,
        transition=transition,
        files=files,
        source=Evidence.Source.STAFF if staff_seen else Evidence.Source.COMPLAINANT,
        field="evidence_files",
    )


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
    letter_issue(letter)
    letter_serve(
        letter, [(person, None)], actor, key=f"ack:{complaint.uuid}", kind=EmailKind.SYSTEM
    )
