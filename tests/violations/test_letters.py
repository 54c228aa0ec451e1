"""The notice says what SPA s.135(1) requires, as sent, and is kept exactly as sent."""

import datetime as dt
import hashlib

import pypdf
import pytest
import time_machine
from django.core import mail

from communications.models import OutboundEmail
from tests.violations.drive import FAST_HASHERS, T0, Driver, snapshot
from tests.violations.factories import BylawFactory
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import BylawRevision, Letter

pytestmark = pytest.mark.django_db

OLD_TEXT = "An owner, tenant or occupant must not cause unreasonable noise."
NEW_TEXT = "No owner, tenant or occupant may play amplified music on a balcony at any hour."


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def driver(manager, council_member):
    return Driver(actor=manager, council=[council_member])


def pdf_text(letter: Letter) -> str:
    with letter.pdf.open("rb") as handle:
        reader = pypdf.PdfReader(handle)
        text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def test_the_notice_pdf_states_the_particulars_and_the_bylaw_as_worded_on_the_incident_date(
    case, noise_bylaw, driver, owner_for_notices
):
    # Amended on November 10, after the incident of November 1: the letter quotes the old text.
    BylawRevision.objects.create(
        bylaw=noise_bylaw, text=NEW_TEXT, effective_on=dt.date(2026, 11, 10)
    )
    noise_bylaw.text = NEW_TEXT
    noise_bylaw.save()
    driver.to(case, "notice_sent")
    notice = case.letters.get(kind="notice")
    text = pdf_text(notice)
    for expected in (
        "Harbour View — Strata Plan BCS1234",
        "Strata lot 1, Unit 101",
        f"Bylaw 3.1 Nuisance and noise: {OLD_TEXT}",
        "When: November 1, 2026 at 11:30 p.m. Where: Unit balcony",
        "Council is considering a fine of up to $50.00 for each contravention. For a "
        "continuing contravention, a fine of up to $50.00 may be imposed every 7 days.",
        "Please reply by December 13, 2026 (end of day, Vancouver time)",
        "c/o Manager, PO Box 1, Vancouver BC V6B 1A1",
        "council@example.test",
    ):
        assert expected in text
    assert "amplified music" not in text
    assert "amplified music" not in notice.html


def test_a_notice_with_two_bylaws_and_a_description_over_several_lines_can_be_sent(
    case, strata, noise_bylaw, driver, owner_for_notices
):
    pets = BylawFactory(strata=strata, number="4.2", title="Pets", text="Dogs on a leash.")
    case.bylaws.set([noise_bylaw, pets])
    case.description = "Music until 2 a.m.\nThe dog barked <all night> & more."
    case.save()
    driver.to(case, "notice_sent")
    text = pdf_text(case.letters.get(kind="notice"))
    assert f"Bylaw 3.1 Nuisance and noise: {OLD_TEXT} Bylaw 4.2 Pets: Dogs on a leash." in text
    assert "Music until 2 a.m. The dog barked <all night> & more." in text


def test_an_edited_notice_missing_an_element_is_refused_at_send_and_nothing_is_sent(
    case, driver, manager, owner_for_notices
):
    draft = driver.to(case, "notice_pending_approval").letters.get(kind="notice")
    edited = draft.html.replace("council@example.test", "")
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="owners", html=edited
    )
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as refused:
        services.violation_send_notice(case=case, actor=manager)
    assert refused.value.messages == [
        "The notice cannot go: it does not state an email address for replies "
        "(SPA s.135(1)). Prepare the notice again, or edit it to include them."
    ]
    assert snapshot(case) == before
    assert not OutboundEmail.objects.exists()
    latest = case.letters.filter(kind="notice").latest("id")
    assert (latest.edited, latest.issued_at, latest.pdf.name, latest.html) == (
        True,
        None,
        "",
        edited,
    )


def test_an_edited_notice_that_keeps_every_element_is_sent_as_edited(
    case, driver, manager, owner_for_notices
):
    draft = driver.to(case, "notice_pending_approval").letters.get(kind="notice")
    edited = draft.html.replace("<h1>Notice of complaint", "<h1>Formal notice of complaint")
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="owners", html=edited
    )
    sent = services.violation_send_notice(case=case, actor=manager)
    assert (sent.edited, sent.html) == (True, edited)
    assert "Formal notice of complaint" in pdf_text(sent)


def test_the_letter_html_and_pdf_are_kept_as_sent(case, driver, owner_for_notices):
    driver.to(case, "notice_sent")
    notice = case.letters.get(kind="notice")
    with notice.pdf.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"%PDF-")
    assert notice.pdf_sha256 == hashlib.sha256(stored).hexdigest()
    assert notice.issued_at == T0
    assert notice.pdf.name.startswith("letters/2026/11/VIO-20261101-001-notice-")
    email = OutboundEmail.objects.get(kind="notice")
    # The email carried Olive's case link after the letter, so its body is blanked once sent.
    [sent] = mail.outbox
    assert sent.alternatives[0].content.startswith(notice.html)
    assert email.subject == "Notice of complaint VIO-20261101-001 — Harbour View"


def test_an_edited_notice_without_the_right_to_answer_is_refused(
    case, driver, manager, owner_for_notices
):
    draft = driver.to(case, "notice_pending_approval").letters.get(kind="notice")
    edited = draft.html.replace(
        "You may answer this complaint in writing, and you may ask in writing, giving a "
        "reason, for a hearing before council (Strata Property Act, section 135).",
        "Pay the fine.",
    )
    assert edited != draft.html
    services.violation_prepare_notice(
        case=case, actor=manager, respondent_role="owners", html=edited
    )
    with pytest.raises(TransitionRefused) as refused:
        services.violation_send_notice(case=case, actor=manager)
    assert (
        "the right to answer in writing and to ask in writing for a hearing"
        in (refused.value.messages[0])
    )
    assert not OutboundEmail.objects.exists()


def test_a_case_under_a_bylaw_not_yet_in_force_on_the_incident_date_is_refused(
    strata, unit, owner_for_notices, manager
):
    bylaw = BylawFactory(strata=strata, number="9.9", revision=dt.date(2026, 11, 20))
    with pytest.raises(TransitionRefused) as refused:
        services.violation_report(
            actor=manager,
            unit=unit,
            bylaws=[bylaw],
            incident_on=dt.date(2026, 11, 1),
            description="Music.",
            complaint={
                "channel": "email",
                "received_on": dt.date(2026, 11, 2),
                "complainant_name": "A neighbour",
            },
        )
    assert refused.value.message_dict["bylaws"] == [
        "Bylaw 9.9 Noise had no wording in force on 2026-11-01: a contravention is judged by "
        "the bylaw in force when it happened."
    ]
    assert not unit.violations.exists()
