"""A campaign in a real browser: compose from a template, preview a recipient's email, send a
test, send, watch the progress bar reach 100 % and open the report (issue 16).

The emails really go out, over SMTP to the test's sink, through the outbox's own send task.
Only its timing is the test's: the live server answers one request at a time on the test's
database connection, so instead of a worker beside it, each progress request the page's
script makes first sends one more queued email (one email per task). The bar then climbs
while the browser watches, with no reload.
"""

import pytest
from playwright.sync_api import expect

from campaigns.admin import campaign_views
from campaigns.models import Campaign, CampaignTemplate
from campaigns.queueing import campaign_tick
from communications.tasks import send_emails_task
from properties.models import Occupancy
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ("Olive Owner", "Terry Tenant", "Pat Owner", "Sam Tenant")


@pytest.fixture
def register(strata):
    """Four residents of two units, each with an address."""
    addresses = []
    for number, (owner, tenant) in enumerate((NAMES[:2], NAMES[2:]), start=1):
        unit = UnitFactory(strata=strata, unit_number=f"{number}01", floor=str(number))
        for name, role in ((owner, Occupancy.Role.OWNER), (tenant, Occupancy.Role.TENANT)):
            address = f"{name.split()[0].lower()}@example.test"
            OccupancyFactory(
                unit=unit,
                person=PersonFactory(strata=strata, full_name=name, email=address),
                role=role,
            )
            addresses.append(address)
    return sorted(addresses)


@pytest.fixture
def one_email_per_progress_request(settings, monkeypatch):
    """Queued campaign emails wait; each progress request sends the next one first."""
    settings.OUTBOX_BATCH_SIZE = 1
    waiting: list[int] = []
    monkeypatch.setattr(
        "communications.bulk_queue.enqueue_send", lambda ids, **_: waiting.extend(ids)
    )
    progress = campaign_views.campaign_progress

    def sending_one_more(campaign):
        if waiting:
            send_emails_task.apply(args=[[waiting.pop(0)]])
        else:
            campaign_tick()
        return progress(campaign)

    monkeypatch.setattr(campaign_views, "campaign_progress", sending_one_more)
    return waiting


def test_manager_composes_previews_tests_sends_and_reads_the_report(
    browser,
    live_server,
    strata,
    manager,
    register,
    smtp_sink,
    one_email_per_progress_request,
    artifacts_dir,
):
    CampaignTemplate.objects.create(
        strata=strata,
        name="Water shut-off",
        kind="update",
        subject="Water off on Thursday, {{ recipient_name }}",
        body_markdown="Hello {{ recipient_name }},\n\nThe water is off on **Thursday**.",
    )
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager@example.test")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")

    # Compose: the template fills the subject and the body (compose.js).
    page.goto(f"{live_server.url}/admin/campaigns/campaign/add/")
    page.fill("#id_title", "Water shut-off, building A")
    page.select_option("#id_template", label="Water shut-off (Harbour View)")
    assert page.input_value("#id_subject") == "Water off on Thursday, {{ recipient_name }}"
    assert page.input_value("#id_kind") == "update"
    assert page.is_checked("#campaign-form input[name=groups][value=all]")
    page.screenshot(path=str(artifacts_dir / "campaign-compose.png"), full_page=True)
    page.click("#campaign-form input[name=_save]")
    page.wait_for_selector("#campaign-actions")
    assert "Saved “Water shut-off, building A”." in page.inner_text(".messagelist")
    campaign = Campaign.objects.get()

    # Preview: the count, the first recipients, and the email of one chosen from the list.
    page.click("#campaign-preview")
    assert page.inner_text("#preview-count") == "4"
    page.click("#preview-recipients tr:has-text('terry@example.test') a")
    frame = page.frame_locator("iframe.email-html")
    assert "Hello Terry Tenant," in frame.locator("body").inner_text()
    assert "Unsubscribe from newsletters" in frame.locator("body").inner_text()
    assert page.inner_text("#preview-subject") == "Water off on Thursday, Terry Tenant"
    page.screenshot(path=str(artifacts_dir / "campaign-preview.png"), full_page=True)
    page.click("text=Back to the campaign")

    # A test to the manager's own address, sent at once.
    page.click("#campaign-test-send")
    page.wait_for_selector(".messagelist")
    assert "Test sent to manager@example.test." in page.inner_text(".messagelist")
    assert [to for _sender, to, _raw in smtp_sink.messages] == [["manager@example.test"]]

    # Send, and watch the bar climb to 100 % without reloading the page.
    page.click("#campaign-send")
    page.wait_for_selector("#campaign-progress")
    assert "Sending “Water shut-off, building A” to 4 recipients." in page.inner_text(
        ".messagelist"
    )
    first = page.eval_on_selector("#campaign-progress-bar", "bar => bar.value")
    page.evaluate("window.stillTheSamePage = true")
    # (expect polls from Python: the CSP lets no string be evaluated as script on the page)
    expect(page.locator("#campaign-percent [data-field=percent]")).to_have_text(
        "100", timeout=30_000
    )
    assert page.eval_on_selector("#campaign-progress-bar", "bar => bar.value") == 100
    assert first < 100
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.inner_text("#campaign-progress [data-field=sent]") == "4"
    assert page.inner_text("#campaign-progress [data-field=remaining]") == "0"
    page.screenshot(path=str(artifacts_dir / "campaign-progress.png"), full_page=True)
    delivered = sorted(to[0] for _sender, to, _raw in smtp_sink.messages[1:])
    assert delivered == register
    assert one_email_per_progress_request == []

    # The report: what was delivered, per recipient.
    page.click("#campaign-report")
    assert page.inner_text("#report-sent") == "4"
    assert "mail privacy proxies open every message" in page.inner_text("#report-opens-note")
    assert page.locator("#report-recipients tbody tr").count() == 4
    page.screenshot(path=str(artifacts_dir / "campaign-report.png"), full_page=True)
    assert campaign.recipients.count() == 4
    assert problems == []
