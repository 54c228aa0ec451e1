"""The staff admin in a real browser: log in, open a unit."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_logs_in_and_opens_a_unit(browser, live_server, manager, owner, artifacts_dir):
    page = browser.new_page()
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: console_errors.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager@example.test")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_selector("#register-dashboard")
    assert "Harbour View" in page.inner_text("#register-dashboard")

    page.goto(f"{live_server.url}/admin/properties/unit/")
    page.click("text=101")
    page.wait_for_selector("#occupancies-group")
    assert page.input_value("#id_unit_number") == "101"
    assert owner.full_name in page.inner_text("#occupancies-group")
    page.screenshot(path=str(artifacts_dir / "admin-unit.png"), full_page=True)
    # The Content-Security-Policy blocks nothing the admin needs (it would log an error).
    assert console_errors == []


def test_an_emails_html_is_shown_sandboxed_and_its_scripts_never_run(
    browser, live_server, manager, strata, artifacts_dir
):
    from communications.services import queue_email

    email = queue_email(
        kind="reminder",
        to="owner@example.test",
        strata=strata,
        subject="Reminder",
        body_text="Text part",
        body_html='<p id="greeting">Hello from the email</p>'
        "<script>window.top.document.title = 'pwned'</script>",
        dedup_key="reminder:browser",
    )
    page = browser.new_page()
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager@example.test")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    page.goto(f"{live_server.url}/admin/communications/outboundemail/{email.pk}/change/")
    frame = page.frame_locator("iframe.email-html")
    assert frame.locator("#greeting").inner_text() == "Hello from the email"
    assert page.title() != "pwned"
    assert "Text part" in page.inner_text("pre.email-text")
    page.screenshot(path=str(artifacts_dir / "admin-outbox-email.png"), full_page=True)
    # The sandbox blocks the script; Chromium reports that as the only console error.
    assert console_errors
    assert [error for error in console_errors if "sandboxed" not in error] == []
