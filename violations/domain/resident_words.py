"""How the resident pages name a case's status and its steps, in plain words for the person
the case is about (the admin's labels are written for staff)."""

from django.utils.translation import gettext_lazy as _

from violations.models import Status

STATUS_WORDS = {
    Status.REPORTED: _("Reported: not yet reviewed"),
    Status.WARNED: _("A warning letter was sent"),
    Status.NOTICE_PENDING_APPROVAL: _("A notice is being prepared"),
    Status.NOTICE_SENT: _("Notice sent: you may answer"),
    Status.RESPONDED: _("Written answer received"),
    Status.HEARING_REQUESTED: _("Hearing asked for: council must hold it"),
    Status.HEARING_SCHEDULED: _("Hearing scheduled"),
    Status.AWAITING_DECISION: _("Waiting for council's decision"),
    Status.DECIDED_UPHELD: _("Council decided the bylaw was contravened"),
    Status.DECIDED_DISMISSED: _("Council dismissed the complaint"),
    Status.REJECTED: _("Closed without action"),
    Status.WITHDRAWN: _("Withdrawn"),
    Status.CLOSED: _("Closed"),
}

# The steps a party is told of (``visible_to_resident``); any other is "Case updated".
STEP_WORDS = {
    "warn": _("Warning letter sent"),
    "send_notice": _("Notice sent"),
    "record_response": _("Written answer received"),
    "receive_hearing_request": _("Hearing asked for"),
    "schedule_hearing": _("Hearing scheduled"),
    "record_hearing_outcome": _("Hearing outcome recorded"),
    "record_decision": _("Council's decision given"),
    "close": _("Case closed"),
    "remedy_cost_charged": _("Cost of a repair charged"),
    "continuing_fine_confirmed": _("Continuing fine charged"),
    "evidence_shared": _("Evidence shared with you"),
}


def status_words(case) -> str:
    return STATUS_WORDS.get(case.status, case.get_status_display())


def step_words(event) -> str:
    return STEP_WORDS.get(event.kind, _("Case updated"))
