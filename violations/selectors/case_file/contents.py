"""What a case file holds (DESIGN §6 "The record"): the PDF's chronology, complaints,
letters and their service, hearing, decision, bylaw text and ledger, and the originals bound
for the ZIP.

Unless the export is for council or the strata's lawyer it is a redacted copy, which
identifies no complainant and no witness (``case_file.redaction.Redactor``): every text the
PDF shows is searched for their names, email addresses and phone numbers, which are replaced
by a marker; photos go in as their metadata-free copies and other evidence, whose metadata
cannot be stripped, is withheld and listed; evidence is named neutrally ("Photo 3
(image/jpeg, 2026-11-02)"); recusals are counted, not named; a letter that names one of them
is withheld. The rendered file is checked once more before anything is written
(``Contents.redaction_check``). Each record's row is built in ``case_file.rows``, the
evidence section in ``case_file.evidence``; ``Original`` and ``Contents`` are in
``case_file.parts``.
"""

import datetime as dt
from pathlib import PurePosixPath

from django.db.models import F, Prefetch
from django.utils.translation import gettext as _

from accounts.strata_time import strata_zone
from violations.domain.workflow import event_label
from violations.models import (
    CaseFileExport,
    Decision,
    LetterDelivery,
    LetterKind,
    Payment,
    Response,
    Status,
    Violation,
)
from violations.selectors.case_file import corrections
from violations.selectors.case_file.evidence import WITHHELD, evidence_section
from violations.selectors.case_file.parts import Contents, Original
from violations.selectors.case_file.redaction import NAMES_SOMEONE, REDACTED, Redactor, visible_text
from violations.selectors.case_file.rows import (
    bylaws,
    charge_row,
    decision_row,
    hearing_row,
    incident,
    response_row,
    when,
    with_letters_as_received,
)
from violations.selectors.ledger import charges_with_balances, ledger_totals
from violations.selectors.letters import long_date, money


def is_redacted(export: CaseFileExport) -> bool:
    """Only council and the strata's lawyer get the unredacted file."""
    return export.purpose != CaseFileExport.Purpose.COUNCIL


def copy_kind(export: CaseFileExport) -> str:
    """What the file names say the copy is: ``-redacted`` or ``-full``."""
    return "redacted" if is_redacted(export) else "full"


# --- what goes in -------------------------------------------------------------------------


def build_contents(case: Violation, export: CaseFileExport, now: dt.datetime) -> Contents:
    zone = strata_zone(case.strata)
    redact = is_redacted(export)
    contents = Contents()
    r = contents.redactor = Redactor(case if redact else None, contents.redactions)
    complaints = _complaints(case, redact, contents)
    letters, hidden_services = _letters(case, redact, contents)
    charges = charges_with_balances(
        case.charges.select_related("bylaw", "liable_person", "unit").prefetch_related(
            # Voided payments too, marked so (``case_file.corrections``).
            Prefetch(
                "payments",
                queryset=Payment.all_objects.select_related("voided_by", "amends"),
            ),
            "waivers",
        )
    ).order_by("charged_on", "id")
    evidence_rows, labels = evidence_section(case, redact, contents)
    hearings = list(case.hearings.select_related("requested_by__person", "notice_letter"))
    written_requests = _written_requests(hearings, redact, contents)
    decision = (
        Decision.objects.filter(case=case).prefetch_related("members_present", "recusals").first()
    )
    contents.context = {
        "case": case,
        "strata": case.strata,
        "export": export,
        "redacted": redact,
        "purpose": export.get_purpose_display(),
        "requested_by": r.scrub(
            export.requested_by_name, record="export", uuid=export.uuid, field="requested_by_name"
        ),
        "exported_on": when(now, zone),
        "status": Status(case.status).label,
        "incident": incident(case),
        "incident_place": r.scrub(
            case.incident_place, record="case", uuid=case.uuid, field="incident_place"
        ),
        "description": r.scrub(
            case.description, record="case", uuid=case.uuid, field="description"
        ),
        "bylaws": bylaws(case),
        "events": _events(case, zone, hidden_services, labels, redact, contents),
        "complaints": complaints,
        "letters": letters,
        "responses": [
            response_row(response, zone, r)
            for response in Response.all_objects.filter(case=case).select_related(
                "party__person", "voided_by", "amends"
            )
        ],
        "hearings": [hearing_row(h, zone, r, written_requests) for h in hearings],
        "decision": decision and decision_row(decision, redact, r),
        "charges": [charge_row(charge, r, zone) for charge in charges],
        "totals": {key: money(value) for key, value in ledger_totals(charges).items()},
        "evidence": evidence_rows,
        "corrections": corrections.corrections(
            case,
            zone,
            lambda text, event: r.scrub(text, record="event", uuid=event.uuid, field="correction"),
        ),
        "redactions": contents.redactions,
    }
    with_letters_as_received(contents.context, evidence_rows)
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
                "details": contents.redactor.scrub(
                    complaint.details, record="complaint", uuid=complaint.uuid, field="details"
                ),
                "original_left_out": redact and bool(complaint.original),
            }
        )
    return rows


def _letters(case: Violation, redact: bool, contents: Contents) -> tuple[list[dict], set[str]]:
    """Every issued letter with its service records. Redacting leaves out the
    acknowledgements sent to complainants (their name and address are on them), and any
    other letter that names a complainant or witness, and returns the uuids of the
    acknowledgements' services so the chronology can hide them too."""
    zone = strata_zone(case.strata)
    r = contents.redactor
    services: dict[int, list[LetterDelivery]] = {}
    for service in (
        LetterDelivery.all_objects.filter(letter__case=case)
        .select_related("party", "person", "voided_by", "amends")
        # Whether the email carried a personal case link; never the email's body.
        .annotate(carried_link=F("outbound_email__sensitive"))
        .order_by("created_at", "id")
    ):
        services.setdefault(service.letter_id, []).append(service)
    rows, hidden = [], set()
    issued = case.letters.filter(issued_at__isnull=False).order_by("issued_at", "id")
    if not redact:
        issued = issued.defer("html")
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
        withheld = redact and bool(r.find(visible_text(letter.html)))
        if withheld:
            r.log("letter", letter.uuid, "letter", f"{NAMES_SOMEONE}; left out")
        else:
            contents.originals.append(
                Original(
                    f"letters/{number:02d}-{letter.kind}-{letter.issued_at.astimezone(zone):%Y-%m-%d}.pdf",
                    letter.pdf,
                    letter.pdf_sha256,
                    text=letter.html if redact else "",
                )
            )
        rows.append(
            {
                "letter": letter,
                "issued": long_date(letter.issued_at.astimezone(zone).date()),
                "withheld": withheld,
                "services": [
                    {
                        "service": service,
                        "party": r.scrub(
                            service.person.full_name,
                            record="service",
                            uuid=service.uuid,
                            field="person",
                        )
                        + (f" ({service.party.get_role_display()})" if service.party else ""),
                        "sent": long_date(service.sent_at.astimezone(zone).date())
                        if service.sent_at
                        else "",
                        "deemed": long_date(service.deemed_given_on)
                        if service.deemed_given_on
                        else "",
                        "voided": corrections.void_note(
                            service,
                            zone,
                            lambda text, s=service: r.scrub(
                                text, record="service", uuid=s.uuid, field="void_reason"
                            ),
                        ),
                        "amends": corrections.amends_note(service, zone),
                        "link_note": _(
                            "The email also carried the person's own case link (not kept)."
                        )
                        if service.carried_link
                        else "",
                    }
                    for service in services.get(letter.pk, [])
                ],
            }
        )
    return rows, hidden


def _written_requests(hearings, redact: bool, contents: Contents) -> dict[int, str]:
    """A respondent's written request to withdraw or postpone a hearing, by hearing: its
    path in the ZIP, or "" when a redacted copy withholds it (like evidence other than a
    photo, its metadata and content cannot be redacted)."""
    paths = {}
    for number, hearing in enumerate(hearings, 1):
        if not hearing.consent_file:
            continue
        if redact:
            contents.redactor.log("hearing", hearing.uuid, "consent_file", WITHHELD)
            paths[hearing.pk] = ""
            continue
        # Stored under a random name (services.hearings), never the uploader's.
        name = PurePosixPath(hearing.consent_file.name).name
        paths[hearing.pk] = f"hearings/{number:02d}-{name}"
        contents.originals.append(Original(paths[hearing.pk], hearing.consent_file))
    return paths


def _events(
    case, zone, hidden_services: set[str], labels: dict, redact: bool, contents: Contents
) -> list[dict]:
    r = contents.redactor
    complainant_users = (
        set(
            case.complaints.filter(complainant__user__isnull=False).values_list(
                "complainant__user_id", flat=True
            )
        )
        if redact
        else set()
    )
    # Longest first, so "my-photo.jpg" is not read as "my-" and "photo.jpg".
    names = sorted(labels, key=len, reverse=True)
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
        elif text and any(name in text for name in names):
            for name in names:
                text = text.replace(name, labels[name])
            r.log("event", event.uuid, "text", "names evidence files; shown under neutral names")
        text = r.scrub(text, record="event", uuid=event.uuid, field="text")
        actor = event.actor
        who = (actor.full_name or actor.email) if actor else _("the system")
        if actor is not None and actor.pk in complainant_users:
            who = REDACTED
            contents.redactions.append(
                {"event": str(event.uuid), "field": "actor", "reason": "the complainant acted"}
            )
        who = r.scrub(who, record="event", uuid=event.uuid, field="actor")
        rows.append(
            {
                "when": when(event.created_at, zone),
                "what": event_label(event.kind),
                "who": who,
                "status": Status(event.to_status).label
                if event.to_status != event.from_status and event.to_status in Status.values
                else "",
                "text": text,
            }
        )
    return rows
