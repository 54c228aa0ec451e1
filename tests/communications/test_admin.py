"""The outbox, templates, suppressions and the dashboard's outbox panel in the staff admin."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import AuditLog
from communications.email_templates import default_for
from communications.models import EmailStatus, EmailTemplate, OutboundEmail, Suppression
from communications.selectors import outbox_stats_for
from tests.communications.factories import (
    DeliveryAttemptFactory,
    EmailTemplateFactory,
    OutboundEmailFactory,
    SuppressionFactory,
    TrackingEventFactory,
)
from tests.properties.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHANGELIST = reverse("admin:communications_outboundemail_changelist")
INVITATION = "accounts.invitation"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def retry(client, *emails, url=CHANGELIST, field="action"):
    return client.post(url, {field: "retry_selected", "_selected_action": [e.pk for e in emails]})


# --- the outbox: retrying -----------------------------------------------------------------------


def test_manager_retries_a_failed_email_and_it_is_audited(client, manager, strata):
    failed = OutboundEmailFactory(
        strata=strata, status=EmailStatus.FAILED, attempts=5, last_error="550 No such user"
    )
    client.force_login(manager)

    response = retry(client, failed)

    assert response.status_code == 302
    assert messages_of(response) == ["Queued 1 email again."]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (EmailStatus.QUEUED, 0)
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.strata, entry.target_uuid) == (
        "outbox.retried",
        manager,
        strata,
        failed.uuid,
    )
    assert entry.changes == {"status": {"from": "failed", "to": "queued"}}


def test_retry_leaves_emails_that_did_not_fail_alone(client, manager, strata):
    unknown = OutboundEmailFactory(strata=strata, status=EmailStatus.UNKNOWN)
    sent = OutboundEmailFactory(strata=strata, status=EmailStatus.SENT)
    client.force_login(manager)

    response = retry(client, unknown, sent)

    assert messages_of(response) == [
        "Queued 1 email again.",
        "1 selected email was left alone: only failed or unknown emails are retried.",
    ]
    assert OutboundEmail.objects.get(pk=unknown.pk).status == EmailStatus.QUEUED
    assert OutboundEmail.objects.get(pk=sent.pk).status == EmailStatus.SENT
    assert AuditLog.objects.count() == 1


def test_a_failed_email_is_retried_from_its_own_page(client, manager, strata):
    failed = OutboundEmailFactory(strata=strata, status=EmailStatus.FAILED)
    url = reverse("admin:communications_outboundemail_change", args=[failed.pk])
    client.force_login(manager)
    page = client.get(url)
    assert "Retry this email" in page.text
    field = page.context["action_form"]["action"].html_name

    response = retry(client, failed, url=url, field=field)

    assert response.status_code == 302
    assert messages_of(response) == ["Queued 1 email again."]
    assert OutboundEmail.objects.get(pk=failed.pk).status == EmailStatus.QUEUED


def test_a_purged_email_is_not_retried_and_the_reason_is_shown(client, manager, strata):
    purged = OutboundEmailFactory(
        strata=strata,
        status=EmailStatus.FAILED,
        body_purged_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
    )
    client.force_login(manager)

    response = retry(client, purged)

    assert messages_of(response) == [
        f"{purged} cannot be retried: its body was purged on 2026-03-01."
    ]
    assert OutboundEmail.objects.get(pk=purged.pk).status == EmailStatus.FAILED
    assert not AuditLog.objects.exists()


def test_manager_of_another_strata_neither_sees_nor_retries_an_email(client, other_manager, strata):
    failed = OutboundEmailFactory(strata=strata, status=EmailStatus.FAILED, subject="Own mail")
    client.force_login(other_manager)

    response = retry(client, failed)
    listing = client.get(CHANGELIST)
    page = client.get(reverse("admin:communications_outboundemail_change", args=[failed.pk]))

    assert list(listing.context["cl"].result_list) == []
    assert "Own mail" not in listing.text
    assert page.status_code == 302
    assert page["Location"] == reverse("admin:index")
    assert response.status_code == 302
    assert messages_of(response) == []
    assert OutboundEmail.objects.get(pk=failed.pk).status == EmailStatus.FAILED
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ["council_member", "caretaker"])
def test_council_and_caretakers_have_no_outbox(client, request, strata, role):
    failed = OutboundEmailFactory(strata=strata, status=EmailStatus.FAILED)
    client.force_login(request.getfixturevalue(role))

    assert client.get(CHANGELIST).status_code == 403
    assert retry(client, failed).status_code == 403
    assert OutboundEmail.objects.get(pk=failed.pk).status == EmailStatus.FAILED
    assert not AuditLog.objects.exists()


def test_system_mail_is_shown_to_superusers_only(client, manager, superuser, strata):
    own = OutboundEmailFactory(strata=strata)
    system = OutboundEmailFactory(strata=None, kind="login", subject="Reset your password")
    change = reverse("admin:communications_outboundemail_change", args=[system.pk])

    client.force_login(manager)
    assert [e.pk for e in client.get(CHANGELIST).context["cl"].result_list] == [own.pk]
    assert client.get(change).status_code == 302
    assert list(client.get(CHANGELIST, {"strata": "none"}).context["cl"].result_list) == []

    client.force_login(superuser)
    listed = client.get(CHANGELIST, {"strata": "none"}).context["cl"].result_list
    assert [e.pk for e in listed] == [system.pk]
    assert "Reset your password" in client.get(change).text


def test_outbox_filters_offer_only_the_managers_stratas(client, manager, strata, other_strata):
    client.force_login(manager)
    response = client.get(CHANGELIST)
    strata_filter = next(f for f in response.context["cl"].filter_specs if f.title == "strata")
    assert strata_filter.lookup_choices == [(str(strata.pk), "Harbour View")]


# --- the outbox: the message page ---------------------------------------------------------------


class PageParts(HTMLParser):
    """The iframes and scripts of a page, with their attributes unescaped."""

    def __init__(self):
        super().__init__()
        self.iframes, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.iframes.append(dict(attrs))
        elif tag == "script":
            self.scripts.append(dict(attrs))


HOSTILE_HTML = (
    '<p>Hello "Olive" &amp; co</p><script>alert("pwned")</script>'
    '<img src="https://tracker.example/pixel.gif" onerror="alert(1)">'
)


def test_message_page_shows_headers_text_and_sandboxed_html(client, manager, strata, settings):
    settings.OUTBOX_MESSAGE_ID_DOMAIN = "strata.example"
    email = OutboundEmailFactory(
        strata=strata,
        to_address="olive@example.test",
        to_name="Olive Owner",
        subject="Pool closure",
        body_text="Hello Olive,\n<b>not bold</b>\n",
        body_html=HOSTILE_HTML,
        headers={"List-Unsubscribe": "<https://strata.example/u/1>"},
        status=EmailStatus.SENT,
    )
    DeliveryAttemptFactory(email=email, number=1, smtp_code=451, error="451 greylisted")
    DeliveryAttemptFactory(email=email, number=2, outcome="sent", smtp_code=250, error="")
    TrackingEventFactory(email=email, url="https://strata.example/pool")
    client.force_login(manager)

    response = client.get(reverse("admin:communications_outboundemail_change", args=[email.pk]))

    assert response.status_code == 200
    text = response.text
    for header in (
        "Harbour View &lt;no-reply@example.test&gt;",
        "Olive Owner &lt;olive@example.test&gt;",
        "council@example.test",
        f"&lt;{email.uuid}@strata.example&gt;",
        "Pool closure",
        "List-Unsubscribe",
    ):
        assert header in text
    assert "Hello Olive,\n&lt;b&gt;not bold&lt;/b&gt;" in text
    assert "<b>not bold</b>" not in text
    # The HTML body is never part of the page: only escaped, in a sandboxed frame's srcdoc.
    assert '<script>alert("pwned")</script>' not in text
    assert '<img src="https://tracker.example' not in text
    parts = PageParts()
    parts.feed(text)
    (frame,) = parts.iframes
    assert frame["sandbox"] == ""
    assert frame["srcdoc"] == HOSTILE_HTML
    assert parts.scripts  # the admin's own scripts, which are all files: no inline script
    assert [script for script in parts.scripts if "src" not in script] == []
    assert "451 greylisted" in text
    assert "https://strata.example/pool" in text
    assert [a.number for a in response.context["inline_admin_formsets"][0].formset.queryset] == [
        1,
        2,
    ]
    assert 'name="_save"' not in text


def test_a_purged_body_says_so(client, manager, strata):
    email = OutboundEmailFactory(
        strata=strata,
        body_text="",
        body_html="",
        body_purged_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    client.force_login(manager)
    response = client.get(reverse("admin:communications_outboundemail_change", args=[email.pk]))
    assert "Body purged on 2026-03-01 (retention); the metadata is kept." in response.text
    assert "<iframe" not in response.text


# --- email templates --------------------------------------------------------------------------


def edit_url(strata, name=INVITATION):
    return reverse("admin:communications_emailtemplate_edit", args=[strata.pk, name])


def source(**fields):
    return {
        "subject": "Welcome aboard, {{ recipient_name }}",
        "body_text": "Dear {{ recipient_name }},\nwelcome to {{ strata_name }}.\n",
        "body_html": "<p>Dear {{ recipient_name }}</p>",
        **fields,
    }


def test_the_editor_starts_from_the_default_and_lists_its_variables(client, manager, strata):
    client.force_login(manager)
    response = client.get(edit_url(strata))
    default = default_for(INVITATION)
    form = response.context["form"]
    assert (form["subject"].value(), form["body_text"].value()) == (
        default.subject,
        default.body_text,
    )
    assert dict(response.context["variables"]) == default.sample
    assert "{{ recipient_name }}" in response.text
    assert "Alex Morgan" in response.text
    assert response.context["versions"] == []


def test_saving_a_template_makes_a_new_version_each_time(client, manager, strata):
    client.force_login(manager)

    first = client.post(edit_url(strata), {**source(), "_save": "1"})
    second = client.post(
        edit_url(strata), {**source(subject="Hi {{ recipient_name }}"), "_save": "1"}
    )

    assert first.status_code == second.status_code == 302
    assert second["Location"] == edit_url(strata)
    assert messages_of(second) == [  # neither redirect was followed
        "Saved version 1 of “Staff invitation or new role” for Harbour View.",
        "Saved version 2 of “Staff invitation or new role” for Harbour View.",
    ]
    rows = list(
        EmailTemplate.objects.filter(strata=strata, name=INVITATION)
        .order_by("version")
        .values_list("version", "subject", "is_active", "created_by")
    )
    assert rows == [
        (1, "Welcome aboard, {{ recipient_name }}", False, manager.pk),
        (2, "Hi {{ recipient_name }}", True, manager.pk),
    ]
    assert list(AuditLog.objects.values_list("action", flat=True)) == [
        "email_template.saved",
        "email_template.saved",
    ]
    page = client.get(edit_url(strata))
    assert page.context["form"]["subject"].value() == "Hi {{ recipient_name }}"
    assert [(v.version, v.created_by) for v in page.context["versions"]] == [
        (2, manager),
        (1, manager),
    ]
    assert "manager@example.test" in page.text


def test_preview_renders_the_sample_values_and_saves_nothing(client, manager, strata):
    client.force_login(manager)

    response = client.post(
        edit_url(strata),
        {
            **source(body_html="<p>Dear {{ recipient_name }}</p><script>alert(1)</script>"),
            "_preview": "1",
        },
    )

    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.subject == "Welcome aboard, Alex Morgan"
    assert preview.body_text == "Dear Alex Morgan,\nwelcome to Harbour View.\n"
    assert preview.body_html == "<p>Dear Alex Morgan</p><script>alert(1)</script>"
    assert "Dear Alex Morgan,\nwelcome to Harbour View." in response.text
    parts = PageParts()
    parts.feed(response.text)
    (frame,) = parts.iframes
    assert (frame["sandbox"], frame["srcdoc"]) == ("", preview.body_html)
    assert "<script>alert(1)</script>" not in response.text
    assert not EmailTemplate.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("button", ["_save", "_preview"])
@pytest.mark.parametrize(
    ("field", "text", "error"),
    [
        (
            "body_text",
            "Hello {{ unit_number }}",
            "Unknown variable(s): unit_number. Available: accept_url, inviter_name, login_email, "
            "recipient_name, role, strata_name.",
        ),
        (
            "body_html",
            "{% load static %}<p>{{ recipient_name }}</p>",
            "Invalid block tag on line 1: 'load'. Did you forget to register or load this tag?",
        ),
        (
            "subject",
            "{{ strata.name }}",
            "{{ strata.name }}: use a plain name such as {{ strata }}; templates see strings, "
            "not objects.",
        ),
    ],
)
def test_a_bad_template_shows_the_error_on_its_field_and_saves_nothing(
    client, manager, strata, button, field, text, error
):
    client.force_login(manager)

    response = client.post(edit_url(strata), {**source(**{field: text}), button: "1"})

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error]}
    assert response.context["preview"] is None
    assert not EmailTemplate.objects.exists()
    assert not AuditLog.objects.exists()


def test_revert_goes_back_to_the_default_and_keeps_the_versions(client, manager, strata):
    EmailTemplateFactory(strata=strata, version=1, is_active=False)
    EmailTemplateFactory(strata=strata, version=2, subject="Custom {{ recipient_name }}")
    client.force_login(manager)

    response = client.post(edit_url(strata), {"_revert": "1"})

    assert response.status_code == 302
    assert messages_of(response) == [
        "Harbour View uses the default “Staff invitation or new role” again; "
        "its saved versions are kept."
    ]
    assert list(EmailTemplate.objects.values_list("version", "is_active")) == [
        (2, False),
        (1, False),
    ]
    assert AuditLog.objects.get().action == "email_template.reverted"
    page = client.get(edit_url(strata))
    assert page.context["form"]["subject"].value() == default_for(INVITATION).subject
    assert page.context["in_use"] is None
    assert "Revert to the default" not in page.text


def test_the_editor_can_start_from_an_older_version(client, manager, strata):
    EmailTemplateFactory(strata=strata, version=1, is_active=False, subject="Old {{ role }}")
    EmailTemplateFactory(strata=strata, version=2, subject="New {{ role }}")
    client.force_login(manager)

    response = client.get(edit_url(strata), {"from_version": "1"})

    assert response.context["form"]["subject"].value() == "Old {{ role }}"
    assert response.context["in_use"].version == 2


def test_a_saved_version_is_shown_read_only_with_its_preview(client, manager, strata):
    version = EmailTemplateFactory(strata=strata, version=3, created_by=manager)
    client.force_login(manager)

    response = client.get(reverse("admin:communications_emailtemplate_change", args=[version.pk]))

    assert response.status_code == 200
    assert "Welcome to Harbour View" in response.text  # the subject with the sample value
    assert "Hello Alex Morgan," in response.text
    assert f"{edit_url(strata)}?from_version=3" in response.text
    assert 'name="_save"' not in response.text


def test_manager_of_another_strata_cannot_edit_its_templates(client, other_manager, strata):
    EmailTemplateFactory(strata=strata, version=1, subject="Own {{ role }}")
    client.force_login(other_manager)

    page = client.get(edit_url(strata))
    saved = client.post(edit_url(strata), {**source(), "_save": "1"})
    reverted = client.post(edit_url(strata), {"_revert": "1"})

    assert page.status_code == saved.status_code == reverted.status_code == 404
    assert "Own {{ role }}" not in page.text
    assert list(EmailTemplate.objects.values_list("version", "is_active")) == [(1, True)]
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ["council_member", "caretaker"])
def test_council_and_caretakers_cannot_edit_templates(client, request, strata, role):
    client.force_login(request.getfixturevalue(role))

    listing = client.get(reverse("admin:communications_emailtemplate_changelist"))
    saved = client.post(edit_url(strata), {**source(), "_save": "1"})

    assert listing.status_code == saved.status_code == 403
    assert not EmailTemplate.objects.exists()


def test_the_strata_switcher_narrows_the_template_list_but_not_the_editor(
    client, superuser, strata, other_strata
):
    client.force_login(superuser)
    client.post(reverse("admin:switch_strata"), {"strata": str(other_strata.uuid)})

    listing = client.get(reverse("admin:communications_emailtemplate_changelist"))
    editor = client.get(edit_url(strata))

    assert listing.context["template_stratas"] == [other_strata]
    assert editor.status_code == 200


def test_an_unknown_template_name_is_not_found(client, manager, strata):
    client.force_login(manager)
    assert client.get(edit_url(strata, "accounts.nothing")).status_code == 404


def test_the_template_list_shows_each_stratas_wording(client, superuser, strata, other_strata):
    EmailTemplateFactory(strata=strata, version=1, is_active=False)
    EmailTemplateFactory(strata=strata, version=2)
    client.force_login(superuser)

    response = client.get(reverse("admin:communications_emailtemplate_changelist"))

    rows = {row["template"].name: row for row in response.context["rows"]}
    # password resets have no strata version
    assert set(rows) == {
        "accounts.invitation",
        "violations.deadline_reminder",
        "properties.notice_address_given",
    }
    cells = {c["strata"].name: c["override"] for c in rows[INVITATION]["stratas"]}
    assert cells["Harbour View"].version == 2
    assert cells["Cedar Grove"] is None
    assert "its own wording (version 2)" in response.text
    assert edit_url(other_strata) in response.text


# --- suppressions -----------------------------------------------------------------------------


SUPPRESSIONS = reverse("admin:communications_suppression_changelist")


def test_manager_adds_a_suppression_through_the_service(client, manager, strata):
    PersonFactory(strata=strata, email="olive@example.test")
    client.force_login(manager)

    response = client.post(
        reverse("admin:communications_suppression_add"),
        {"address": " Olive@Example.TEST", "reason": "unsubscribed", "scope": "newsletters"},
    )

    assert response.status_code == 302
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.reason, suppression.scope) == (
        "olive@example.test",
        "unsubscribed",
        "newsletters",
    )
    entry = AuditLog.objects.get(action="outbox.suppressed")
    assert (entry.actor, entry.target_uuid, entry.changes["created"]) == (manager, None, True)


def test_a_manager_cannot_suppress_an_address_their_stratas_do_not_know(
    client, manager, other_strata
):
    PersonFactory(strata=other_strata, email="stranger@example.test")
    client.force_login(manager)
    response = client.post(
        reverse("admin:communications_suppression_add"),
        {"address": "stranger@example.test", "reason": "unsubscribed", "scope": "newsletters"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "address": ["No person in the register of your stratas has this address."]
    }
    assert not Suppression.objects.exists()


def test_only_a_superuser_lifts_a_suppression_and_it_is_audited(client, superuser, manager):
    suppression = Suppression.objects.create(
        address="olive@example.test", reason="unsubscribed", scope="all"
    )
    url = reverse("admin:communications_suppression_delete", args=[suppression.pk])
    client.force_login(manager)
    assert client.post(url, {"post": "yes"}).status_code in (302, 403)
    assert Suppression.objects.exists()
    client.force_login(superuser)
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Suppression.objects.exists()
    assert AuditLog.objects.get().action == "outbox.suppression_lifted"


def test_adding_an_existing_suppression_updates_it(client, manager, strata):
    PersonFactory(strata=strata, email="olive@example.test")
    SuppressionFactory(address="olive@example.test", scope="newsletters", reason="bounced")
    client.force_login(manager)

    client.post(
        reverse("admin:communications_suppression_add"),
        {
            "address": "olive@example.test",
            "reason": "complained",
            "scope": "newsletters",
            "note": "call",
        },
    )

    assert list(Suppression.objects.values_list("address", "reason", "note")) == [
        ("olive@example.test", "complained", "call")
    ]


def test_managers_see_suppressions_of_addresses_their_register_holds(
    client, manager, strata, other_strata, superuser
):
    PersonFactory(strata=strata, email="Olive@Example.test")
    PersonFactory(
        strata=strata,
        email="",
        email_for_notices="notices@example.test",
        email_for_notices_given_on=dt.date(2025, 1, 1),
    )
    OutboundEmailFactory(strata=strata, to_address="mailed@example.test")
    PersonFactory(strata=other_strata, email="otto@example.test")
    for address in (
        "olive@example.test",
        "notices@example.test",
        "mailed@example.test",
        "otto@example.test",
        "stranger@example.test",
    ):
        SuppressionFactory(address=address)

    client.force_login(manager)
    mine = {s.address for s in client.get(SUPPRESSIONS).context["cl"].result_list}
    client.force_login(superuser)
    everyone = {s.address for s in client.get(SUPPRESSIONS).context["cl"].result_list}

    # Only mailed by their outbox, held by no person of theirs: not theirs to read.
    assert mine == {"olive@example.test", "notices@example.test"}
    assert len(everyone) == 5


def test_suppressions_are_never_changed(client, superuser):
    suppression = SuppressionFactory()
    client.force_login(superuser)
    change = client.get(reverse("admin:communications_suppression_change", args=[suppression.pk]))
    assert 'name="_save"' not in change.text


# --- the outbox's figures -------------------------------------------------------------------


NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def at(hours_ago: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours_ago)


@pytest.fixture
def outbox_history(strata, other_strata):
    """Emails of the last 24 hours, of the week before, of long ago, and of another strata."""
    for status, hours, address in [
        ("queued", 1, "a@example.test"),
        ("sent", 2, "a@example.test"),
        ("sent", 3, "a@example.test"),
        ("sent", 4, "b@example.test"),
        ("failed", 5, "c@example.test"),
        ("suppressed", 6, "d@example.test"),
        ("duplicate", 7, "a@example.test"),
        ("unknown", 8, "e@example.test"),
        ("sent", 30, "f@example.test"),  # this week, not today
        ("failed", 50, "f@example.test"),
        ("duplicate", 100, "g@example.test"),
        ("sent", 24 * 8, "h@example.test"),  # older than a week
        ("queued", -1, "i@example.test"),  # after "now"
    ]:
        email = OutboundEmailFactory(
            strata=strata, status=status, queued_at=at(hours), to_address=address
        )
        if status == "sent" and hours == 4:
            DeliveryAttemptFactory(email=email, number=1, started_at=at(4))
            DeliveryAttemptFactory(email=email, number=2, started_at=at(3.5))
            DeliveryAttemptFactory(email=email, number=3, started_at=at(3), outcome="sent")
        if status == "failed" and hours == 50:
            DeliveryAttemptFactory(email=email, number=1, started_at=at(50))
            DeliveryAttemptFactory(email=email, number=2, started_at=at(49), outcome="permanent")
    other = OutboundEmailFactory(strata=other_strata, status="failed", queued_at=at(1))
    DeliveryAttemptFactory(email=other, started_at=at(1))
    OutboundEmailFactory(strata=None, kind="login", status="sent", queued_at=at(1))


def test_outbox_stats_count_exactly_the_managers_emails(manager, outbox_history):
    assert outbox_stats_for(manager, now=NOW) == {
        "day": {
            "queued": 1,
            "sent": 3,
            "failed": 1,
            "suppressed": 1,
            "duplicates": 1,
            "unknown": 1,
            "retries": 2,
            "recipients": 2,
        },
        "week": {
            "queued": 1,
            "sent": 4,
            "failed": 2,
            "suppressed": 1,
            "duplicates": 2,
            "unknown": 1,
            "retries": 3,
            "recipients": 3,
        },
    }


def test_outbox_stats_of_a_superuser_include_every_strata_and_system_mail(
    superuser, outbox_history
):
    stats = outbox_stats_for(superuser, now=NOW)
    assert (stats["day"]["failed"], stats["day"]["sent"], stats["day"]["retries"]) == (2, 4, 3)
    assert stats["day"]["recipients"] == 3


def test_outbox_stats_take_two_queries(manager, outbox_history, django_assert_num_queries):
    outbox_stats_for(manager, now=NOW)  # the manager's roles, cached on the user
    with django_assert_num_queries(2):
        outbox_stats_for(manager, now=NOW)


def test_dashboard_shows_the_outbox_panel_to_managers(client, manager, strata):
    OutboundEmailFactory(strata=strata, status="failed")
    OutboundEmailFactory(strata=strata, status="sent")
    client.force_login(manager)

    response = client.get(reverse("admin:index"))

    rows = {row["key"]: row for row in response.context["outbox_stats"]}
    assert (rows["failed"]["day"], rows["failed"]["week"], rows["sent"]["day"]) == (1, 1, 1)
    assert rows["failed"]["url"] == f"{CHANGELIST}?status__exact=failed"
    assert rows["duplicates"]["url"] == f"{CHANGELIST}?status__exact=duplicate"
    assert rows["retries"]["url"] == ""
    assert f'href="{CHANGELIST}?status__exact=failed"' in response.text
    assert "Duplicates prevented" in response.text


@pytest.mark.parametrize("role", ["council_member", "caretaker"])
def test_dashboard_has_no_outbox_panel_for_council_and_caretakers(client, request, strata, role):
    OutboundEmailFactory(strata=strata, status="failed")
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("admin:index"))
    assert response.context["outbox_stats"] is None
    assert 'id="outbox-dashboard"' not in response.text


def test_the_outbox_page_hides_the_unsubscribe_token_from_staff(client, manager, strata):
    """A manager who typed someone's address into a campaign must not be able to read that
    person's unsubscribe link off the outbox and stop their newsletters."""
    from communications.mail_links import unsubscribe_url
    from communications.services import queue_email

    email = queue_email(
        kind="campaign",
        to="someone@example.test",
        strata=strata,
        subject="News",
        body_text="Hello",
        body_html="<p>Hello</p>",
    )
    token = unsubscribe_url(email.uuid).rstrip("/").rsplit("/", 1)[1]
    assert token in email.body_text and token in email.headers["List-Unsubscribe"]
    client.force_login(manager)

    page = client.get(reverse("admin:communications_outboundemail_change", args=[email.pk]))

    assert page.status_code == 200
    body = page.content.decode()
    assert token not in body
    assert "/email/unsubscribe/[hidden]/" in body
