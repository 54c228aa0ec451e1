"""The case file (DESIGN §6 "The record"): one PDF of the whole process and a ZIP of the
originals, for the Civil Resolution Tribunal, a records request (SPA s.36) or council.

The complainant's identity is never shown to residents, so unless the export is for council
(or the strata's lawyer) it is redacted: the complainant's name, the acknowledgement letters
addressed to them, and the complaint's original file (which carries their name). Every
redaction is listed on the export and in its audit entry.

The files are built and stored before the short transaction that records the export, so a
long render holds no lock; a failure removes what was stored. Nothing here fetches a URL.
"""

import datetime as dt
import hashlib
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_zone
from violations.access import has_case_right, is_recused
from violations.ledger_selectors import charges_with_balances, ledger_totals
from violations.letters import clock, long_date, money
from violations.models import (
    CaseFileExport,
    Decision,
    EvidenceSource,
    LetterKind,
    Service,
    Status,
    Violation,
    ViolationEvent,
)
from violations.pdf import html_to_pdf
from violations.selectors import bylaw_revision_in_force
from violations.workflow import TransitionRefused, event_label

REDACTED = "[complainant — redacted]"
CHUNK = 1024 * 1024


@dataclass
class Original:
    """One stored file bound for the ZIP, and the sha256 recorded for it (if any)."""

    path: str
    file: File
    recorded_sha256: str = ""
    compress: int = zipfile.ZIP_DEFLATED


@dataclass
class Contents:
    """What the PDF shows and the ZIP holds, redactions already applied."""

    context: dict = field(default_factory=dict)
    originals: list[Original] = field(default_factory=list)
    redactions: list[dict] = field(default_factory=list)


def case_file_export(
    *,
    case: Violation,
    actor: User,
    purpose: str,
    requested_by_name: str = "",
    context: AuditContext | None = None,
) -> CaseFileExport:
    """Export the case file: check, build the PDF and ZIP, store both, then record the
    export with one event and one audit entry."""
    case = Violation.objects.select_related("strata", "unit").get(pk=case.pk)
    _check(case, actor, purpose, requested_by_name)
    export = CaseFileExport(
        case=case,
        purpose=purpose,
        requested_by_name=requested_by_name.strip(),
        exported_by=actor,
    )
    now = timezone.now().astimezone(strata_zone(case.strata))
    contents = _contents(case, export, now)
    export.redactions = contents.redactions
    pdf = html_to_pdf(render_to_string("violations/case_file.html", contents.context))
    export.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    stored = []
    try:
        export.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        stored.append(export.pdf)
        pdf_name = f"{case.reference}-case-file.pdf"
        with tempfile.TemporaryFile() as archive:
            _write_zip(archive, [*contents.originals, Original(pdf_name, ContentFile(pdf))], now)
            export.archive_sha256 = _sha256(archive)
            export.archive.save(
                f"{uuid.uuid4().hex}.zip", File(archive, name="case-file.zip"), save=False
            )
            stored.append(export.archive)
        with transaction.atomic():
            export.save()
            _record(export, actor, context)
    except BaseException:
        for file in stored:
            file.storage.delete(file.name)
        raise
    return export


def case_file_download_record(
    *, export: CaseFileExport, actor: User, what: str, context: AuditContext | None = None
) -> None:
    """Audit one download of an export's PDF or ZIP: the case file names everyone."""
    sha256 = export.pdf_sha256 if what == "pdf" else export.archive_sha256
    audit_log_record(
        actor=actor,
        action="violation.case_file_downloaded",
        strata=export.case.strata,
        target=export.case,
        changes={"export": str(export.uuid), "file": what, "sha256": sha256},
        context=context,
    )


def _check(case: Violation, actor: User, purpose: str, requested_by_name: str) -> None:
    if not has_case_right(actor, Right.EXPORT_CASE_FILES, case):
        raise TransitionRefused(
            _("Exporting the case file needs the role of manager or council in %(strata)s.")
            % {"strata": case.strata.name},
            code="role",
        )
    if is_recused(actor, case):
        raise TransitionRefused(
            _(
                "You are recused from %(case)s: you are a party, a complainant or an occupant "
                "of its unit (SPA s.32). Another member must export it."
            )
            % {"case": case.reference},
            code="recused",
        )
    errors = {}
    if purpose not in CaseFileExport.Purpose.values:
        errors["purpose"] = _("Say what the case file is for.")
    limit = CaseFileExport._meta.get_field("requested_by_name").max_length
    if len(requested_by_name.strip()) > limit:
        errors["requested_by_name"] = _("At most %(max)d characters.") % {"max": limit}
    if errors:
        raise ValidationError(errors)


def _record(export: CaseFileExport, actor: User, context: AuditContext | None) -> None:
    case = export.case
    data = {
        "export": str(export.uuid),
        "purpose": export.purpose,
        "requested_by": export.requested_by_name,
        "redactions": len(export.redactions),
        "pdf_sha256": export.pdf_sha256,
        "archive_sha256": export.archive_sha256,
    }
    ViolationEvent.objects.create(
        case=case,
        actor=actor,
        kind="case_file_exported",
        from_status=case.status,
        to_status=case.status,
        text=_("Case file exported for: %(purpose)s") % {"purpose": export.get_purpose_display()},
        data=data,
    )
    audit_log_record(
        actor=actor,
        action="violation.case_file_exported",
        strata=case.strata,
        target=case,
        changes={**data, "redacted": export.redactions},
        context=context,
    )


# --- what goes in -------------------------------------------------------------------------


def _contents(case: Violation, export: CaseFileExport, now: dt.datetime) -> Contents:
    zone = strata_zone(case.strata)
    redact = export.purpose != CaseFileExport.Purpose.COUNCIL
    contents = Contents()
    complaints = _complaints(case, redact, contents)
    letters, hidden_services = _letters(case, redact, contents)
    charges = charges_with_balances(
        case.charges.select_related("bylaw", "liable_person", "unit").prefetch_related(
            "payments", "waivers"
        )
    ).order_by("charged_on", "id")
    evidence = list(case.evidence.order_by("created_at", "id"))
    evidence_rows = []
    for number, item in enumerate(evidence, 1):
        name = item.original_name
        if redact and item.source == EvidenceSource.COMPLAINANT:
            # A complainant's file is often named after them; its bytes stay as stored so
            # the sha256 still matches.
            name = f"complainant-file{PurePosixPath(item.original_name).suffix.lower()}"
            contents.redactions.append(
                {
                    "evidence": str(item.uuid),
                    "field": "original_name",
                    "reason": "a complainant's file name may name them",
                }
            )
        evidence_rows.append(
            {
                "evidence": item,
                "name": name,
                "uploaded": long_date(item.created_at.astimezone(zone).date()),
            }
        )
        contents.originals.append(
            Original(
                f"evidence/{number:02d}-{_safe(name)}",
                item.original,
                item.sha256,
                zipfile.ZIP_STORED,  # photos, audio and video are compressed already
            )
        )
    hearings = list(case.hearings.select_related("requested_by__person", "notice_letter"))
    for number, hearing in enumerate(hearings, 1):
        if hearing.consent_file:
            name = PurePosixPath(hearing.consent_file.name).name
            contents.originals.append(
                Original(f"hearings/{number:02d}-{name}", hearing.consent_file)
            )
    decision = (
        Decision.objects.filter(case=case).prefetch_related("members_present", "recusals").first()
    )
    contents.context = {
        "case": case,
        "strata": case.strata,
        "export": export,
        "purpose": export.get_purpose_display(),
        "exported_on": _when(now, zone),
        "status": Status(case.status).label,
        "incident": _incident(case),
        "bylaws": _bylaws(case),
        "events": _events(case, zone, hidden_services, redact, contents),
        "complaints": complaints,
        "letters": letters,
        "responses": [
            {"response": r, "received": _when(r.received_at, zone)}
            for r in case.responses.select_related("party__person")
        ],
        "hearings": [_hearing_row(h, zone) for h in hearings],
        "decision": decision and _decision_row(decision),
        "charges": [_charge_row(charge) for charge in charges],
        "totals": {key: money(value) for key, value in ledger_totals(charges).items()},
        "evidence": evidence_rows,
        "redactions": contents.redactions,
    }
    return contents


def _complaints(case: Violation, redact: bool, contents: Contents) -> list[dict]:
    rows = []
    for number, complaint in enumerate(case.complaints.select_related("complainant"), 1):
        name = complaint.complainant.full_name if complaint.complainant else ""
        name = name or complaint.complainant_name
        if redact:
            for field_name, present in (
                ("complainant", complaint.complainant_id is not None),
                ("complainant_name", bool(complaint.complainant_name)),
            ):
                if present:
                    contents.redactions.append(
                        {
                            "complaint": str(complaint.uuid),
                            "field": field_name,
                            "reason": "the complainant's identity is not disclosed",
                        }
                    )
            if complaint.original:
                contents.redactions.append(
                    {
                        "complaint": str(complaint.uuid),
                        "field": "original",
                        "reason": "the complaint's original file names the complainant; "
                        "left out of the ZIP",
                    }
                )
        elif complaint.original:
            stored = PurePosixPath(complaint.original.name).name
            contents.originals.append(
                Original(f"complaints/{number:02d}-{stored}", complaint.original)
            )
        rows.append(
            {
                "complaint": complaint,
                "received": long_date(complaint.received_on),
                "complainant": (REDACTED if name else "") if redact else name,
                "original_left_out": redact and bool(complaint.original),
            }
        )
    return rows


def _letters(case: Violation, redact: bool, contents: Contents) -> tuple[list[dict], set[str]]:
    """Every issued letter with its service records. Redacting leaves out the
    acknowledgements sent to complainants (their name and address are on them), and returns
    the uuids of those letters' services so the chronology can hide them too."""
    zone = strata_zone(case.strata)
    services: dict[int, list[Service]] = {}
    for service in (
        Service.objects.filter(letter__case=case)
        .select_related("party", "person")
        .order_by("created_at", "id")
    ):
        services.setdefault(service.letter_id, []).append(service)
    rows, hidden = [], set()
    issued = case.letters.filter(issued_at__isnull=False).defer("html").order_by("issued_at", "id")
    for number, letter in enumerate(issued, 1):
        if redact and letter.kind == LetterKind.COMPLAINANT_ACKNOWLEDGEMENT:
            hidden |= {str(s.uuid) for s in services.get(letter.pk, [])}
            contents.redactions.append(
                {
                    "letter": str(letter.uuid),
                    "field": "letter",
                    "reason": "an acknowledgement addressed to the complainant; left out",
                }
            )
            continue
        contents.originals.append(
            Original(
                f"letters/{number:02d}-{letter.kind}-{letter.issued_at.astimezone(zone):%Y-%m-%d}.pdf",
                letter.pdf,
                letter.pdf_sha256,
            )
        )
        rows.append(
            {
                "letter": letter,
                "issued": long_date(letter.issued_at.astimezone(zone).date()),
                "services": [
                    {
                        "service": service,
                        "party": service.person.full_name
                        + (f" ({service.party.get_role_display()})" if service.party else ""),
                        "sent": long_date(service.sent_at.astimezone(zone).date())
                        if service.sent_at
                        else "",
                        "deemed": long_date(service.deemed_given_on)
                        if service.deemed_given_on
                        else "",
                    }
                    for service in services.get(letter.pk, [])
                ],
            }
        )
    return rows, hidden


def _events(case, zone, hidden_services: set[str], redact: bool, contents: Contents) -> list[dict]:
    complainant_users = (
        set(
            case.complaints.filter(complainant__user__isnull=False).values_list(
                "complainant__user_id", flat=True
            )
        )
        if redact
        else set()
    )
    rows = []
    for event in case.events.select_related("actor").order_by("created_at", "id"):
        text = event.text
        if text and event.data.get("service") in hidden_services:
            text = REDACTED
            contents.redactions.append(
                {
                    "event": str(event.uuid),
                    "field": "text",
                    "reason": "names the complainant's address",
                }
            )
        actor = event.actor
        who = (actor.full_name or actor.email) if actor else _("the system")
        if actor is not None and actor.pk in complainant_users:
            who = REDACTED
            contents.redactions.append(
                {"event": str(event.uuid), "field": "actor", "reason": "the complainant acted"}
            )
        rows.append(
            {
                "when": _when(event.created_at, zone),
                "what": event_label(event.kind),
                "who": who,
                "status": Status(event.to_status).label
                if event.to_status != event.from_status and event.to_status in Status.values
                else "",
                "text": text,
            }
        )
    return rows


def _incident(case: Violation) -> str:
    when = long_date(case.incident_on)
    if case.incident_time:
        when += " at " + clock(case.incident_time)
    return when


def _bylaws(case: Violation) -> list[dict]:
    rows = []
    for bylaw in case.bylaws.order_by("kind", "number"):
        revision = bylaw_revision_in_force(bylaw, case.incident_on)
        rows.append(
            {
                "bylaw": bylaw,
                "effective": long_date(revision.effective_on) if revision else "",
                "text": revision.text if revision else "",
            }
        )
    return rows


def _hearing_row(hearing, zone) -> dict:
    return {
        "hearing": hearing,
        "requested": long_date(hearing.requested_on),
        "hold_by": long_date(hearing.hold_by),
        "scheduled": _when(hearing.scheduled_for, zone) if hearing.scheduled_for else "",
        "held": _when(hearing.held_at, zone) if hearing.held_at else "",
        "notice": long_date(hearing.notice_letter.issued_at.astimezone(zone).date())
        if hearing.notice_letter and hearing.notice_letter.issued_at
        else "",
    }


def _decision_row(decision: Decision) -> dict:
    members = [m.full_name or m.email for m in decision.members_present.all()]
    return {
        "decision": decision,
        "meeting": long_date(decision.meeting_on),
        "members": ", ".join(sorted(members)),
        "recusals": ", ".join(sorted(m.full_name or m.email for m in decision.recusals.all())),
        "vote": _("%(f)d for, %(a)d against, %(s)d abstaining")
        % {"f": decision.votes_for, "a": decision.votes_against, "s": decision.votes_abstaining},
        "fine": money(decision.fine_amount) if decision.fine_amount else "",
    }


def _charge_row(charge) -> dict:
    return {
        "charge": charge,
        "date": long_date(charge.charged_on),
        "amount": money(charge.amount),
        "paid": money(charge.paid),
        "waived": money(charge.waived),
        "balance": money(charge.balance),
        "payments": [
            {"date": long_date(p.paid_on), "amount": money(p.amount), "payment": p}
            for p in charge.payments.all()
        ],
        "waivers": [
            {"date": long_date(w.meeting_on), "amount": money(w.amount), "waiver": w}
            for w in charge.waivers.all()
        ],
    }


def _when(moment: dt.datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{long_date(local.date())} at {clock(local)}"


def _safe(name: str) -> str:
    """A file name as one ZIP entry: no folders, no way out of the archive."""
    return PurePosixPath(name.replace("\\", "/")).name.lstrip(".") or "file"


# --- the ZIP ------------------------------------------------------------------------------


def _write_zip(target, originals: list[Original], now: dt.datetime) -> None:
    """Write ``originals`` and a ``SHA256SUMS`` of what was written. A stored file whose bytes
    no longer match the sha256 recorded for it stops the export: the file cannot vouch for
    it."""
    stamp = now.timetuple()[:6]
    sums = []
    with zipfile.ZipFile(target, "w") as archive:
        for original in originals:
            info = zipfile.ZipInfo(original.path, stamp)
            info.compress_type = original.compress
            info.external_attr = 0o644 << 16
            digest = hashlib.sha256()
            with (
                original.file.open("rb") as source,
                archive.open(info, "w", force_zip64=True) as entry,
            ):
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    entry.write(chunk)
            sha256 = digest.hexdigest()
            if original.recorded_sha256 and sha256 != original.recorded_sha256:
                raise ValidationError(
                    _(
                        "%(path)s no longer matches the sha256 recorded when it was stored; "
                        "the case file cannot be exported until it is restored."
                    )
                    % {"path": original.path}
                )
            sums.append(f"{sha256}  {original.path}\n")
        archive.writestr(zipfile.ZipInfo("SHA256SUMS", stamp), "".join(sums))


def _sha256(handle) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()
