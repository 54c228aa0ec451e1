"""A notice served by email whose email bounces was not served (SPA s.61): as soon as the
provider's webhook or the mail server's report arrives, the service stops counting, the
deadline it set goes, the print queue has the letter for paper service and the case says so;
a replay changes nothing, and a bounce of any other email touches no case."""

import base64
import datetime as dt
import io
import json
import types
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import AuditLog
from communications import sending
from communications.models import OutboundEmail, Suppression
from communications.services import queue_email, tracking_event_record
from tests.communications.factories import OutboundEmailFactory
from tests.violations.drive import FAST_HASHERS, T0, Driver, counts, delta, snapshot
from violations import services
from violations.models import DeliveryStatus, ViolationEvent
from violations.selectors.cases import print_queue_for
from violations.selectors.serving import deadline_for, unserved_parties

pytestmark = pytest.mark.django_db

SECRET = "postmark-hooks:Wq7-correct-horse"
POSTMARK_ID = "b7bc2f4a-e38e-4336-af7d-e6c392c2f817"
# The stated deadline: end of December 13 in Vancouver, as stored.
DEC_13_END = dt.datetime(2026, 12, 14, 7, 59, 59, 999999, tzinfo=dt.UTC)
FAILED_REPORT = Path(__file__).parents[1] / "communications" / "dsn" / "failed.eml"
FIXTURE_UUID = b"5a0f4b8e-3c1d-4e2a-9b7f-2d6c8e1a4f90"


@pytest.fixture(autouse=True)
def _clock_hashers_and_secret(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(case, owner_for_notices, manager, council_member):
    """The notice emailed to Olive, accepted by the provider under its id, and so served."""
    Driver(actor=manager, council=[council_member]).to(case, "notice_sent")
    email = OutboundEmail.objects.get(kind="notice")
    OutboundEmail.objects.filter(pk=email.pk).update(provider_message_id=POSTMARK_ID)
    emailed = case.letters.get(kind="notice").deliveries.get()
    case.refresh_from_db()
    assert (emailed.status, emailed.outbound_email, case.response_deadline) == (
        "sent",
        email,
        DEC_13_END,
    )
    return types.SimpleNamespace(
        case=case, owner=owner_for_notices, manager=manager, email=email, emailed=emailed
    )


def postmark_bounce(client, *, record_id=981273):
    payload = {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": record_id,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "MessageID": POSTMARK_ID,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "olive.notices@example.test",
        "From": "noreply@strata.example",
        "BouncedAt": (T0 + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Notice of complaint",
    }
    token = base64.b64encode(SECRET.encode()).decode()
    response = client.post(
        "/email/webhooks/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {token}",
    )
    assert response.status_code == 200


def dsn_bounce(email: OutboundEmail, tmp_path) -> None:
    """The mail server's report of the same failure, piped to ingest_bounce."""
    report = tmp_path / "report.eml"
    report.write_bytes(FAILED_REPORT.read_bytes().replace(FIXTURE_UUID, str(email.uuid).encode()))
    call_command("ingest_bounce", str(report), stdout=io.StringIO())


def test_a_bounced_notice_is_no_longer_served_and_goes_to_the_print_queue(w, client):
    before = counts()

    postmark_bounce(client)

    w.emailed.refresh_from_db()
    w.case.refresh_from_db()
    assert w.emailed.status == DeliveryStatus.BOUNCED
    # Olive is unserved again: no deadline until the paper service is recorded.
    assert [p.person for p in unserved_parties(w.case)] == [w.owner]
    assert (w.case.response_deadline, deadline_for(w.case)) == (None, None)
    paper = print_queue_for(w.manager).get()
    assert (paper.letter, paper.person, paper.party, paper.method, paper.status) == (
        w.emailed.letter,
        w.owner,
        w.emailed.party,
        "mail",
        "pending",
    )
    assert paper.address == "Unit 101, 1 Main Street, Vancouver BC"
    event = w.case.events.latest("id")
    assert (event.kind, event.actor, event.text, event.data) == (
        "service_failed",
        None,
        "The email to olive.notices@example.test was not delivered; serve it on paper.",
        {"service": str(w.emailed.uuid), "paper_service": str(paper.uuid), "status": "bounced"},
    )
    assert AuditLog.objects.filter(action="violation.service_failed", actor=None).exists()
    assert delta(before, counts()) == {"services": 1, "events": 1, "audit": 2}
    # Non-legal mail to the address stops; notices are never suppressed.
    assert list(Suppression.objects.values_list("address", "scope")) == [
        ("olive.notices@example.test", "all")
    ]
    party = w.case.parties.get(person=w.owner)
    again = services.violation_reserve(case=w.case, actor=w.manager, party=party, method="email")
    assert again.outbound_email.status == OutboundEmail.Status.QUEUED


def test_the_paper_service_sets_the_deadline_once_mailed(w, client):
    postmark_bounce(client)
    paper = print_queue_for(w.manager).get()

    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        services.violation_record_service(
            service=paper, actor=w.manager, method="mail", on_date=dt.date(2026, 11, 27)
        )

    w.case.refresh_from_db()
    # Mailed November 27, deemed given December 1, + 14 days: December 15, in Vancouver.
    assert w.case.response_deadline == dt.datetime(2026, 12, 16, 7, 59, 59, 999999, tzinfo=dt.UTC)


def test_a_replayed_bounce_changes_nothing(w, client):
    postmark_bounce(client)
    after_first = snapshot(w.case)

    postmark_bounce(client)

    assert snapshot(w.case) == after_first
    assert Suppression.objects.count() == 1
    assert services.violation_services_check() == 0
    assert snapshot(w.case) == after_first


def test_the_mail_servers_report_of_the_same_bounce_changes_nothing_more(w, client, tmp_path):
    postmark_bounce(client)
    after_webhook = snapshot(w.case)

    dsn_bounce(w.email, tmp_path)

    # A second bounce event of the email (and the suppression audited again), but one paper
    # service and one case event.
    assert w.email.tracking_events.filter(kind="bounce").count() == 2
    assert snapshot(w.case) == {**after_webhook, "audit": after_webhook["audit"] + 1}


def test_a_bounce_report_from_the_mail_server_alone_makes_paper_service(w, tmp_path):
    dsn_bounce(w.email, tmp_path)

    w.emailed.refresh_from_db()
    assert w.emailed.status == DeliveryStatus.BOUNCED
    assert print_queue_for(w.manager).get().person == w.owner
    assert ViolationEvent.objects.filter(case=w.case, kind="service_failed").exists()


def test_a_bounce_before_the_five_minute_check_is_never_counted_as_served(
    case, owner_for_notices, manager, council_member
):
    """The provider accepted the email, the bounce came back, and only then the check ran."""
    Driver(actor=manager, council=[council_member], deliver=False).to(case, "notice_sent")
    sending.send_batch(sending.claim(limit=10))
    email = OutboundEmail.objects.get(kind="notice", status="sent")
    emailed = case.letters.get(kind="notice").deliveries.get()
    assert emailed.status == DeliveryStatus.QUEUED

    tracking_event_record(email=email, kind="bounce", occurred_at=T0, provider_event_id="evt-9")

    emailed.refresh_from_db()
    case.refresh_from_db()
    assert (emailed.status, emailed.deemed_given_on, case.response_deadline) == (
        "bounced",
        None,
        None,
    )
    assert print_queue_for(manager).get().person == owner_for_notices
    assert services.violation_services_check() == 0


def test_a_bounce_of_an_email_that_is_not_a_legal_notice_touches_no_case(w):
    reminder = OutboundEmailFactory(
        strata=w.case.strata,
        kind="reminder",
        to_address="olive.notices@example.test",
        person=w.owner,
        about=w.case.uuid,
        status=OutboundEmail.Status.SENT,
    )
    before = snapshot(w.case)

    tracking_event_record(email=reminder, kind="bounce", occurred_at=T0, provider_event_id="r-1")

    w.emailed.refresh_from_db()
    assert w.emailed.status == DeliveryStatus.SENT
    assert snapshot(w.case) == {**before, "audit": before["audit"] + 1}  # the suppression's
    assert not print_queue_for(w.manager).exists()
    later = queue_email(
        kind="reminder", to="olive.notices@example.test", subject="S", body_text="B"
    )
    assert later.status == OutboundEmail.Status.SUPPRESSED


def test_a_bounce_reported_after_the_case_was_settled_reopens_nothing(w, client):
    """Anyone can mail a bounce address: a report arriving once the case is withdrawn (or
    decided) leaves its service and deadline alone and tells staff instead."""
    services.violation_withdraw(case=w.case, actor=w.manager, reason="Resolved with the owner.")
    w.case.refresh_from_db()
    deadline = w.case.response_deadline

    postmark_bounce(client)

    w.emailed.refresh_from_db()
    w.case.refresh_from_db()
    assert w.case.status == "withdrawn"
    assert w.case.response_deadline == deadline
    assert not print_queue_for(w.manager).exists()
    event = w.case.events.latest("id")
    assert (event.kind, event.data["after_decision"]) == ("service_failed", True)
    assert "nothing was reopened" in event.text
