"""What a case file holds (DESIGN §6 "The record"): the PDF's chronology, complaints,
letters and their service, hearing, decision, bylaw text and ledger, and the originals bound
for the ZIP.

Unless the export is for council or the strata's lawyer it is a redacted copy, which
identifies no complainant and no witness (``case_file_redaction.Redactor``): every text the
PDF shows is searched for their names, email addresses and phone numbers, which are replaced
by a marker; photos go in as their metadata-free copies and other evidence, whose metadata
cannot be stripped, is withheld and listed; evidence is named neutrally ("Photo 3
(image/jpeg, 2026-11-02)"); recusals are counted, not named; a letter that names one of them
is withheld. The rendered file is checked once more before anything is written
(``Contents.redaction_check``). Each record's row is built in ``case_file_rows``.
"""

import datetime as dt
import hashlib
import mimetypes
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from accounts.strata_time import strata_zone
from violations import case_file_corrections as corrections
from violations.case_file_redaction import (
    NAMES_SOMEONE,
    REDACTED,
    WHAT,
    Redactor,
    visible_text,
)
from violations.case_file_rows import (
    bylaws,
    charge_row,
    decision_row,
    hearing_row,
    incident,
    response_row,
    when,
    with_letters_as_received,
)
from violations.ledger_selectors import charges_with_balances, ledger_totals
from violations.letters import long_date, money
from violations.models import (
    CaseFileExport,
    Decision,
    EvidenceKind,
    LetterKind,
    Payment,
    Response,
    Service,
    Status,
    Violation,
)
from violations.workflow import event_label

WITHHELD = "withheld: its metadata cannot be stripped"
CHUNK = 1024 * 1024

# How evidence is named in a redacted copy: "Photo 3 (image/jpeg, 2026-11-02)".
KIND_WORDS = {
    EvidenceKind.IMAGE: "Photo",
    EvidenceKind.PDF: "PDF",
    EvidenceKind.AUDIO: "Audio",
    EvidenceKind.VIDEO: "Video",
    EvidenceKind.EMAIL: "Email",
    EvidenceKind.DOCUMENT: "Document",
}


def is_redacted(export: CaseFileExport) -> bool:
    """Only council and the strata's lawyer get the unredacted file."""
    return export.purpose != CaseFileExport.Purpose.COUNCIL


def copy_kind(export: CaseFileExport) -> str:
    """What the file names say the copy is: ``-redacted`` or ``-full``."""
    return "redacted" if is_redacted(export) else "full"


@dataclass
class Original:
    """One stored file bound for the ZIP, and the sha256 recorded for it (if any). ``text``
    is what it says (a letter's HTML), checked before a redacted copy is written."""

    path: str
    file: File
    recorded_sha256: str = ""
    compress: int = zipfile.ZIP_DEFLATED
    text: str = ""


@dataclass
class Contents:
    """What the PDF shows and the ZIP holds, redactions already applied."""

    context: dict = field(default_factory=dict)
    originals: list[Original] = field(default_factory=list)
    redactions: list[dict] = field(default_factory=list)
    redactor: Redactor | None = None
    # Stored files the PDF states the sha256 of but the ZIP leaves out (the originals of a
    # redacted copy's evidence): the case file vouches for them all the same.
    vouched: list[Original] = field(default_factory=list)

    def redaction_check(self, html: str) -> None:
        """The last check of a redacted copy before anything is written: the PDF's text, the
        ZIP's file names (which SHA256SUMS repeats) and the letters going into it name no
        complainant or witness. Refuses the export if one still does."""
        if self.redactor is None or not self.redactor.active:
            return
        places = [
            (_("the PDF"), visible_text(html)),
            (_("the ZIP's file names"), "\n".join(o.path for o in self.originals)),
            *((original.path, visible_text(original.text)) for original in self.originals),
        ]
        for where, text in places:
            if what := self.redactor.find(text):
                raise ValidationError(
                    _(
                        "The redacted case file would still show a complainant's or witness's "
                        "%(what)s in %(where)s, so nothing was exported. Export it for council "
                        "or the strata's lawyer, or report the field that escaped redaction."
                    )
                    % {"what": WHAT[what], "where": where},
                    code="not_redacted",
                )


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
            # Voided payments too, marked so (``case_file_corrections``).
            Prefetch(
                "payments",
                queryset=Payment.all_objects.select_related("voided_by", "amends"),
            ),
            "waivers",
        )
    ).order_by("charged_on", "id")
    evidence_rows, labels = _evidence(case, redact, contents)
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
    services: dict[int, list[Service]] = {}
    for service in (
        Service.all_objects.filter(letter__case=case)
        .select_related("party", "person", "voided_by", "amends")
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


def _evidence(case: Violation, redact: bool, contents: Contents) -> tuple[list[dict], dict]:
    """The evidence list and its files. Unredacted: every original, metadata and all, under
    the uploader's name with the extension of its sniffed type. Redacted: a photo's copy
    re-encoded without metadata, and every other file withheld (a PDF's author, a Word file's
    properties, an email's headers or a recording's tags cannot be stripped here), all under
    neutral names. Returns the rows and, for the chronology, each original name's label."""
    zone = strata_zone(case.strata)
    r = contents.redactor
    rows, labels = [], {}
    for number, item in enumerate(case.evidence.order_by("created_at", "id"), 1):
        uploaded = item.created_at.astimezone(zone).date()
        row = {
            "evidence": item,
            "name": item.download_name,
            "kind": item.get_kind_display(),
            "size": item.size,
            "sha256": item.sha256,
            "uploaded": long_date(uploaded),
            "description": r.scrub(
                item.description, record="evidence", uuid=item.uuid, field="description"
            ),
            "copy": False,
            "withheld": False,
        }
        if not redact:
            contents.originals.append(
                Original(
                    f"evidence/{number:02d}-{_safe(item.download_name)}",
                    item.original,
                    item.sha256,
                    zipfile.ZIP_STORED,  # photos, audio and video are compressed already
                )
            )
            rows.append(row)
            continue
        copy = item.resident_copy if item.kind == EvidenceKind.IMAGE else None
        if copy:
            extension = PurePosixPath(copy.name).suffix.lower()
            content_type = mimetypes.guess_type(f"copy{extension}")[0] or "image/jpeg"
            sha256, size = _digest(copy)
            contents.originals.append(
                Original(
                    f"evidence/{number:02d}-photo{extension}", copy, sha256, zipfile.ZIP_STORED
                )
            )
            row.update(copy=True, size=size, sha256=sha256, original_sha256=item.sha256)
            r.log(
                "evidence",
                item.uuid,
                "original",
                "exported as its metadata-free copy under a neutral name",
            )
        else:
            content_type = item.content_type
            row["withheld"] = True
            r.log("evidence", item.uuid, "original", WITHHELD)
        row["name"] = _("%(kind)s %(number)d (%(type)s, %(date)s)") % {
            "kind": KIND_WORDS.get(item.kind, "File"),
            "number": number,
            "type": content_type,
            "date": uploaded.isoformat(),
        }
        contents.vouched.append(Original(row["name"], item.original, item.sha256))
        labels[item.original_name] = labels[item.download_name] = row["name"]
        rows.append(row)
    return rows, labels


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


def _digest(stored) -> tuple[str, int]:
    """The sha256 and size of a stored file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with stored.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe(name: str) -> str:
    """A file name as one ZIP entry: no folders, no way out of the archive."""
    return PurePosixPath(name.replace("\\", "/")).name.lstrip(".") or "file"
