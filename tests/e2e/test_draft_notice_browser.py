"""The send-notice page in a real browser at 1280 x 800: the draft notice reads whole on the
page (its frame is as tall as the letter), so the fine, the right to answer and the deadline
are never cut off inside a box of their own; and the letter still runs no script."""

import pytest

from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A real complaint reads longer than the factory's one line.
DESCRIPTION = "\n\n".join(
    [
        "Loud amplified music and shouting from the balcony of the unit, audible in units 201, "
        "202 and 301 with their windows closed, from about 11 p.m. until after 2 a.m.",
        "The caretaker knocked at 12:40 a.m. and asked for the music to be turned down; it was, "
        "for about twenty minutes, then it was as loud as before.",
        "Two neighbours wrote to the strata manager the next morning; one attached a recording "
        "made from her bedroom, and the other a log of the times he was woken.",
        "The same unit was the subject of a similar complaint in the summer, which was resolved "
        "informally after a conversation with the owner.",
    ]
)
BYLAW_TEXT = (
    "An owner, tenant, occupant or visitor must not use a strata lot, the common property or "
    "common assets in a way that causes a nuisance or hazard to another person, causes "
    "unreasonable noise, unreasonably interferes with the rights of other persons to use and "
    "enjoy the common property, common assets or another strata lot, is illegal, or is contrary "
    "to a purpose for which the strata lot or common property is intended as shown expressly "
    "or by necessary implication on or by the strata plan."
)


@pytest.fixture
def draft(strata, unit, owner, manager):
    from tests.violations.factories import BylawFactory, ViolationFactory
    from violations import services

    bylaw = BylawFactory(strata=strata, number="3.1", title="Nuisance", text=BYLAW_TEXT)
    case = ViolationFactory(unit=unit, bylaws=[bylaw], description=DESCRIPTION)
    services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")
    return case


def test_the_send_notice_page_shows_the_whole_draft(browser, live_server, draft, artifacts_dir):
    from violations.selectors import letters

    notice = draft.letters.get(kind="notice")
    assert notice.html.count("<script") == 0
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager@example.test")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    page.goto(f"{live_server.url}/admin/violations/violation/{draft.pk}/transition/send_notice/")
    frame_element = page.locator("#draft-notice iframe")
    letter = page.frame_locator("#draft-notice iframe")
    parts = {
        "the fine": letter.get_by_text("Council is considering a fine of up to $"),
        "the right to answer": letter.get_by_text(letters.RIGHT_TO_ANSWER[:40]),
        "the deadline": letter.locator("strong", has_text="(end of day,"),
        "the last line": letter.get_by_text("Send your reply by mail to"),
    }
    for part in parts.values():
        part.wait_for()

    def cut_off() -> list[str]:
        """The parts of the letter outside its frame's box on the page (none, once fitted)."""
        frame = frame_element.bounding_box()
        hidden = []
        for name, part in parts.items():
            box = part.bounding_box()
            if not (
                part.is_visible()
                and box["y"] >= frame["y"]
                and box["y"] + box["height"] <= frame["y"] + frame["height"]
            ):
                hidden.append(name)
        return hidden

    # The frame is fitted to the letter once the letter has loaded.
    wait_until(
        lambda: not cut_off(),
        timeout=5,
        message="the draft's frame cuts off the fine, the right to answer or the deadline",
    )
    frame_box = frame_element.bounding_box()
    assert frame_box["y"] + frame_box["height"] <= page.evaluate(
        "document.documentElement.scrollHeight"
    )
    page.screenshot(path=str(artifacts_dir / "send-notice-draft.png"), full_page=True)
    assert errors == []


def test_a_script_in_the_draft_never_runs_on_the_send_notice_page(browser, live_server, draft):
    from violations.models import Letter

    notice = draft.letters.get(kind="notice")
    Letter.objects.filter(pk=notice.pk).update(
        html=notice.html + '<p id="end">End of the letter.</p>'
        "<script>window.top.document.title = 'pwned'; document.title = 'ran'</script>"
        '<img src="data:," onerror="window.top.document.title = \'pwned\'">'
    )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "manager@example.test")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    page.goto(f"{live_server.url}/admin/violations/violation/{draft.pk}/transition/send_notice/")
    letter = page.frame_locator("#draft-notice iframe")

    assert letter.locator("#end").inner_text() == "End of the letter."
    wait_until(
        lambda: page.evaluate(
            "(() => { const f = document.querySelector('#draft-notice iframe');"
            " return f.getBoundingClientRect().height >="
            " f.contentDocument.documentElement.scrollHeight; })()"
        ),
        timeout=5,
        message="the draft's frame was not fitted to the letter",
    )
    assert page.title() != "pwned"
    assert (
        page.evaluate("document.querySelector('#draft-notice iframe').contentDocument.title")
        != "ran"
    )
