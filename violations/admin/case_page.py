"""What the case page shows besides the case's own fields (DESIGN §9): the timeline,
complaints, parties and their service, evidence, letters, emails, responses, hearings, the
decision and its charges, and the buttons this user may press now.

Every list is one query however long it grows, so the page's query count is fixed.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from accounts.permissions import Right, can
from communications.models import OutboundEmail
from violations.domain.workflow import Transition, event_label
from violations.models import (
    CaseParty,
    Charge,
    Decision,
    Evidence,
    Letter,
    LetterDelivery,
    Payment,
    Response,
    Status,
    Violation,
    ViolationEvent,
)
from violations.selectors.access import may_record_remedy_cost
from violations.selectors.cases import allowed_transitions
from violations.selectors.continuing import continuing_series
from violations.selectors.drafts import drafts_of
from violations.selectors.guards import decision_refusal
from violations.services.corrections import correctable


@dataclass
class Button:
    transition: Transition
    url: str
    refusal: str | None = None  # why the service would refuse now, when that is known


@dataclass
class PartyRow:
    party: CaseParty
    services: list[LetterDelivery] = field(default_factory=list)


@dataclass
class LetterRow:
    letter: Letter
    view_url: str
    pdf_url: str
    services: list[LetterDelivery] = field(default_factory=list)


@dataclass
class EvidenceRow:
    evidence: Evidence
    url: str
    thumbnail_url: str | None  # images only
    share_url: str = ""  # where its share button posts; empty for who may not decide


def evidence_rows(case: Violation, share_url=None) -> list[EvidenceRow]:
    """``share_url(evidence)``: where the row's share button posts (None: no buttons)."""
    rows = []
    for item in case.evidence.select_related("uploaded_by").order_by("created_at", "id"):
        url = reverse("violations:evidence-download", args=[item.uuid])
        thumbnail = None
        if item.kind == Evidence.Kind.IMAGE:
            # The re-encoded copy is smaller and carries no metadata; staff may open either.
            thumbnail = f"{url}?copy=resident" if item.resident_copy else url
        rows.append(
            EvidenceRow(
                evidence=item,
                url=url,
                thumbnail_url=thumbnail,
                share_url=share_url(item) if share_url else "",
            )
        )
    return rows


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def timeline(case: Violation) -> list[ViolationEvent]:
    events = list(case.events.select_related("actor"))
    for event in events:
        event.label = event_label(event.kind)
        event.from_label = _status_label(event.from_status)
        event.to_label = _status_label(event.to_status)
    return events


def buttons(case: Violation, user, url_for, names) -> list[Button]:
    """The transitions allowed now that have a form here, each with its URL."""
    rows = []
    for transition in allowed_transitions(case, user):
        if transition.name not in names:
            continue
        refusal = decision_refusal(case) if transition.name == "record_decision" else None
        rows.append(Button(transition, url_for(transition.name), refusal))
    return rows


def case_sections(
    case: Violation,
    user,
    *,
    transition_url,
    letter_url,
    names,
    correct_url=None,
    share_url=None,
) -> dict:
    """``correct_url(kind, entry)``: an entry's "Correct" link, empty for who may not; voided
    entries are listed too, marked so, beside what amends them. ``share_url``: as
    ``evidence_rows``."""
    services = list(
        LetterDelivery.all_objects.filter(letter__case=case)
        .select_related("person", "letter", "recorded_by", "voided_by", "amends")
        .order_by("letter__created_at", "letter_id", "created_at", "id")
    )
    by_party: dict[int, list[LetterDelivery]] = {}
    by_letter: dict[int, list[LetterDelivery]] = {}
    for service in services:
        by_party.setdefault(service.party_id, []).append(service)
        by_letter.setdefault(service.letter_id, []).append(service)
    letters = [
        LetterRow(
            letter=letter,
            view_url=letter_url(letter, "view"),
            pdf_url=letter_url(letter, "pdf") if letter.issued_at else "",
            services=by_letter.get(letter.pk, []),
        )
        for letter in case.letters.select_related("created_by").defer("html")
    ]
    draft_notice = drafts_of(case).prefetch_related("approvals__approver").first()
    decision = (
        Decision.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related("members_present", "recusals")
        .first()
    )
    sections = {
        "buttons": buttons(case, user, transition_url, names),
        "events": timeline(case),
        "complaints": list(case.complaints.select_related("complainant", "recorded_by")),
        "parties": [
            PartyRow(party=party, services=by_party.get(party.pk, []))
            for party in case.parties.select_related("person")
        ],
        "evidence": evidence_rows(case, share_url),
        "letters": letters,
        "draft_notice": draft_notice,
        "emails": list(
            OutboundEmail.objects.filter(about=case.uuid)
            .only("to_address", "kind", "status", "subject", "queued_at", "sent_at")
            .order_by("queued_at", "id")
        ),
        # Each with the letter as received on paper, if it was scanned (staff-only evidence).
        "responses": list(
            Response.all_objects.filter(case=case)
            .select_related("party__person", "recorded_by", "voided_by", "amends")
            .prefetch_related("scans")
        ),
        "hearings": list(
            case.hearings.select_related("requested_by__person").prefetch_related("request_scans")
        ),
        "decision": decision,
        "charges": [
            _with_notice_url(charge, letter_url)
            for charge in Charge.objects.filter(case=case).select_related(
                "bylaw", "liable_person", "unit", "letter"
            )
        ],
        "series": continuing_series(case, decision),
        # The case's charges in the fines ledger: balances, payments and waivers.
        "ledger_url": f"{reverse('admin:violations_charge_changelist')}?case__id__exact={case.pk}"
        if can(user, Right.VIEW_LEDGER, case.strata_id)
        else "",
        "remedy_cost_url": reverse("admin:violations_violation_remedy_cost", args=[case.pk])
        if may_record_remedy_cost(user, case)
        else "",
        "payments": list(
            Payment.all_objects.filter(charge__case=case).select_related(
                "charge", "recorded_by", "voided_by", "amends"
            )
        ),
    }
    if correct_url is not None:
        _correct_urls(sections, case, services, correct_url)
    return sections


def _correct_urls(
    sections: dict, case: Violation, services: list[LetterDelivery], correct_url
) -> None:
    """``correct_url`` on each entry that may be corrected now (``corrections.correctable``)."""

    def url(kind, entry) -> str:
        return correct_url(kind, entry) if correctable(kind, entry) else ""

    for response in sections["responses"]:
        response.correct_url = url("response", response)
    for service in services:
        service.correct_url = url("service", service)
    for payment in sections["payments"]:
        payment.correct_url = url("payment", payment)
    for hearing in sections["hearings"]:
        hearing.correct_url = url("hearing_outcome", hearing)
    if sections["series"] is not None:
        for proposal in sections["series"].proposals:
            proposal.correct_url = url("observation", proposal)
    sections["compliance_correct_url"] = url("compliance", case)


def _with_notice_url(charge: Charge, letter_url) -> Charge:
    """The charge, with ``notice_url``: where its fine notice is read (empty without one)."""
    charge.notice_url = letter_url(charge.letter, "view") if charge.letter_id else ""
    return charge
