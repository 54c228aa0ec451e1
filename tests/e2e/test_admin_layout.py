"""The dashboard and a wide list fit a 1280 px screen and a phone: the page never scrolls
sideways (a wide table scrolls inside its own box), and nothing logs an error."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": (1280, 800), "phone": (390, 844)}
PAGES = {"dashboard": "/admin/", "outbox": "/admin/communications/outboundemail/"}


@pytest.fixture
def outbox(strata):
    from tests.communications.factories import OutboundEmailFactory

    for i in range(12):
        OutboundEmailFactory(
            strata=strata,
            to_address=f"a.rather.long.owner.address.{i:02d}@harbourview-residents.example.test",
            subject=f"Notice of a bylaw contravention hearing for strata lot {i} and its parking",
            status="failed",
            attempts=2,
        )


@pytest.mark.parametrize("screen", SCREENS)
def test_dashboard_and_outbox_fit_the_screen(
    browser, live_server, manager, owner, outbox, tmp_path, screen
):
    width, height = SCREENS[screen]
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager@example.test")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_selector("#register-dashboard")
    too_wide = {}
    for name, path in PAGES.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("#content")
        page.screenshot(path=str(tmp_path / f"{name}-{screen}.png"), full_page=True)
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            too_wide[name] = scroll_width
    assert too_wide == {}, f"pages wider than {width} px (they scroll sideways)"
    assert errors == []
