"""The personal case link on the letters to a party (issue 15, item 1; DESIGN §8): a link in
the email that serves a notice, hearing notice, decision or fine notice, and on paper a page
printed with the letter (short address, the secret to type, a QR code); revoked when the case
closes. The secret is stored only as its hash, and the letter itself never changes."""

import datetime as dt
import hashlib
import io
import re
import zipfile

import pypdf
import pytest
import segno
import time_machine
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.login_tokens import secret_hash, token_check
from accounts.models import AuditLog, LoginToken
from communications.models import OutboundEmail
from tests.properties.factories import PersonFactory
from tests.violations.drive import FAST_HASHERS, T0, Driver, deliver_emails
from tests.violations.factories import ViolationFactory
from violations import services
from violations.models import CaseFileExport, DeliveryMethod, Letter, LetterDelivery
from violations.selectors import letters
from violations.selectors.case_file.contents import build_contents
from violations.services.case_file import case_file_export
from violations.services.case_links import case_link_make, case_link_read, case_link_url

pytestmark = pytest.mark.django_db

PRINT_QUEUE = "admin:violations_letterdelivery_changelist"
SECRET = re.compile(r"/r/([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})/")
CASE_LINK = LoginToken.Purpose.CASE_LINK


@pytest.fixture(autouse=True)
def _clock_hashers_and_scanner(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.CLAMAV_SOCKET = ""
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def driver(manager, council_member):
    """Emails stay in the outbox until the test delivers them."""
    return Driver(actor=manager, council=[council_member], deliver=False)


def tenant_notice(driver, case, tenant) -> Letter:
    """Terry, the tenant, is the respondent: he gave no email (paper); Olive, his landlord,
    is emailed."""
    driver.to(case, "notice_sent", respondent_role="tenant", respondent=tenant)
    return case.letters.get(kind="notice")


def secrets_in(text: str) -> list[str]:
    return SECRET.findall(text)


def where_stored(raw: str) -> list[str]:
    """Every text column of every table holding ``raw`` (with or without its dashes)."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            as_text = model._base_manager.annotate(_text=Cast(field.attname, models.TextField()))
            for needle in (raw, raw.replace("-", "")):
                rows = as_text.filter(_text__contains=needle).values_list("pk", flat=True)
                found += [f"{model._meta.label}.{field.attname}#{pk}" for pk in rows]
    return sorted(set(found))


def stored_pdf(letter: Letter) -> bytes:
    with letter.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def opened_by(raw: str) -> tuple:
    """Who and what a secret opens: (person uuid, case uuid, strata id, expiry)."""
    token = token_check(raw, CASE_LINK).token
    return token.subject, token.target, token.strata_id, token.expires_at


def download(client, services_):
    return client.post(
        reverse(PRINT_QUEUE),
        {"action": "download_pdfs", "_selected_action": [s.pk for s in services_], "index": 0},
    )


# --- by email ---------------------------------------------------------------------------------


def test_the_notice_email_to_a_party_carries_a_link_to_exactly_that_person_and_case(
    case, driver, owner_for_notices
):
    driver.to(case, "notice_sent")
    notice = case.letters.get(kind="notice")
    email = OutboundEmail.objects.get(kind="notice")

    [raw] = secrets_in(email.body_text)
    url = case_link_url(raw)
    assert email.person == owner_for_notices
    assert email.sensitive is True
    assert email.body_text.startswith(f"{letters.html_to_text(notice.html).rstrip()}\n\n--\n")
    assert f"Your personal link to this case:\n{url}\n" in email.body_text
    assert "It works for 30 days or until the case is closed." in email.body_text
    assert "Do not forward this email" in email.body_text
    assert f'<a href="{url}">{url}</a>' in email.body_html
    assert email.body_html.startswith(notice.html)
    assert opened_by(raw) == (
        owner_for_notices.uuid,
        case.uuid,
        case.strata_id,
        T0 + dt.timedelta(days=30),
    )
    token = LoginToken.objects.get()
    assert token.token_hash == secret_hash(raw)
    assert where_stored(raw) == [
        f"communications.OutboundEmail.body_html#{email.pk}",
        f"communications.OutboundEmail.body_text#{email.pk}",
    ]
    opened = case_link_read(raw)
    assert (opened.problem, opened.case, opened.party.person) == ("", case, owner_for_notices)

    deliver_emails()

    email.refresh_from_db()
    assert (email.status, email.body_text, email.body_html) == ("sent", "", "")
    assert email.body_purged_at == T0
    assert where_stored(raw) == []
    [sent] = mail.outbox
    assert sent.to == ["Olive Owner <olive.notices@example.test>"]
    assert url in sent.body
    assert case_link_read(raw).problem == ""  # the link works after the body is gone


def test_the_letter_itself_is_unchanged_by_the_link(case, driver, owner_for_notices):
    driver.to(case, "notice_sent")
    notice = case.letters.get(kind="notice")
    [raw] = secrets_in(OutboundEmail.objects.get(kind="notice").body_text)

    data = stored_pdf(notice)
    assert notice.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert "/r/" not in notice.html
    assert raw not in notice.html
    assert "/r/" not in pdf_text(data)
    assert "personal link" not in pdf_text(data)


def test_the_complainant_acknowledgement_and_a_warning_carry_no_link(
    case, driver, manager, strata, owner_for_notices
):
    nora = PersonFactory(
        strata=strata,
        full_name="Nora Neighbour",
        email="nora@example.test",
        email_for_notices="nora@example.test",
        email_for_notices_given_on=dt.date(2025, 3, 1),
    )
    services.violation_add_complaint(
        case=case,
        actor=manager,
        complaint={"channel": "letter", "received_on": dt.date(2026, 11, 3), "complainant": nora},
    )
    driver.to(case, "warned")

    acknowledgement = OutboundEmail.objects.get(person=nora)
    warning = OutboundEmail.objects.get(kind="notice", person=owner_for_notices)
    assert acknowledgement.subject == letters.subject(
        case.letters.get(kind="complainant_acknowledgement")
    )
    assert warning.subject == letters.subject(case.letters.get(kind="warning"))
    for email in (acknowledgement, warning):
        assert email.sensitive is False
        assert "/r/" not in email.body_text + email.body_html
        assert "personal link" not in email.body_text
    assert not LoginToken.objects.exists()


def test_two_parties_get_two_different_links(case, driver, tenant, owner_for_notices):
    tenant.email_for_notices = "terry@example.test"
    tenant.email_for_notices_given_on = dt.date(2025, 6, 1)
    tenant.save()
    tenant_notice(driver, case, tenant)

    by_person = {
        email.person: secrets_in(email.body_text)
        for email in OutboundEmail.objects.filter(kind="notice")
    }
    [terry], [olive] = by_person[tenant], by_person[owner_for_notices]
    assert terry != olive
    assert opened_by(terry)[:2] == (tenant.uuid, case.uuid)
    assert opened_by(olive)[:2] == (owner_for_notices.uuid, case.uuid)
    assert LoginToken.objects.count() == 2


def test_serving_again_by_email_makes_a_fresh_link(case, driver, manager, owner_for_notices):
    driver.to(case, "notice_sent")
    deliver_emails()
    [first] = secrets_in(mail.outbox[0].body)
    party = case.parties.get(person=owner_for_notices)

    services.violation_reserve(case=case, actor=manager, party=party, method=DeliveryMethod.EMAIL)

    again = OutboundEmail.objects.get(dedup_key__endswith=f"{owner_for_notices.uuid}:v2")
    [second] = secrets_in(again.body_text)
    assert again.sensitive is True
    assert second != first
    assert opened_by(second)[:2] == opened_by(first)[:2] == (owner_for_notices.uuid, case.uuid)
    assert case_link_read(first).problem == case_link_read(second).problem == ""


def test_staff_see_that_an_email_carried_the_link_but_never_the_link(
    client, case, driver, manager, owner_for_notices
):
    driver.to(case, "notice_sent")
    email = OutboundEmail.objects.get(kind="notice")
    [raw] = secrets_in(email.body_text)
    client.force_login(manager)

    outbox_page = client.get(reverse("admin:communications_outboundemail_change", args=[email.pk]))
    case_page = client.get(reverse("admin:violations_violation_change", args=[case.pk]))

    assert (outbox_page.status_code, case_page.status_code) == (200, 200)
    assert "This email carries a sign-in link" in outbox_page.text
    for page in (outbox_page, case_page):
        assert raw not in page.text
        assert "/r/" not in page.text


def test_the_case_file_notes_the_link_and_never_holds_it(case, driver, manager, tenant):
    tenant_notice(driver, case, tenant)
    [raw] = secrets_in(OutboundEmail.objects.get(kind="notice").body_text)
    unread = CaseFileExport(case=case, purpose=CaseFileExport.Purpose.COUNCIL)

    [row] = build_contents(case, unread, T0).context["letters"]
    export = case_file_export(case=case, actor=manager, purpose="council")

    notes = {item["service"].person.full_name: item["link_note"] for item in row["services"]}
    assert notes == {
        "Olive Owner": "The email also carried the person's own case link (not kept).",
        "Terry Tenant": "",
    }
    with export.pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    with export.archive.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
        files = b"".join(archive.read(name) for name in archive.namelist())
    assert "Notice of complaint" in text
    assert raw not in text
    assert "/r/" not in text
    assert raw.encode() not in files
    assert stored_pdf(case.letters.get(kind="notice")) in files  # the letter as issued


# --- on paper ---------------------------------------------------------------------------------


def qr_matrix(page: pypdf.PageObject) -> list[list[int]]:
    """The QR code drawn on the page, read back from the PDF: segno's inline SVG is one path
    of horizontal runs (``x y m`` to ``x2 y l``) in module units, after its ``scale`` ``cm``."""
    stream = page.get_contents().get_data().decode("latin-1")
    path = stream.split("5 0 0 5 0 0 cm", 1)[1].split("\nB\n", 1)[0]
    runs = re.findall(r"([\d.]+) ([\d.]+) m\n([\d.]+) \2 l", path)
    size = max(int(float(y)) for _x, y, _x2 in runs) + 1 + 4
    grid = [[0] * size for _ in range(size)]
    for x, y, x2 in runs:
        for column in range(int(float(x)), int(float(x2))):
            grid[int(float(y))][column] = 1
    return [row[4:-4] for row in grid[4:-4]]


def test_the_print_queue_zip_holds_the_case_link_page_after_the_letter(
    client, case, driver, manager, tenant, owner_for_notices
):
    notice = tenant_notice(driver, case, tenant)
    letter_bytes = stored_pdf(notice)
    terry = notice.deliveries.get(person=tenant)
    client.force_login(manager)

    response = download(client, [terry])

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    letter_name = f"001-{case.reference}-notice-terry-tenant.pdf"
    page_name = f"001-{case.reference}-notice-terry-tenant_case-link.pdf"
    assert archive.namelist() == [letter_name, page_name]
    assert sorted(archive.namelist()) == archive.namelist()
    assert archive.read(letter_name) == letter_bytes == stored_pdf(notice)
    assert hashlib.sha256(letter_bytes).hexdigest() == notice.pdf_sha256

    reader = pypdf.PdfReader(io.BytesIO(archive.read(page_name)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    [raw] = secrets_in(text)
    url = case_link_url(raw)
    assert "Your personal case link" in text
    assert f"For Terry Tenant, about case {case.reference}" in text
    assert f"\n{url}\n" in text
    assert f"Or go to {settings.SITE_URL}/r/ and type this code:\n{raw}\n" in text
    assert "It works for 30 days or until the case is closed." in text
    assert qr_matrix(reader.pages[0]) == [
        [int(bool(module)) for module in row] for row in segno.make(url, error="m").matrix
    ]
    assert opened_by(raw)[:2] == (tenant.uuid, case.uuid)
    assert where_stored(raw) == []
    audit = AuditLog.objects.get(action="resident.case_link_printed")
    assert (audit.actor, audit.target_uuid, audit.changes) == (
        manager,
        case.uuid,
        {
            "person": str(tenant.uuid),
            "letter": str(notice.uuid),
            "link": str(LoginToken.objects.get(subject=tenant.uuid, target=case.uuid).uuid),
        },
    )
    assert LetterDelivery.objects.get(pk=terry.pk).status == "pending"  # nothing recorded


def test_each_download_makes_a_new_link_and_the_earlier_one_still_works(
    client, case, driver, manager, tenant
):
    terry = tenant_notice(driver, case, tenant).deliveries.get(person=tenant)
    page_name = f"001-{case.reference}-notice-terry-tenant_case-link.pdf"
    client.force_login(manager)

    first, second = (download(client, [terry]) for _ in range(2))

    [first], [second] = (
        secrets_in(pdf_text(zipfile.ZipFile(io.BytesIO(r.content)).read(page_name)))
        for r in (first, second)
    )
    assert first != second
    assert case_link_read(first).problem == case_link_read(second).problem == ""
    assert LoginToken.objects.filter(subject=tenant.uuid, target=case.uuid).count() == 2


def test_a_paper_letter_to_someone_not_a_party_gets_no_link_page(
    client, case, manager, strata, owner_for_notices
):
    nora = PersonFactory(strata=strata, full_name="Nora Neighbour", email="", email_for_notices="")
    services.violation_add_complaint(
        case=case,
        actor=manager,
        complaint={"channel": "letter", "received_on": dt.date(2026, 11, 3), "complainant": nora},
    )
    acknowledgement = LetterDelivery.objects.get(person=nora)
    client.force_login(manager)

    response = download(client, [acknowledgement])

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [
        f"001-{case.reference}-complainant_acknowledgement-nora-neighbour.pdf"
    ]
    assert not LoginToken.objects.exists()
    assert not AuditLog.objects.filter(action="resident.case_link_printed").exists()


def test_a_refused_download_makes_no_link(client, case, driver, manager, tenant):
    notice = tenant_notice(driver, case, tenant)
    before = LoginToken.objects.count()
    notice.pdf.storage.delete(notice.pdf.name)
    client.force_login(manager)

    response = download(client, [notice.deliveries.get(person=tenant)])

    assert response.status_code == 302
    assert LoginToken.objects.count() == before


# --- closing the case revokes its links -------------------------------------------------------


def test_withdrawing_a_case_revokes_its_links_and_only_its_links(
    case, driver, manager, strata, unit, owner_for_notices
):
    driver.to(case, "notice_sent")
    [raw] = secrets_in(OutboundEmail.objects.get(kind="notice").body_text)
    other = ViolationFactory(unit=unit, reference="VIO-20261101-002")
    services.violation_prepare_notice(case=other, actor=manager, respondent_role="owners")
    kept = case_link_make(other, owner_for_notices)

    services.violation_withdraw(case=case, actor=manager, reason="The complainant withdrew.")

    token = LoginToken.objects.get(token_hash=secret_hash(raw))
    assert token.revoked_at == T0
    assert case_link_read(raw).problem == "closed"
    assert token_check(raw, CASE_LINK).problem == "revoked"
    assert token_check(kept, CASE_LINK).problem == ""
    assert case_link_read(kept).problem == ""


@pytest.mark.parametrize(
    ("how", "problem"),
    # Before the notice Olive is no party: her link opens nothing at all.
    [("reject", "unknown"), ("close", "closed")],
)
def test_rejecting_or_closing_a_case_revokes_its_links(
    case, driver, manager, owner_for_notices, how, problem
):
    if how == "close":
        driver.to(case, "warned")
    raw = case_link_make(case, owner_for_notices)

    if how == "reject":
        services.violation_reject(case=case, actor=manager, reason="Not a bylaw matter.")
    else:
        services.violation_close(case=case, actor=manager)

    assert LoginToken.objects.get(token_hash=secret_hash(raw)).revoked_at == T0
    assert token_check(raw, CASE_LINK).problem == "revoked"
    assert case_link_read(raw).problem == problem
