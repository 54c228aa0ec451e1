"""Bylaws and the enforcement case with everything the law needs on it (DESIGN §4, §6).

The models hold records; the rules live in ``rule_pack.py`` (the BC limits and dates),
``workflow.py`` (the transition table) and ``services/`` (one service per transition).
Nothing here is deleted: history points at units, persons and users with ``PROTECT``.

The models live in modules by what they record: ``bylaws``, ``cases``, ``letters`` (and
service), ``hearings`` (and decisions), ``ledger``, ``case_files``; ``common`` holds what they
share.
"""

from violations.models.bylaws import Bylaw, BylawCategory, BylawKind, BylawRevision
from violations.models.case_files import CaseFileExport, CaseFileExportPurpose
from violations.models.cases import (
    CaseParty,
    Complaint,
    ComplaintChannel,
    Evidence,
    EvidenceKind,
    EvidenceSource,
    PartyRole,
    ReferenceCounter,
    RespondentRole,
    ScanStatus,
    Status,
    Violation,
    ViolationCategory,
    ViolationEvent,
)
from violations.models.common import CENT, REG_7_1_MAX_SHORT_TERM_RENTAL_FINE, Money
from violations.models.hearings import (
    HEARD_OUTCOMES,
    UPHELD_OUTCOMES,
    CouncilMeeting,
    Decision,
    DecisionOutcome,
    Hearing,
    HearingOutcome,
    Response,
    ResponseChannel,
)
from violations.models.ledger import (
    Charge,
    ChargeKind,
    FineProposal,
    Payment,
    PaymentMethod,
    ProposalStatus,
    Waiver,
)
from violations.models.letters import (
    PAPER_METHODS,
    DeliveryMethod,
    DeliveryStatus,
    Letter,
    LetterDelivery,
    LetterKind,
    LetterTemplate,
    NoticeApproval,
)

__all__ = [
    "CENT",
    "HEARD_OUTCOMES",
    "PAPER_METHODS",
    "REG_7_1_MAX_SHORT_TERM_RENTAL_FINE",
    "UPHELD_OUTCOMES",
    "Bylaw",
    "BylawCategory",
    "BylawKind",
    "BylawRevision",
    "CaseFileExport",
    "CaseFileExportPurpose",
    "CaseParty",
    "Charge",
    "ChargeKind",
    "Complaint",
    "ComplaintChannel",
    "CouncilMeeting",
    "Decision",
    "DecisionOutcome",
    "DeliveryMethod",
    "DeliveryStatus",
    "Evidence",
    "EvidenceKind",
    "EvidenceSource",
    "FineProposal",
    "Hearing",
    "HearingOutcome",
    "Letter",
    "LetterDelivery",
    "LetterKind",
    "LetterTemplate",
    "Money",
    "NoticeApproval",
    "PartyRole",
    "Payment",
    "PaymentMethod",
    "ProposalStatus",
    "ReferenceCounter",
    "RespondentRole",
    "Response",
    "ResponseChannel",
    "ScanStatus",
    "Status",
    "Violation",
    "ViolationCategory",
    "ViolationEvent",
    "Waiver",
]
