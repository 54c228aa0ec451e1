"""Two clicks at once (DESIGN §6 "Concurrency"): every transition locks the case row and
rechecks its state, so racing calls produce one event, one audit row, one letter and one email
per recipient; racing filings get distinct references. Real threads on PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from accounts.models import AuditLog
from communications.models import OutboundEmail
from tests.violations.drive import FAST_HASHERS, T0, Driver, complaint
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import Letter, LetterDelivery, Violation, ViolationEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


def race(calls):
    """Run ``calls`` in threads that start together; each result or TransitionRefused."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=10)
            return call()
        except TransitionRefused as refusal:
            return refusal
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_concurrent_sends_issue_and_email_the_notice_once(
    transactional_db, case, tenant, owner_for_notices, manager, council_member
):
    tenant.email_for_notices = "terry.notices@example.test"
    tenant.email_for_notices_given_on = T0.date()
    tenant.save()
    Driver(actor=manager).to(
        case, "notice_pending_approval", respondent_role="tenant", respondent=tenant
    )

    def send(actor):
        return lambda: services.violation_send_notice(
            case=Violation.objects.get(pk=case.pk), actor=actor
        )

    results = race([send(manager), send(council_member)])

    sent = [r for r in results if isinstance(r, Letter)]
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert (len(sent), len(refused)) == (1, 1)
    assert refused[0].code == "state"
    assert refused[0].messages[0].startswith("VIO-20261101-001 is Notice sent; ")
    assert ViolationEvent.objects.filter(case=case, kind="send_notice").count() == 1
    assert AuditLog.objects.filter(action="violation.send_notice").count() == 1
    issued = Letter.objects.filter(case=case, kind="notice", issued_at__isnull=False)
    assert list(issued) == sent
    assert sorted(
        OutboundEmail.objects.filter(kind="notice").values_list("to_address", "dedup_key")
    ) == [
        (
            "olive.notices@example.test",
            f"violation:{case.uuid}:notice:{owner_for_notices.uuid}:v1",
        ),
        ("terry.notices@example.test", f"violation:{case.uuid}:notice:{tenant.uuid}:v1"),
    ]
    assert LetterDelivery.objects.filter(letter__case=case).count() == 2
    case.refresh_from_db()
    assert case.status == "notice_sent"


def test_concurrent_filings_in_one_strata_on_one_day_get_distinct_references(
    transactional_db, unit, noise_bylaw, manager, council_member, caretaker
):
    def report(actor):
        return lambda: services.violation_report(
            actor=actor,
            unit=unit,
            bylaws=[noise_bylaw],
            incident_on=T0.date(),
            description="Noise.",
            complaint=complaint(),
        )

    results = race([report(manager), report(council_member), report(caretaker)])

    assert all(isinstance(r, Violation) for r in results)
    assert sorted(r.reference for r in results) == [
        "VIO-20261125-001",
        "VIO-20261125-002",
        "VIO-20261125-003",
    ]
    assert ViolationEvent.objects.filter(kind="report").count() == 3
