"""The case file shows a corrected record whole: the original entry marked voided (when, by
whom and why) beside the entry that amends it, and every correction with the values it
replaced."""

import datetime as dt
from decimal import Decimal

import pypdf
import pytest
import time_machine

from tests.violations.drive import FAST_HASHERS, T0, Driver
from violations import services
from violations.models import CaseFileExport, Payment
from violations.services.case_file import case_file_export
from violations.services.corrections import entry_amend, entry_void

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.CLAMAV_SOCKET = ""
    with time_machine.travel(T0, tick=False):
        yield


def pdf_text(export: CaseFileExport) -> str:
    with export.pdf.open("rb") as handle:
        reader = pypdf.PdfReader(handle)
        text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


@pytest.fixture
def corrected(case, owner_for_notices, manager, council_member):
    """A response amended, a fine's payment voided and compliance amended."""
    Driver(actor=manager, council=[council_member]).to(case, "responded")
    response = case.responses.get()
    entry_amend(
        entry=response,
        actor=manager,
        reason="The letter declines a hearing too.",
        text="It was a wedding. No hearing, thank you.",
        declines_hearing=True,
    )
    services.violation_record_decision(
        case=case,
        actor=manager,
        meeting_on=dt.date(2026, 11, 25),
        members_present=[council_member],
        motion="That the owner be fined $50.",
        votes_for=1,
        votes_against=0,
        outcome="upheld_fine",
        reasons="Loud music.",
        fine_amount=Decimal("50"),
    )
    payment = Payment.objects.create(
        charge=case.charges.get(),
        amount=Decimal("20.00"),
        paid_on=dt.date(2026, 11, 25),
        method=Payment.Method.CHEQUE,
        reference="Cheque 7",
        recorded_by=manager,
    )
    entry_void(entry=payment, actor=manager, reason="The cheque bounced.")
    services.violation_close(case=case, actor=manager, compliance_on=dt.date(2026, 11, 20))
    entry_amend(
        entry=case,
        actor=manager,
        reason="The caretaker heard music on the 20th.",
        compliance_on=dt.date(2026, 11, 21),
    )
    return case


def test_the_case_file_shows_the_voided_original_beside_the_amended_entry(corrected, manager):
    export = case_file_export(case=corrected, actor=manager, purpose=CaseFileExport.Purpose.COUNCIL)

    text = pdf_text(export)

    assert "It was a birthday party; it will not happen again." in text
    assert "Voided on 25 Nov 2026 by manager: The letter declines a hearing too." in text
    assert "It was a wedding. No hearing, thank you." in text
    assert "Amends the entry voided on 25 Nov 2026." in text
    assert "Voided on 25 Nov 2026 by manager: The cheque bounced." in text


def test_the_case_file_lists_every_correction_with_what_it_replaced(corrected, manager):
    export = case_file_export(case=corrected, actor=manager, purpose=CaseFileExport.Purpose.COUNCIL)

    text = pdf_text(export)

    assert "Corrections" in text
    assert (
        "Compliance amended on 25 Nov 2026 by manager: The caretaker heard music on the 20th. "
        "Was: compliance on 20 Nov 2026. Now: compliance on 21 Nov 2026."
    ) in text
    assert "Payment voided on 25 Nov 2026 by manager: The cheque bounced." in text


def test_a_corrected_time_is_written_in_the_stratas_zone(case, owner_for_notices, manager):
    Driver(actor=manager, council=[]).to(case, "responded")
    response = case.responses.get()
    entry_amend(
        entry=response,
        actor=manager,
        reason="The letter came in the morning post.",
        received_at=T0 - dt.timedelta(hours=2),
    )

    text = pdf_text(
        case_file_export(case=case, actor=manager, purpose=CaseFileExport.Purpose.COUNCIL)
    )

    assert "Was: received 25 Nov 2026 10:00 PST. Now: received 25 Nov 2026 08:00 PST." in text
