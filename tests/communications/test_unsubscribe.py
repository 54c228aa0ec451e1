"""Unsubscribing (issue 16, item 4): every non-legal email names its sender and carries an
unsubscribe link and the RFC 8058 one-click headers; legal notices carry neither and are never
stopped by it. The link's page works without signing in, and its POST (a mail client's
one-click or the page's button) writes a newsletters suppression, once."""

from email import message_from_bytes

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog
from communications.decoration import decorate
from communications.mail_links import unsubscribe_email_uuid, unsubscribe_url
from communications.models import OutboundEmail, Suppression, TrackingEvent
from communications.services import queue_email
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
ADDRESS = "owner@example.test"


def _queue(kind, strata, *, to=ADDRESS, html="", key=None):
    return queue_email(
        kind=kind,
        to=to,
        strata=strata,
        subject=f"About the pool ({kind})",
        body_text="The pool closes on Friday.\n",
        body_html=html,
        dedup_key=key or f"test:{kind}:{to}",
    )


def _path(email):
    return unsubscribe_url(email.uuid).removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def sender(strata):
    strata.postal_address = "c/o Manager\nPO Box 1\nVancouver BC V6B 1A1"
    strata.contact_line = "604-555-0100 · manager@example.com"
    strata.save()
    return strata


@pytest.fixture
def anonymous():
    """A mail client: no cookies, CSRF enforced as in production."""
    return Client(enforce_csrf_checks=True)


# --- what an email carries --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["reminder", "campaign"])
def test_a_non_legal_email_names_its_sender_and_carries_the_unsubscribe_link(kind, sender):
    email = _queue(kind, sender)

    url = unsubscribe_url(email.uuid)
    assert email.body_text == (
        "The pool closes on Friday.\n\n-- \nHarbour View\nc/o Manager\nPO Box 1\n"
        "Vancouver BC V6B 1A1\n604-555-0100 · manager@example.com\n"
        f"Unsubscribe from newsletters: {url}\n"
    )
    assert email.headers == {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert OutboundEmail.objects.get(pk=email.pk).headers == email.headers
    assert unsubscribe_email_uuid(url.rstrip("/").rsplit("/", 1)[1]) == email.uuid


@pytest.mark.parametrize("kind", ["notice", "decision", "hearing_notice"])
def test_a_legal_email_carries_no_footer_and_no_unsubscribe_header(kind, sender):
    email = _queue(kind, sender, html="<p>Particulars</p>")

    stored = OutboundEmail.objects.get(pk=email.pk)
    assert (stored.body_text, stored.body_html) == (
        "The pool closes on Friday.\n",
        "<p>Particulars</p>",
    )
    assert stored.headers == {}


def test_a_legal_email_drops_unsubscribe_headers_a_caller_passed(strata):
    email = queue_email(
        kind="notice",
        to=ADDRESS,
        subject="Notice",
        body_text="Particulars",
        dedup_key="test:notice:headers",
        headers={"list-unsubscribe": "<https://x.test/>", "X-Case": "A-1"},
    )

    assert email.headers == {"X-Case": "A-1"}


def test_an_email_of_no_strata_still_carries_the_unsubscribe_link():
    email = queue_email(kind="system", to=ADDRESS, subject="Hello", body_text="Hello.")

    assert email.body_text == (
        f"Hello.\n\n-- \nUnsubscribe from newsletters: {unsubscribe_url(email.uuid)}\n"
    )


def test_the_html_footer_escapes_the_strata_name(strata):
    strata.name = "<script>alert(1)</script> & Co"
    strata.contact_line = ""
    strata.save()

    email = _queue("reminder", strata, html="<html><body><p>Pool</p></body></html>")

    assert email.body_html == (
        '<html><body><p>Pool</p><hr><p style="font-size:small;color:#555">'
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co<br>"
        "c/o Manager, PO Box 1, Vancouver BC V6B 1A1</p>"
        f'<p style="font-size:small"><a href="{unsubscribe_url(email.uuid)}">'
        "Unsubscribe from newsletters</a></p></body></html>"
    )


def test_the_content_window_compares_the_words_not_the_footer(strata):
    first = _queue("reminder", strata, key="test:reminder:1")
    second = queue_email(
        kind="reminder",
        to=ADDRESS,
        strata=strata,
        subject="About the pool (reminder)",
        body_text="The pool closes on Friday.\n",
    )

    assert first.body_text != second.body_text  # each footer links its own row
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)


def test_decorate_leaves_a_legal_row_untouched(strata):
    row = OutboundEmail(
        kind="hearing_notice", strata=strata, body_text="Hearing", body_html="<p>Hearing</p>"
    )

    decorate(row)

    assert (row.body_text, row.body_html, row.headers) == ("Hearing", "<p>Hearing</p>", {})


def test_list_unsubscribe_reaches_the_smtp_server_and_a_notice_carries_none(smtp_sink, strata):
    campaign = _queue("campaign", strata, to="a@example.test")
    _queue("notice", strata, to="b@example.test")

    call_command("send_queued_emails", stdout=None)

    received = {
        recipients[0]: message_from_bytes(raw) for _from, recipients, raw in smtp_sink.messages
    }
    url = unsubscribe_url(campaign.uuid)
    assert received["a@example.test"]["List-Unsubscribe"] == f"<{url}>"
    assert received["a@example.test"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["b@example.test"]["List-Unsubscribe"] is None
    assert received["b@example.test"]["List-Unsubscribe-Post"] is None


def test_a_manager_sets_the_contact_line_in_the_strata_form(client, manager, strata):
    url = reverse("admin:accounts_strata_change", args=[strata.pk])
    client.force_login(manager)
    data = form_data(client.get(url).context["adminform"].form)
    line = "604-555-0100 · manager@example.com"

    refused = client.post(url, {**data, "contact_line": "604-555-0100\nBcc: x@evil.test"})
    saved = client.post(url, {**data, "contact_line": line})

    assert refused.context["adminform"].form.errors == {
        "contact_line": ["This must be on one line."]
    }
    assert saved.status_code == 302
    strata.refresh_from_db()
    assert strata.contact_line == line
    assert line in _queue("reminder", strata).body_text


# --- suppression ------------------------------------------------------------------------------


def test_a_notice_reaches_a_newsletter_suppressed_address_and_a_campaign_does_not(strata):
    Suppression.objects.create(address=ADDRESS, reason="unsubscribed", scope="newsletters")

    notice = _queue("notice", strata)
    campaign = _queue("campaign", strata)

    assert (notice.status, campaign.status) == ("queued", "suppressed")


# --- the page ---------------------------------------------------------------------------------


def test_one_click_post_without_cookies_or_csrf_unsubscribes_and_is_audited(
    _site, anonymous, strata
):
    email = _queue("campaign", strata)

    response = anonymous.post(_path(email), ONE_CLICK, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert response.cookies == {}
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.scope, suppression.reason) == (
        ADDRESS,
        "newsletters",
        "unsubscribed",
    )
    event = TrackingEvent.objects.get()
    assert (event.email_id, event.kind, event.provider_event_id) == (
        email.pk,
        "unsubscribe",
        f"unsubscribe:{email.uuid}",
    )
    entry = AuditLog.objects.get(action="outbox.unsubscribed")
    assert (entry.actor, entry.actor_label, entry.target_uuid, entry.strata) == (
        None,
        "system",
        email.uuid,
        strata,
    )
    assert entry.changes == {"address": ADDRESS, "scope": "newsletters"}
    assert entry.ip_address == "203.0.113.9"
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "outbox.suppressed",
        "outbox.unsubscribed",
    ]


def test_a_second_post_changes_nothing_more(_site, anonymous, strata):
    email = _queue("campaign", strata)
    anonymous.post(_path(email), ONE_CLICK)

    response = anonymous.post(_path(email), ONE_CLICK)

    assert response.status_code == 200
    assert Suppression.objects.count() == 1
    assert TrackingEvent.objects.count() == 1
    assert AuditLog.objects.count() == 2


def test_another_email_to_a_suppressed_address_records_its_unsubscribe_only(
    _site, anonymous, strata
):
    first = _queue("campaign", strata, key="test:campaign:1")
    second = _queue("reminder", strata, key="test:reminder:2")
    anonymous.post(_path(first), ONE_CLICK)
    suppressed_at = Suppression.objects.get().updated_at

    anonymous.post(_path(second), ONE_CLICK)

    assert Suppression.objects.get().updated_at == suppressed_at
    assert TrackingEvent.objects.filter(kind="unsubscribe").count() == 2
    assert AuditLog.objects.filter(action="outbox.unsubscribed").count() == 2
    assert AuditLog.objects.filter(action="outbox.suppressed").count() == 1


def test_opening_the_page_changes_nothing(_site, anonymous, strata):
    email = _queue("campaign", strata)

    response = anonymous.get(_path(email))

    assert response.status_code == 200
    page = response.content.decode()
    assert ADDRESS in page
    assert "Only newsletters and campaigns stop." in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    assert response.cookies == {}
    assert not Suppression.objects.exists()
    assert not TrackingEvent.objects.exists()
    assert not AuditLog.objects.exists()


def test_the_token_of_a_legal_email_only_stops_newsletters(_site, anonymous, strata):
    notice = _queue("notice", strata)

    anonymous.post(_path(notice), ONE_CLICK)

    assert list(Suppression.objects.values_list("scope", flat=True)) == ["newsletters"]
    assert _queue("notice", strata, key="test:notice:again").status == "queued"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "0" * 32 + token[32:],
        lambda token: token.split(":")[0],
        lambda token: "not-a-token",
        lambda token: "%00",
    ],
    ids=["signature", "email", "unsigned", "junk", "nul"],
)
def test_a_tampered_unsubscribe_token_is_a_400_page(_site, anonymous, strata, method, tamper):
    email = _queue("campaign", strata)
    token = _path(email).rstrip("/").rsplit("/", 1)[1]

    response = getattr(anonymous, method)(f"/email/unsubscribe/{tamper(token)}/", ONE_CLICK)

    assert response.status_code == 400
    assert "This unsubscribe link is not valid." in response.content.decode()
    assert not Suppression.objects.exists()
    assert not TrackingEvent.objects.exists()


def test_a_valid_token_of_no_stored_email_is_a_400_page(_site, anonymous):
    row = OutboundEmail(kind="campaign")

    response = anonymous.post(_path(row), ONE_CLICK)

    assert response.status_code == 400
    assert not Suppression.objects.exists()
