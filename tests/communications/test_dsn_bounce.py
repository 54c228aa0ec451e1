"""A mail server's bounce report (RFC 3464) piped to ``manage.py ingest_bounce``: a failed
delivery is one bounce however often the report arrives, a delay is nothing, and anything
that is not a report is refused in one sentence with a non-zero exit."""

import io
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from communications.dsn import NotADeliveryReport, delivery_report_parse
from communications.models import OutboundEmail, Suppression, TrackingEvent
from tests.communications.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db

REPORTS = Path(__file__).parent / "dsn"
FAILED = REPORTS / "failed.eml"
DELAYED = REPORTS / "delayed.eml"
# The Message-ID the returned message carries, and the report's own.
OUR_UUID = uuid.UUID("5a0f4b8e-3c1d-4e2a-9b7f-2d6c8e1a4f90")
REPORT_ID = "<20261125180213.4Xk9QH2b3Lz9sWm@mail.example-strata.ca>"


@pytest.fixture
def sent():
    return OutboundEmailFactory(
        uuid=OUR_UUID,
        to_address="olive.notices@example.test",
        status=OutboundEmail.Status.SENT,
        provider_message_id="250 2.0.0 Ok: queued as 4Xk9QH2b3Lz9sWm",
    )


def ingest(*args) -> str:
    out = io.StringIO()
    call_command("ingest_bounce", *args, stdout=out)
    return out.getvalue()


def recorded():
    return list(TrackingEvent.objects.values_list("email_id", "kind", "provider_event_id"))


def suppressions():
    return list(Suppression.objects.values_list("address", "reason", "scope"))


def test_the_report_is_read_for_its_recipients_and_the_returned_message_id():
    report = delivery_report_parse(FAILED.read_bytes())

    assert (report.report_id, report.original_message_id) == (
        REPORT_ID,
        f"<{OUR_UUID}@tracker.example-strata.ca>",
    )
    assert [(r.address, r.action, r.status) for r in report.recipients] == [
        ("olive.notices@example.test", "failed", "5.1.1")
    ]
    assert report.recipients[0].diagnostic.startswith("550 5.1.1 <olive.notices@example.test>")
    assert report.dated.isoformat() == "2026-11-25T10:02:13-08:00"


def test_a_failed_delivery_is_one_bounce_however_often_the_report_arrives(sent):
    first = ingest(str(FAILED))
    again = ingest(str(FAILED))

    assert recorded() == [(sent.pk, "bounce", f"dsn:{REPORT_ID}")]
    assert suppressions() == [("olive.notices@example.test", "bounced", "all")]
    # Found by the uuid whatever the domain (OUTBOX_MESSAGE_ID_DOMAIN may have changed since).
    assert first == (
        f"Recorded a bounce of reminder email {sent.message_id} to "
        "olive.notices@example.test (5.1.1): the address is suppressed.\n"
    )
    assert again == f"Already recorded: this report of {sent.message_id}.\n"


def test_the_report_is_read_from_standard_input_as_a_mail_server_pipes_it(sent, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(FAILED.read_bytes())))

    ingest()

    assert recorded() == [(sent.pk, "bounce", f"dsn:{REPORT_ID}")]


def test_a_delayed_delivery_records_nothing(sent):
    out = ingest(str(DELAYED))

    assert out == "Nothing recorded: the report says delayed 4.4.1, not failed.\n"
    assert (recorded(), suppressions()) == ([], [])


def test_a_message_given_up_on_after_retries_is_a_bounce_too(sent, tmp_path):
    """Action: failed with a 4.x.x status: the server stopped trying (the message expired in
    its queue), so the email was never delivered."""
    expired = tmp_path / "expired.eml"
    expired.write_bytes(
        DELAYED.read_bytes()
        .replace(b"Action: delayed", b"Action: failed")
        .replace(b"Status: 4.4.1", b"Status: 4.4.7")
    )

    ingest(str(expired))

    assert recorded() == [
        (sent.pk, "bounce", "dsn:<20261125220540.4Xm2LT0c8Sz9sQq@mail.example-strata.ca>")
    ]


def test_a_report_about_someone_elses_message_records_nothing(sent, tmp_path):
    other = tmp_path / "other.eml"
    other.write_bytes(
        FAILED.read_bytes().replace(str(OUR_UUID).encode(), str(uuid.uuid4()).encode())
    )

    out = ingest(str(other))

    assert out.startswith("Nothing recorded: the returned message <")
    assert (recorded(), suppressions()) == ([], [])


def test_a_report_of_a_failure_to_another_address_is_refused(sent, tmp_path):
    """Anyone can mail the bounce address quoting a Message-ID they saw: the failed
    recipient must be the one the email went to."""
    forged = tmp_path / "forged.eml"
    forged.write_bytes(
        FAILED.read_bytes().replace(b"rfc822; olive.notices@", b"rfc822; someone.else@")
    )

    with pytest.raises(CommandError) as refused:
        ingest(str(forged))

    assert refused.value.returncode == 65
    assert "someone.else@example.test" in str(refused.value)
    assert (recorded(), suppressions()) == ([], [])


NESTED = b"Content-Type: multipart/report; report-type=delivery-status; boundary=b0\n\n" + b"".join(
    f"--b{level}\nContent-Type: multipart/mixed; boundary=b{level + 1}\n\n".encode()
    for level in range(3000)
)


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        pytest.param(
            b"hello, this is not an email at all",
            "This is not a delivery status notification (it is text/plain, not multipart/report).",
            id="junk",
        ),
        pytest.param(
            b"Content-Type: multipart/report; report-type=feedback-report; boundary=b\n\n"
            b"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n\n--b--\n",
            "This report has no message/delivery-status part, so it is not a delivery status "
            "notification.",
            id="a spam complaint report",
        ),
        pytest.param(
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
            b"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.test\n\n"
            b"--b--\n",
            "This delivery status notification names no recipient.",
            id="no recipient",
        ),
        pytest.param(
            NESTED,
            "This message nests too deeply to be a bounce report.",
            id="nested three thousand deep",
        ),
        pytest.param(
            b"Content-Type: multipart/report; boundary=b\n\n" + b"x" * (10 * 1024 * 1024),
            "This message is over 10 MB: not a bounce report.",
            id="too big",
        ),
    ],
)
def test_anything_but_a_report_exits_non_zero_with_one_sentence(sent, tmp_path, content, sentence):
    junk = tmp_path / "junk.eml"
    junk.write_bytes(content)

    with pytest.raises(CommandError) as refused:
        ingest(str(junk))

    assert (str(refused.value), refused.value.returncode) == (sentence, 65)
    assert (recorded(), suppressions()) == ([], [])
    with pytest.raises(NotADeliveryReport):
        delivery_report_parse(content)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError) as refused:
        ingest(str(tmp_path / "nowhere.eml"))

    assert (
        str(refused.value) == f"Cannot read {tmp_path / 'nowhere.eml'}: No such file or directory."
    )
