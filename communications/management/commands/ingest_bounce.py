"""Record one bounce from a delivery status notification (RFC 3464), for a mail server that
pipes bounces to a command instead of a provider's webhook (docs/operations.md, "Provider
webhooks and bounces")."""

import hashlib
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from communications.dsn import NotADeliveryReport, delivery_report_parse
from communications.message_ids import outbound_email_find
from communications.models import TrackingEvent
from communications.services import tracking_event_record

# sysexits.h EX_DATAERR: the mail server returns the input as undeliverable, not retried.
EX_DATAERR = 65


class Command(BaseCommand):
    help = (
        "Read one delivery status notification (multipart/report) from a file or standard "
        "input. A recipient the mail server gave up on (Action: failed) is a bounce of the "
        "email its returned Message-ID names: the address is suppressed and a bounced legal "
        "notice becomes paper service. A delay records nothing. The same report twice records "
        "one bounce."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="the report as a file (default: stdin)")

    def handle(self, *args, path=None, **options):
        raw = self._read(path)
        try:
            report = delivery_report_parse(raw)
        except NotADeliveryReport as error:
            raise CommandError(str(error), returncode=EX_DATAERR) from error
        failures = report.failures
        if not failures:
            states = ", ".join(f"{r.action} {r.status}".strip() for r in report.recipients)
            self.stdout.write(f"Nothing recorded: the report says {states}, not failed.")
            return
        email = outbound_email_find(message_id=report.original_message_id)
        if email is None:
            self.stdout.write(
                "Nothing recorded: the returned message "
                f"{report.original_message_id or '(none returned)'} is not one of our emails."
            )
            return
        if not any(failure.address.strip("<>") == email.to_address for failure in failures):
            raise CommandError(
                f"Refused: the report says delivery failed to "
                f"{', '.join(failure.address for failure in failures)}, but "
                f"{email.message_id} went to another address.",
                returncode=EX_DATAERR,
            )
        # The report's own Message-ID names it; one without gets a digest of its bytes.
        key = report.report_id or f"sha256:{hashlib.sha256(raw).hexdigest()}"
        event = tracking_event_record(
            email=email,
            kind=TrackingEvent.Kind.BOUNCE,
            occurred_at=report.dated or timezone.now(),
            provider_event_id=f"dsn:{key}"[:255],
        )
        if event is None:
            self.stdout.write(f"Already recorded: this report of {email.message_id}.")
            return
        failure = failures[0]
        self.stdout.write(
            f"Recorded a bounce of {email.get_kind_display()} email {email.message_id} to "
            f"{email.to_address} ({failure.status or 'no status'}): the address is suppressed."
        )

    def _read(self, path: str | None) -> bytes:
        if not path or path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as file:
                return file.read()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
