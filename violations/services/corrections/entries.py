"""What a correctable entry is (``services.corrections``): its kind (the right that records
it, what it is called, the values an amendment may change), the case it is recorded on, its
values as the record keeps them, and the stamp that voids it. Split from the correction frame
so the modules that correct each family of entries (``records``, ``in_place``) share it
without importing the frame that calls them.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import Right
from violations.models import (
    PAPER_METHODS,
    DeliveryStatus,
    FineProposal,
    Hearing,
    HearingOutcome,
    LetterDelivery,
    Payment,
    ProposalStatus,
    Response,
    Violation,
)


@dataclass(frozen=True)
class Kind:
    """One kind of entry: the right that records it, what it is called, the values an
    amendment may change, and whether residents see its corrections (as they see the entry's
    own event)."""

    name: str
    model: type
    right: Right
    label: str
    fields: tuple[str, ...]
    visible_to_resident: bool


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "response",
            Response,
            Right.REVIEW_CASES,
            gettext_lazy("response"),
            ("received_at", "channel", "text", "declines_hearing"),
            True,
        ),
        Kind(
            "service",
            LetterDelivery,
            Right.REVIEW_CASES,
            gettext_lazy("service"),
            ("method", "on_date", "delivered_by", "address"),
            False,
        ),
        Kind(
            "payment",
            Payment,
            Right.RECORD_PAYMENTS,
            gettext_lazy("payment"),
            ("amount", "paid_on", "method", "reference"),
            False,
        ),
        Kind(
            "hearing_outcome",
            Hearing,
            Right.REVIEW_CASES,
            gettext_lazy("hearing outcome"),
            ("outcome", "minutes"),
            True,
        ),
        Kind(
            "observation",
            FineProposal,
            Right.REVIEW_CASES,
            gettext_lazy("observation"),
            ("observed_by", "observed_at", "observation"),
            True,
        ),
        Kind(
            "compliance",
            Violation,
            Right.REVIEW_CASES,
            gettext_lazy("compliance"),
            ("compliance_on",),
            True,
        ),
    )
}
# The entries council's decision may rest on (the decision guard reads them).
DECISION_KINDS = frozenset({"response", "service", "hearing_outcome"})
# A postponement opened a new hearing request: it is never corrected (in_place._hearing_void,
# _hearing_amend); the case page offers no correction of it.
UNCORRECTABLE_OUTCOMES = frozenset({HearingOutcome.POSTPONED})


def correctable(kind: str, entry) -> bool:
    """Whether ``entry`` (of ``kind``) is one the services correct: a live response or
    payment, a paper service staff recorded, a hearing outcome other than a postponement, a
    confirmed observation, a compliance date. The case page offers a correction only of these;
    the services check their own rules again when it is made."""
    match kind:
        case "response" | "payment":
            return entry.voided_at is None
        case "service":
            return (
                entry.voided_at is None
                and entry.status == DeliveryStatus.SENT
                and entry.method in PAPER_METHODS
            )
        case "hearing_outcome":
            return bool(entry.outcome) and entry.outcome not in UNCORRECTABLE_OUTCOMES
        case "observation":
            return entry.status == ProposalStatus.CONFIRMED
        case "compliance":
            return entry.compliance_on is not None
    return False


def entry_kind(entry) -> Kind:
    for kind in KINDS.values():
        if isinstance(entry, kind.model):
            return kind
    raise TypeError(f"{type(entry).__name__} is not a correctable entry")


def entry_case(entry) -> Violation:
    """The case an entry is recorded on."""
    match entry:
        case Violation():
            return entry
        case LetterDelivery():
            return entry.letter.case
        case Payment():
            return entry.charge.case
        case _:
            return entry.case


def mark_voided(entry, actor: User, reason: str) -> None:
    entry.voided_at = timezone.now()
    entry.voided_by = actor
    entry.void_reason = reason
    entry.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])


def plain(value):
    """A value as the record keeps it in JSON: dates ISO, instants in UTC, money to the cent."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
