"""The enforcement transition table (DESIGN §6) as data.

Each row names a service in ``violations/services.py`` (``violation_<name>``), the statuses it
may start from, where it leads, the right it needs, its guard in words, the letters and emails
it produces and the event it writes. The services check ``sources`` and ``right`` from here,
the admin offers buttons from here, and ``docs/enforcement.md`` publishes the same table (a
test compares the two).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts.permissions import Right
from violations.models import Status

S = Status


class TransitionRefused(ValidationError):
    """Why a transition cannot happen now, and what would make it possible. The one error
    every refusal raises: a wrong role, recusal, status or guard."""


def refuse(message: str, code: str = "guard"):
    raise TransitionRefused(message, code=code)


# Cases that are still being dealt with (filing offers to add to one of these).
OPEN_STATUSES = frozenset(
    {
        S.REPORTED,
        S.WARNED,
        S.NOTICE_PENDING_APPROVAL,
        S.NOTICE_SENT,
        S.RESPONDED,
        S.HEARING_REQUESTED,
        S.HEARING_SCHEDULED,
        S.AWAITING_DECISION,
    }
)
# Statuses in which the notice has gone out and its service can be recorded or repeated.
SERVED_STATUSES = frozenset(
    {S.NOTICE_SENT, S.RESPONDED, S.HEARING_REQUESTED, S.HEARING_SCHEDULED, S.AWAITING_DECISION}
)

# Who holds each right, in the words of docs/enforcement.md.
WHO = {
    Right.FILE_CASES: "manager, council, caretaker",
    Right.REVIEW_CASES: "manager, council",
    Right.APPROVE_NOTICES: "council",
    Right.RECORD_DECISIONS: "manager, council",
}


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    targets: tuple  # empty: the status does not change
    right: Right
    guard: str
    letters: str
    event: str

    @property
    def who(self) -> str:
        return WHO[self.right]


def _t(name, label, sources, targets, right, guard, letters, event=None) -> Transition:
    return Transition(
        name=name,
        label=label,
        sources=frozenset(sources),
        targets=tuple(targets),
        right=right,
        guard=guard,
        letters=letters,
        event=event or name,
    )


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t(
            "report",
            "Report",
            [],
            [S.REPORTED],
            Right.FILE_CASES,
            "a unit of the strata, at least one bylaw, a complaint or staff observation",
            "complainant acknowledgement to a complainant on the register: email or print",
        ),
        _t(
            "add_complaint",
            "Add a complaint",
            OPEN_STATUSES,
            [],
            Right.FILE_CASES,
            "the case is open",
            "complainant acknowledgement",
        ),
        _t(
            "reject",
            "Reject",
            [S.REPORTED],
            [S.REJECTED],
            Right.REVIEW_CASES,
            "a reason",
            "none",
        ),
        _t(
            "warn",
            "Send a warning letter",
            [S.REPORTED],
            [S.WARNED],
            Right.REVIEW_CASES,
            "a respondent is chosen; no fine can follow a warning alone",
            "warning letter to each party: email to an address given for notices, else print",
        ),
        _t(
            "prepare_notice",
            "Prepare the notice",
            [S.REPORTED, S.WARNED, S.NOTICE_PENDING_APPROVAL],
            [S.NOTICE_PENDING_APPROVAL],
            Right.REVIEW_CASES,
            "a respondent is chosen and someone can be served; preparing again clears approvals",
            "draft notice (editable)",
        ),
        _t(
            "approve_notice",
            "Approve the notice",
            [S.NOTICE_PENDING_APPROVAL],
            [],
            Right.APPROVE_NOTICES,
            "the strata requires approvals; one per council member",
            "none",
        ),
        _t(
            "send_notice",
            "Send the notice",
            [S.NOTICE_PENDING_APPROVAL],
            [S.NOTICE_SENT],
            Right.REVIEW_CASES,
            "the approvals the strata requires; every element of SPA s.135(1) in the letter",
            "notice (PDF) to each party: email to an address given for notices, else print",
        ),
        _t(
            "record_service",
            "Record service",
            Status.values,
            [],
            Right.REVIEW_CASES,
            "a pending paper service of any letter, handed over, left at the strata lot or "
            "mailed (SPA s.61(1)) on a date not in the future; a mailing needs an address",
            "none; a notice's deadline follows the latest deemed date",
        ),
        _t(
            "reserve",
            "Re-serve",
            SERVED_STATUSES,
            [],
            Right.REVIEW_CASES,
            "a party of the case; a new service by email or on paper",
            "the same letter again, under a new key",
        ),
        _t(
            "record_response",
            "Record a response",
            [S.NOTICE_SENT, S.RESPONDED],
            [S.RESPONDED],
            Right.REVIEW_CASES,
            "from a party, in writing",
            "none",
        ),
        _t(
            "receive_hearing_request",
            "Receive a hearing request",
            [S.NOTICE_SENT, S.RESPONDED],
            [S.HEARING_REQUESTED],
            Right.REVIEW_CASES,
            "in writing, from a party, with a reason",
            "none",
        ),
        _t(
            "schedule_hearing",
            "Schedule the hearing",
            [S.HEARING_REQUESTED, S.HEARING_SCHEDULED],
            [S.HEARING_SCHEDULED],
            Right.REVIEW_CASES,
            "on or before the hold-by date (request + hearing deadline days), and no earlier "
            "than the day every party would be deemed given the notice served today (SPA s.61); "
            "scheduling again supersedes the earlier notice",
            "hearing notice to each party; for a new date, one that says it replaces the earlier "
            "notice",
        ),
        _t(
            "record_hearing_outcome",
            "Record the hearing",
            [S.HEARING_SCHEDULED],
            [S.AWAITING_DECISION, S.HEARING_REQUESTED],
            Right.REVIEW_CASES,
            "held or no-show once its time has come and every party was given the hearing "
            "notice by then; withdrawn or postponed only with the respondent's written request "
            "(postponed: back to scheduling)",
            "none",
        ),
        _t(
            "record_decision",
            "Record council's decision",
            [S.NOTICE_SENT, S.RESPONDED, S.AWAITING_DECISION],
            [S.DECIDED_UPHELD, S.DECIDED_DISMISSED],
            Right.RECORD_DECISIONS,
            "every required party served; the deadline passed or the respondent declined a "
            "hearing in writing; any hearing held, no-show or withdrawn; a meeting, members "
            "present, a motion and a carried vote; a fine within every cap",
            "decision letter to each served party; for an upheld fine, one charge naming one bylaw",
        ),
        _t(
            "withdraw",
            "Withdraw",
            OPEN_STATUSES,
            [S.WITHDRAWN],
            Right.REVIEW_CASES,
            "a reason; the case is not yet decided",
            "none",
        ),
        _t(
            "close",
            "Close the case",
            [S.WARNED, S.DECIDED_DISMISSED, S.DECIDED_UPHELD],
            [S.CLOSED],
            Right.REVIEW_CASES,
            "dismissed, warning only, or compliance recorded (never because a fine was paid)",
            "none",
        ),
    )
}

# Events that are not transitions of the table: written by the system or by a side action.
OTHER_EVENTS = {
    "service_failed": "Email not delivered: to be served on paper",
    "evidence_added": "Evidence added",
    "evidence_shared": "Evidence shared with the parties",
    "evidence_unshared": "Evidence no longer shared with the parties",
    "case_file_exported": "Case file exported",
    "remedy_cost_charged": "Remedy cost charged (SPA s.133)",
    "continuing_fine_proposed": "Continuing fine proposed",
    "continuing_fine_confirmed": "Continuing fine confirmed and charged",
    "continuing_fine_dismissed": "Continuing fine dismissed",
    "payment_recorded": "Payment recorded",
    "waiver_recorded": "Waiver recorded",
    "correction": "Record corrected",
}


def event_label(kind: str) -> str:
    """What a timeline entry says: the transition's label, or the other event's."""
    for transition in TRANSITIONS.values():
        if transition.event == kind:
            return transition.label
    return OTHER_EVENTS.get(kind, kind)
