"""Issue 15's resident walk in a real browser, at 1280 px and on a 360 px phone: Olive opens
the personal link in the notice email she was sent, confirms it, reads the particulars,
answers with a photo and asks for a hearing; then the manager, in the admin, finds her answer,
her photo and her request on the case with the day the hearing must be held by. No resident
page scrolls sideways, and no page logs a console error or answers 400 or more.

Dates are computed from the strata's today (the suite runs at the real date, or wherever
``STRATATRACKER_TEST_CLOCK`` puts it), never written in.
"""

import datetime as dt
import re
import time
import zoneinfo
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core import mail
from django.forms.models import model_to_dict
from PIL import Image, ImageDraw
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
LINK = re.compile(r"/r/([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})/")
# The phone also runs a strata that holds hearings sooner than SPA s.34.1's four weeks: the
# day shown is always the strata's own.
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "hearing_days": 28},
    "phone": {"viewport": {"width": 360, "height": 740}, "hearing_days": 21},
}
ANSWER = "It was my daughter's birthday; the music stopped at midnight. My photo of the balcony."
HEARING_REASON = "I would like to explain to council in person."


def long_date(day: dt.date) -> str:
    """A day as the resident pages write it ("December 4, 2026")."""
    return f"{day:%B} {day.day}, {day.year}"


def words(text: str) -> str:
    return " ".join(text.split())


def photo(path) -> str:
    image = Image.new("RGB", (320, 240), (90, 120, 160))
    ImageDraw.Draw(image).rectangle((100, 60, 220, 180), fill=(230, 200, 80))
    image.save(path, "JPEG", quality=85)
    return str(path)


@dataclass
class Watch:
    """What went wrong in the browser on the way: console errors, answers of 400 or more, and
    pages wider than the screen."""

    console_errors: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    too_wide: dict[str, int] = field(default_factory=dict)

    def attach(self, page) -> None:
        page.on(
            "console",
            lambda m: (
                self.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        page.on(
            "response",
            lambda r: (
                self.failed_responses.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )

    def fits(self, page, name: str) -> None:
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            self.too_wide[name] = page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture(autouse=True)
def _fast_hashers_no_scanner(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CLAMAV_SOCKET = ""


@pytest.fixture
def notice_sent(screen, strata, unit, owner, manager, council_member):
    """A notice on Olive (owner of unit 101, who gave an email for notices), sent and emailed:
    the case and the personal link the email carries."""
    from accounts.strata_time import strata_today
    from tests.violations.drive import Driver
    from tests.violations.factories import BylawFactory, ViolationFactory

    strata.hearing_deadline_days = SCREENS[screen]["hearing_days"]
    strata.save()
    owner.full_name = "Olive Owner"
    owner.email = "olive@example.test"
    owner.email_for_notices = "olive.notices@example.test"
    owner.email_for_notices_given_on = strata_today(strata) - dt.timedelta(days=400)
    owner.save()
    bylaw = BylawFactory(
        strata=strata,
        number="3.1",
        title="Nuisance and noise",
        text="An owner, tenant or occupant must not cause unreasonable noise.",
        revision=dt.date(2020, 1, 1),
    )
    case = ViolationFactory(
        unit=unit,
        bylaws=[bylaw],
        incident_on=strata_today(strata) - dt.timedelta(days=2),
        incident_place="Balcony of unit 101",
        description="Loud music and shouting from the balcony until after 2 a.m.",
    )
    Driver(actor=manager, council=[council_member]).to(case, "notice_sent")
    [sent] = [m for m in mail.outbox if m.to == ["Olive Owner <olive.notices@example.test>"]]
    [secret] = LINK.findall(sent.body)
    assert f"{settings.SITE_URL}/r/{secret}/" in sent.body
    return case, secret


def link_state(case, secret) -> dict:
    """What following a link could change: the link itself, logins, sessions, the audit."""
    from django.contrib.sessions.models import Session

    from accounts.login_tokens import secret_hash
    from accounts.models import AuditLog, LoginToken, User
    from properties.models import Person

    return {
        "token": model_to_dict(LoginToken.objects.get(token_hash=secret_hash(secret))),
        "users": User.objects.count(),
        "person_user": Person.objects.get(pk=case.parties.get(role="respondent").person_id).user,
        "sessions": Session.objects.count(),
        "audit": AuditLog.objects.count(),
    }


@pytest.mark.parametrize("screen", SCREENS)
def test_a_resident_answers_a_notice_from_its_link_and_the_manager_sees_it(
    browser, live_server, notice_sent, screen, tmp_path, artifacts_dir
):
    from accounts.models import AuditLog
    from accounts.strata_time import strata_today
    from violations.models import Evidence, Hearing, Response

    started = time.monotonic()
    case, secret = notice_sent
    strata = case.strata
    days = strata.hearing_deadline_days
    deadline = case.response_deadline.astimezone(zoneinfo.ZoneInfo(strata.time_zone))
    watch = Watch()
    context = browser.new_context(viewport=SCREENS[screen]["viewport"])
    page = context.new_page()
    watch.attach(page)

    # --- the link: a GET shows what it opens and changes nothing ------------------------------
    before = link_state(case, secret)
    page.goto(f"{live_server.url}/r/{secret}/")
    expect(page.locator("main")).to_contain_text(
        f"This link opens case {case.reference} of {strata.name}."
    )
    watch.fits(page, "case link")
    assert link_state(case, secret) == before
    assert before["person_user"] is None
    assert "sessionid" not in {cookie["name"] for cookie in context.cookies()}

    with page.expect_navigation():
        page.get_by_role("button", name="Continue to your case").click()
    assert page.url == f"{live_server.url}/my/cases/{case.uuid}/"
    assert "sessionid" in {cookie["name"] for cookie in context.cookies()}
    assert AuditLog.objects.filter(action="resident.case_link_used", target_uuid=case.uuid).exists()

    # --- the case as served: the particulars of the notice -----------------------------------
    main = page.locator("main")
    stands = page.locator("section", has=page.get_by_role("heading", name="Where your case stands"))
    expect(page.locator("h1")).to_have_text(f"Case {case.reference}")
    expect(stands.locator("strong").first).to_have_text("Notice sent: you may answer")
    deadline_time = f"{deadline:%-I}:{deadline:%M} {deadline:%p}"
    expect(stands).to_contain_text(
        f"Answer in writing or ask for a hearing by: {long_date(deadline.date())}, {deadline_time}"
    )
    letter = words(page.locator(".letter").inner_text())
    assert "Notice of complaint: alleged contravention of the bylaws" in letter
    assert f"Reference: {case.reference}" in letter
    assert (
        "Bylaw 3.1 Nuisance and noise: An owner, tenant or occupant must not cause unreasonable "
        "noise." in letter
    )
    assert "Where: Balcony of unit 101" in letter
    assert strata.time_zone == "America/Vancouver"
    assert f"Please reply by {long_date(deadline.date())} (end of day, Vancouver time)" in letter
    watch.fits(page, "case")

    # --- the answer, with a photo ----------------------------------------------------------
    page.get_by_role("link", name="Answer in writing").click()
    expect(page.locator("h1")).to_have_text("Answer in writing")
    watch.fits(page, "respond")
    page.get_by_label("Your answer").fill(ANSWER)
    page.set_input_files('input[name="files"]', photo(tmp_path / "balcony.jpg"))
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answer").click()
    assert page.url == f"{live_server.url}/my/cases/{case.uuid}/"
    expect(page.locator(".messages")).to_have_text(
        "Your answer was received. It is on your case now."
    )
    expect(stands.locator("strong").first).to_have_text("Written answer received")
    expect(main).to_contain_text(ANSWER)
    response = Response.objects.get(case=case)
    assert (response.channel, response.text, response.party.person.full_name) == (
        "portal",
        ANSWER,
        "Olive Owner",
    )
    [attached] = response.scans.all()
    assert (attached.original_name, attached.kind) == ("balcony.jpg", Evidence.Kind.IMAGE)

    # --- the hearing request: dated today, held by the strata's deadline ----------------------
    page.get_by_role("link", name="Ask for a hearing").click()
    expect(page.locator("h1")).to_have_text("Ask for a hearing")
    if days < 28:
        expect(main).to_contain_text(f"This strata holds it within {days} days.")
    watch.fits(page, "hearing")
    page.get_by_label("Why you ask for a hearing").fill(HEARING_REASON)
    asked_on = strata_today(strata)
    with page.expect_navigation():
        page.get_by_role("button", name="Ask for a hearing").click()
    hearing = Hearing.objects.get(case=case)
    assert hearing.requested_on in {asked_on, strata_today(strata)}
    hold_by = hearing.requested_on + dt.timedelta(days=days)
    assert hearing.hold_by == hold_by
    assert page.url == f"{live_server.url}/my/cases/{case.uuid}/"
    expect(page.locator(".messages")).to_have_text(
        f"Your request for a hearing was received on {long_date(hearing.requested_on)}. "
        f"Council must hold the hearing by {long_date(hold_by)}."
    )
    expect(stands.locator("strong").first).to_have_text("Hearing asked for: council must hold it")
    expect(stands).to_contain_text(f"Council must hold your hearing by: {long_date(hold_by)}")
    expect(main).to_contain_text(f"Council must hold the hearing by {long_date(hold_by)}.")
    watch.fits(page, "case after the hearing request")
    page.screenshot(path=str(artifacts_dir / f"resident-case-{screen}.png"), full_page=True)

    # --- the resident's other pages fit the screen too ----------------------------------------
    for path, heading in [
        ("/my/", "Your cases"),
        ("/my/units/", "Your units"),
        ("/my/charges/", "Your charges"),
        ("/my/preferences/", "Preferences"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_have_text(heading)
        watch.fits(page, path)
    expect(page.locator("main")).to_contain_text(
        "Notices are emailed to olive.notices@example.test"
    )
    context.close()

    # --- the manager, in the admin, sees it all on the case ------------------------------------
    admin = browser.new_context(viewport={"width": 1280, "height": 800})
    page = admin.new_page()
    watch.attach(page)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager@example.test")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form input[type=submit]")
    page.goto(f"{live_server.url}/admin/violations/violation/{case.pk}/change/")
    responses = page.locator("#case-responses tbody tr")
    expect(responses).to_have_count(1)
    cells = [words(text) for text in responses.first.locator("td").all_inner_texts()]
    # The response's own cell ends with the link that corrects it.
    assert cells[1:] == ["Olive Owner", "Resident portal", f"{ANSWER} Correct", "no", "balcony.jpg"]
    photo_row = page.locator("#case-evidence tbody tr", has_text="balcony.jpg")
    expect(photo_row).to_contain_text("The letter of a response (under Responses)")
    expect(page.locator("#case-hearings thead th").nth(3)).to_have_text("Hold by")
    hearings = page.locator("#case-hearings tbody tr")
    expect(hearings).to_have_count(1)
    cells = [words(text) for text in hearings.first.locator("td").all_inner_texts()]
    assert cells[:4] == [
        hearing.requested_on.isoformat(),
        "Olive Owner",
        HEARING_REASON,
        hold_by.isoformat(),
    ]
    admin.close()

    assert (watch.console_errors, watch.failed_responses, watch.too_wide) == ([], [], {})
    assert time.monotonic() - started < 30
