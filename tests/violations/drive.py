"""Drive a case through the enforcement services to a status, and count what a call changed.

Tests put a case into a valid source status with ``Driver.to(case, status)`` (only services,
never a direct status write), then call the transition under test. The driver also does what
the outbox worker and the five-minute check would do after each step (``deliver_emails``): an
emailed letter is served only once the mail server accepted it. ``counts()`` snapshots
every table a transition may write, so a refusal can assert that nothing changed.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditLog, User
from accounts.strata_time import strata_today
from communications import sending
from communications.models import OutboundEmail
from violations import services
from violations.models import (
    CaseParty,
    Charge,
    Complaint,
    Decision,
    Hearing,
    HearingOutcome,
    Letter,
    LetterDelivery,
    NoticeApproval,
    PartyRole,
    Response,
    Violation,
    ViolationEvent,
)

# 10:00 in Vancouver on Wednesday November 25, 2026: every test starts here.
T0 = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)

COUNTED = {
    "cases": Violation,
    "complaints": Complaint,
    "events": ViolationEvent,
    "audit": AuditLog,
    "letters": Letter,
    "services": LetterDelivery,
    "emails": OutboundEmail,
    "parties": CaseParty,
    "decisions": Decision,
    "charges": Charge,
    "hearings": Hearing,
    "responses": Response,
    "approvals": NoticeApproval,
}

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in COUNTED.items()}


def snapshot(case: Violation) -> dict:
    """The case's status and deadline, and the number of rows of every counted table."""
    case.refresh_from_db()
    return {"status": case.status, "deadline": case.response_deadline, **counts()}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The tables whose row count changed, and by how much."""
    return {name: after[name] - before[name] for name in COUNTED if after[name] != before[name]}


def deliver_emails() -> None:
    """Send every queued email (to the test mailbox), as the outbox worker would once the
    transaction commits, and settle the services waiting on them, as the five-minute check
    would (``violation_services_check``)."""
    sending.send_batch(sending.claim(limit=1000))
    services.violation_services_check()


def respondent_party(case: Violation) -> CaseParty:
    return case.parties.get(role=PartyRole.RESPONDENT, required=True)


def complaint(**extra) -> dict:
    return {
        "channel": "phone",
        "received_on": dt.date(2026, 11, 2),
        "complainant_name": "A neighbour",
        **extra,
    }


def decision_kwargs(case: Violation, council: list[User], **extra) -> dict:
    """A carried motion of the council members present at a meeting today."""
    return {
        "meeting_on": strata_today(case.strata),
        "members_present": council,
        "motion": "That the complaint about Unit 101 be decided as recorded.",
        "votes_for": len(council),
        "votes_against": 0,
        "outcome": "dismissed",
        "reasons": "Council considered the complaint and the response.",
        **extra,
    }


@dataclass
class Driver:
    """Moves a case through the services as ``actor`` (a manager), approving with
    ``council`` when the strata requires approvals and deciding with them as present. With
    ``deliver`` (the default), emails are sent and their services settled after each step."""

    actor: User
    council: list[User] = field(default_factory=list)
    deliver: bool = True

    def to(
        self, case: Violation, status: str, *, respondent_role="owners", respondent=None
    ) -> Violation:
        a = self.actor
        notice = {"respondent_role": respondent_role, "respondent": respondent}
        match status:
            case "reported":
                pass
            case "warned":
                services.violation_warn(case=case, actor=a, **notice)
            case "rejected":
                services.violation_reject(case=case, actor=a, reason="Not a bylaw matter.")
            case "withdrawn":
                services.violation_withdraw(case=case, actor=a, reason="Complainant withdrew.")
            case "closed":
                self.to(case, "warned", **notice)
                services.violation_close(case=case, actor=a)
            case "notice_pending_approval":
                services.violation_prepare_notice(case=case, actor=a, **notice)
            case "notice_sent":
                self.to(case, "notice_pending_approval", **notice)
                for member in self.council[: case.strata.notice_approvals_required]:
                    services.violation_approve_notice(case=case, actor=member)
                services.violation_send_notice(case=case, actor=a)
                self._deliver()
            case "responded":
                self.to(case, "notice_sent", **notice)
                services.violation_record_response(
                    case=case,
                    actor=a,
                    party=respondent_party(case),
                    text="It was a birthday party; it will not happen again.",
                    channel="letter",
                    received_at=timezone.now(),
                )
            case "hearing_requested":
                self.to(case, "notice_sent", **notice)
                services.violation_receive_hearing_request(
                    case=case,
                    actor=a,
                    party=respondent_party(case),
                    reason="I want to explain in person.",
                    requested_on=strata_today(case.strata),
                )
            case "hearing_scheduled":
                self.to(case, "hearing_requested", **notice)
                services.violation_schedule_hearing(
                    case=case,
                    actor=a,
                    scheduled_for=timezone.now() + dt.timedelta(days=7),
                    location="Amenity room",
                )
                self._deliver()
            case "awaiting_decision":
                self.to(case, "hearing_scheduled", **notice)
                services.violation_record_hearing_outcome(
                    case=case,
                    actor=a,
                    outcome=HearingOutcome.WITHDRAWN,
                    consent_file=written_request(),
                )
            case "decided_dismissed" | "decided_upheld":
                self.to(case, "notice_sent", **notice)
                for party in case.parties.filter(role="respondent", required=True):
                    services.violation_record_response(
                        case=case,
                        actor=a,
                        party=party,
                        text="No hearing, thank you; council may decide.",
                        channel="letter",
                        received_at=timezone.now(),
                        declines_hearing=True,
                    )
                outcome = "dismissed" if status == "decided_dismissed" else "upheld_warning"
                services.violation_record_decision(
                    case=case, actor=a, **decision_kwargs(case, self.council, outcome=outcome)
                )
            case _:
                raise AssertionError(f"no drive to {status}")
        self._deliver()
        case.refresh_from_db()
        assert case.status == status
        return case

    def _deliver(self) -> None:
        if self.deliver:
            deliver_emails()


def written_request() -> SimpleUploadedFile:
    """A respondent's written request (to withdraw or postpone a hearing), as a small PDF."""
    return SimpleUploadedFile("request.pdf", b"%PDF-1.4\n% I withdraw my request.\n")
