"""Issue 13's walkthrough, in a real browser at 1280 px and at 390 px: a manager files a
complaint with a photo, sends the notice, serves the tenant by a slip under the door and the
owner by email, corrects a mistyped response date, schedules, reschedules and holds the
hearing, records council's decision and exports a redacted case file, with no console error
and no answer of 400 or more on the way; the exported photos carry no EXIF.

Unit 101 of Harbour View is owned by Olive, who gave an email for notices, and let to Terry,
who gave none; Terry is the respondent, so both are served. The walk starts at 10:00 in
Vancouver on Wednesday November 25, 2026; the clock (the live server's too) moves forward
between the days a manager would come back.
"""

import datetime as dt
import io
import time
import zipfile

import pytest
from PIL import Image

from tests.e2e.walkthrough_steps import Clock, Walk, at, photo_with_gps
from tests.violations.drive import deliver_emails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": (1280, 800), "phone": (390, 844)}
CASES = "/admin/violations/violation/"


@pytest.fixture
def world(strata, unit, owner, tenant, manager, council_member):
    from accounts.models import StrataMembership
    from tests.accounts.factories import MembershipFactory, UserFactory
    from tests.violations.factories import BylawFactory

    owner.full_name = "Olive Owner"
    owner.email = "olive@example.test"
    owner.email_for_notices = "olive.notices@example.test"
    owner.email_for_notices_given_on = dt.date(2024, 1, 10)
    owner.save()
    for email, name in [("cora@example.test", "Cora Council"), ("cy@example.test", "Cy Council")]:
        MembershipFactory(
            strata=strata,
            role=StrataMembership.Role.COUNCIL,
            user=UserFactory(email=email, full_name=name),
        )
    bylaw = BylawFactory(
        strata=strata,
        number="3.1",
        title="Nuisance and noise",
        text="An owner, tenant or occupant must not cause unreasonable noise.",
        revision=dt.date(2020, 1, 1),
    )
    return {"bylaw": bylaw, "owner": owner, "tenant": tenant}


@pytest.fixture
def clock():
    clock = Clock()
    yield clock
    clock.stop()


@pytest.mark.parametrize("screen", SCREENS)
def test_a_case_from_complaint_to_redacted_case_file(
    browser, live_server, world, clock, tmp_path, screen
):
    from violations.models import Evidence, Violation

    started = time.monotonic()
    width, height = SCREENS[screen]
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    walk = Walk(
        page=context.new_page(),
        base_url=live_server.url,
        shots=tmp_path,
        screen=screen,
        email="manager@example.test",
    )
    page = walk.page
    tenant, bylaw = world["tenant"], world["bylaw"]

    # --- Wednesday November 25: the complaint, the notice, the service ------------------------
    clock.to(at(11, 25, 10))
    walk.visit("/admin/")
    walk.visit(f"{CASES}add/")
    page.click(".field-unit .select2-selection")
    page.fill(".select2-search__field", "101")
    page.click(".select2-results__option:has-text('101')")
    page.select_option('[name="bylaws"]', str(bylaw.pk))
    walk.fill_date("incident_on", dt.date(2026, 11, 24))
    walk.fill("incident_time", "23:40")
    walk.fill("incident_place", "Balcony of unit 101")
    walk.fill("description", "Loud music and shouting from the balcony until after 2 a.m.")
    walk.choose("channel", "Email")
    walk.fill_date("received_on", dt.date(2026, 11, 25))
    walk.fill("complainant_name", "Nadia Neighbour (unit 201)")
    walk.fill("details", "The music woke me at 11:40 p.m.; my photo of the balcony is attached.")
    walk.check("disclosure_warned")
    page.set_input_files(
        '[name="evidence_files"]',
        files=[{"name": "balcony.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}],
    )
    walk.shot("complaint-form")
    walk.submit("#case-report-form input[name=_file]")
    case = Violation.objects.get()
    assert case.status == "reported"
    photo = Evidence.objects.get(case=case)
    assert (photo.original_name, photo.kind) == ("balcony.jpg", Evidence.Kind.IMAGE)
    # The thumbnail (the copy without metadata) loads once it is scrolled to.
    page.locator("#case-evidence").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const img = document.querySelector('#case-evidence img.thumbnail');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    walk.shot("case-filed")

    walk.press("prepare_notice")
    walk.check("respondent_role", "tenant")
    walk.choose("respondent", "Terry Tenant")
    walk.submit()
    walk.press("send_notice")
    assert "olive.notices@example.test" in page.inner_text("#serve-plan")
    walk.shot("send-notice")
    walk.check("confirm")
    walk.submit()
    case.refresh_from_db()
    assert case.status == "notice_sent"
    deliver_emails()  # the outbox sends Olive's email; the five-minute check settles it
    owner_service = case.letters.get(kind="notice").deliveries.get(person=world["owner"])
    assert (owner_service.method, owner_service.status) == ("email", "sent")

    page.reload()
    walk.press("record_service")
    walk.choose("service", "Terry Tenant")
    walk.check("method", "under_door")
    walk.fill_date("on_date", dt.date(2026, 11, 25))
    walk.fill("delivered_by", "Cara, the caretaker")
    walk.shot("record-service")
    walk.submit()
    tenant_service = case.letters.get(kind="notice").deliveries.get(person=tenant)
    assert (tenant_service.method, tenant_service.status) == ("under_door", "sent")
    assert tenant_service.deemed_given_on == dt.date(2026, 11, 29)
    walk.shot("served")

    # --- Tuesday December 1: Terry's letter, typed in with the wrong day, then corrected -------
    clock.to(at(12, 1, 10))
    walk.visit(f"{CASES}{case.pk}/change/")
    walk.press("record_response")
    walk.choose("party", "Terry Tenant")
    walk.fill_datetime("received_at", at(11, 30, 9, 40))  # mistyped: it came today
    walk.choose("channel", "Letter")
    walk.fill("text", "I had friends over for a birthday. I would like to explain to council.")
    walk.submit()
    case.refresh_from_db()
    assert case.status == "responded"

    page.click("#case-responses a.correct-link")
    page.wait_for_selector("#transition-form")
    walk.check("action", "amend")
    walk.fill_datetime("received_at", at(12, 1, 9, 40))
    walk.fill("reason", "Typed the wrong day: the letter came in on December 1.")
    walk.shot("correct-response")
    walk.submit()
    response = case.responses.get()  # the live one: the original is voided
    assert response.received_at == at(12, 1, 9, 40)
    assert "Amends the entry voided on" in page.inner_text("#case-responses")
    walk.shot("response-corrected")

    walk.press("receive_hearing_request")
    walk.choose("party", "Terry Tenant")
    walk.fill_date("requested_on", dt.date(2026, 12, 1))
    walk.fill("reason", "I want to explain in person.")
    walk.submit()
    walk.press("schedule_hearing")
    walk.fill_datetime("scheduled_for", at(12, 10, 19))
    walk.fill("location", "Amenity room")
    walk.shot("schedule-hearing")
    walk.submit()
    deliver_emails()

    # --- Wednesday December 2: the hearing moves; its new notice is slipped under the door ----
    clock.to(at(12, 2, 10))
    walk.visit(f"{CASES}{case.pk}/change/")
    walk.press("schedule_hearing")
    walk.fill_datetime("scheduled_for", at(12, 15, 19))
    walk.fill("location", "Lobby meeting room")
    walk.submit()
    deliver_emails()
    hearing = case.hearings.get()
    assert (hearing.scheduled_for, hearing.location) == (at(12, 15, 19), "Lobby meeting room")
    walk.press("record_service")
    walk.choose("service", "Terry Tenant")
    walk.check("method", "under_door")
    walk.fill_date("on_date", dt.date(2026, 12, 2))
    walk.fill("delivered_by", "Cara, the caretaker")
    walk.submit()
    walk.shot("hearing-rescheduled")

    # --- Tuesday December 15, after the hearing: held, and council decides ---------------------
    clock.to(at(12, 15, 21))
    walk.visit(f"{CASES}{case.pk}/change/")
    walk.press("record_hearing_outcome")
    walk.choose("outcome", "Held")
    walk.fill("minutes", "Terry attended and explained; council asked about the music.")
    walk.submit()
    case.refresh_from_db()
    assert case.status == "awaiting_decision"

    walk.press("record_decision")
    for box in page.locator('[name="members_present"]').all():
        box.check()
    walk.fill("motion", "That a fine of $50 be imposed under bylaw 3.1 for the noise.")
    walk.fill("votes_for", "3")
    walk.fill("votes_against", "0")
    walk.choose("outcome", "Upheld: fine")
    walk.fill("reasons", "The noise was confirmed by the photo and by Terry at the hearing.")
    walk.fill("fine_amount", "50")
    walk.choose("fine_bylaw", "3.1")
    walk.shot("record-decision")
    walk.submit()
    case.refresh_from_db()
    assert case.status == "decided_upheld"
    walk.shot("decided")

    # --- the case file for the tribunal: redacted, its photos without metadata -------------
    page.click("#case-file-export")
    page.wait_for_selector("#transition-form")
    walk.check("purpose", "tribunal")
    walk.fill("requested_by_name", "Civil Resolution Tribunal, file ST-2026-0412")
    walk.submit()
    assert "(redacted)" in page.inner_text("#case-files")
    walk.shot("case-file-exported")
    with page.expect_download() as download:
        page.click("#case-files a:text-is('ZIP')")
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert "-redacted-" in archive.name

    photos = {}
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            try:
                image = Image.open(io.BytesIO(zipped.read(name)))
                image.load()
            except OSError:
                continue
            photos[name] = (dict(image.getexif()), "exif" in image.info)
    assert photos, "the redacted case file has no photo"
    assert {name: meta for name, meta in photos.items() if meta != ({}, False)} == {}

    context.close()
    assert walk.console_errors == []
    assert walk.failed_responses == []
    assert walk.too_wide == {}  # no page scrolls sideways, at 1280 px nor on a phone
    assert time.monotonic() - started < 90
