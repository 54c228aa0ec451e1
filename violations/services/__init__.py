"""One service per transition of the enforcement table (``workflow.TRANSITIONS``).

Each is one transaction that locks the case row, checks the actor's right, recusal and the
case's status against the table, checks the transition's guard, then makes the change, writes
one ``ViolationEvent`` and one audit entry, and queues its emails with explicit keys. A refusal
raises ``TransitionRefused`` (a ValidationError) saying why and what would make it possible,
and changes nothing.

The services live in modules by stage: ``filing``, ``review``, ``deliveries``,
``responses``, ``hearings``, ``decisions``; ``case_letters`` holds the letters they share, and
``frame`` the case-action frame (lock, right, recusal, event, audit) that the ledger, continuing
fines, remedy costs, corrections, council meetings and case file exports take too.
"""

from violations.services.decisions import (
    violation_close,
    violation_record_decision,
    violation_withdraw,
)
from violations.services.deliveries import (
    violation_record_service,
    violation_reserve,
    violation_services_check,
)
from violations.services.filing import next_reference, violation_add_complaint, violation_report
from violations.services.frame import check_actor
from violations.services.hearings import (
    violation_record_hearing_outcome,
    violation_schedule_hearing,
)
from violations.services.responses import (
    resident_request_hearing,
    resident_respond,
    violation_receive_hearing_request,
    violation_record_response,
)
from violations.services.review import (
    violation_approve_notice,
    violation_prepare_notice,
    violation_reject,
    violation_send_notice,
    violation_warn,
)

__all__ = [
    "check_actor",
    "next_reference",
    "resident_request_hearing",
    "resident_respond",
    "violation_add_complaint",
    "violation_approve_notice",
    "violation_close",
    "violation_prepare_notice",
    "violation_receive_hearing_request",
    "violation_record_decision",
    "violation_record_hearing_outcome",
    "violation_record_response",
    "violation_record_service",
    "violation_reject",
    "violation_report",
    "violation_reserve",
    "violation_schedule_hearing",
    "violation_send_notice",
    "violation_services_check",
    "violation_warn",
    "violation_withdraw",
]
