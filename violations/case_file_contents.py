"""What a case file holds (DESIGN §6 "The record"): the PDF's chronology, complaints,
letters and their service, hearing, decision, bylaw text and ledger, and the originals bound
for the ZIP, with the complainant redacted unless the export is for council.
"""

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.files import File
from django.utils.translation import gettext as _

from accounts.strata_time import strata_zone
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
)
from violations.selectors import bylaw_revision_in_force
from violations.workflow import event_label

REDACTED = "[complainant — redacted]"


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


# --- what goes in -------------------------------------------------------------------------


def build_contents(case: Violation, export: CaseFileExport, now: dt.datetime) -> Contents:
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
        name = item.download_name
        if redact and item.source == EvidenceSource.COMPLAINANT:
            # A complainant's file is often named after them; its bytes stay as stored so
            # the sha256 still matches.
            name = f"complainant-file{PurePosixPath(item.original.name).suffix}"
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
