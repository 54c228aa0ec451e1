"""The campaign pages of the staff admin: compose, preview, test send, send, schedule, cancel,
progress, report and its CSV; who may reach each (issue 16, items 1, 2, 3 and 5's report)."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, StrataMembership
from accounts.strata_time import strata_zone
from campaigns.models import Campaign, CampaignRecipient, CampaignTemplate
from campaigns.queueing import campaign_queue
from campaigns.services import campaign_save
from communications.models import OutboundEmail, Suppression, TrackingEvent
from tests.accounts.factories import MembershipFactory, StrataFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db

Status = OutboundEmail.Status
BODY = "Hello {{ recipient_name }},\n\nThe water is off on **Thursday** in {{ strata_name }}."


def url(name: str, campaign=None) -> str:
    args = [] if campaign is None else [campaign.pk]
    return reverse(f"admin:campaigns_campaign_{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def compose(strata, **changes) -> dict:
    """The compose form as a manager fills it in: everyone in ``strata``."""
    return {
        "stratas": [strata.pk],
        "title": "Water shut-off",
        "kind": "update",
        "template": "",
        "subject": "Water off on Thursday, {{ recipient_name }}",
        "body_markdown": BODY,
        "groups": ["all"],
        "floors": "",
        "addresses": "",
        **changes,
    }


@pytest.fixture
def residents(strata, unit, owner, tenant):
    """Olive the owner and Terry the tenant of unit 101, each with an address."""
    owner.full_name, owner.email = "Olive Owner", "olive@example.test"
    owner.save()
    tenant.email = "terry@example.test"
    tenant.save()
    return owner, tenant


@pytest.fixture
def draft(strata, manager, residents):
    return campaign_save(
        actor=manager,
        stratas=[strata],
        title="Water shut-off",
        kind="update",
        subject="Water off on Thursday, {{ recipient_name }}",
        body_markdown=BODY,
        audience={"groups": ["all"]},
    )


def send(client, campaign, capture):
    """Press Send now with the workers running the queue and the outbox (eager)."""
    with capture(execute=True):
        return client.post(url("send", campaign))


# --- composing --------------------------------------------------------------------------------


def test_manager_composes_and_sends_a_campaign(
    client, strata, manager, residents, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    added = client.post(url("add"), compose(strata))

    campaign = Campaign.objects.get()
    assert (added.status_code, added["Location"]) == (302, url("change", campaign))
    assert messages_of(added) == ["Saved “Water shut-off”."]
    assert list(campaign.stratas.all()) == [strata]
    assert campaign.audience["groups"] == ["all"]
    assert campaign.created_by == manager

    sent = send(client, campaign, django_capture_on_commit_callbacks)

    assert sent.status_code == 302
    assert messages_of(sent)[-1] == "Sending “Water shut-off” to 2 recipients."
    emails = OutboundEmail.objects.filter(about=campaign.uuid)
    assert sorted(emails.values_list("to_address", "status")) == [
        ("olive@example.test", Status.SENT),
        ("terry@example.test", Status.SENT),
    ]
    olive = emails.get(to_address="olive@example.test")
    assert olive.subject == "Water off on Thursday, Olive Owner"
    assert "<strong>Thursday</strong> in Harbour View" in olive.body_html
    assert sorted(m.to[0] for m in mail.outbox) == [
        "Olive Owner <olive@example.test>",
        "Terry Tenant <terry@example.test>",
    ]
    page = client.get(url("change", campaign))
    assert 'name="_save"' not in page.text
    assert page.context["progress"].as_dict() == {
        "total": 2,
        "sent": 2,
        "failed": 0,
        "suppressed": 0,
        "cancelled": 0,
        "remaining": 0,
        "done": 2,
        "percent": 100,
    }
    assert 'value="100"' in page.text


def test_the_compose_form_offers_only_the_users_stratas_records(
    client, strata, other_strata, manager, unit, other_unit, residents
):
    CampaignTemplate.objects.create(strata=strata, name="Own", subject="s", body_markdown="b")
    CampaignTemplate.objects.create(
        strata=other_strata, name="Other", subject="s", body_markdown="b"
    )
    outsider = PersonFactory(strata=other_strata, email="otto@example.test")
    client.force_login(manager)

    form = client.get(url("add")).context["form"]

    assert list(form.fields["stratas"].queryset) == [strata]
    assert list(form.fields["units"].queryset) == [unit]
    assert {p.email for p in form.fields["persons"].queryset} == {
        "olive@example.test",
        "terry@example.test",
    }
    assert outsider not in form.fields["persons"].queryset
    assert [t.name for t in form.fields["template"].queryset] == ["Own"]
    assert form.initial["stratas"] == [strata.pk]  # the manager's only strata


def test_a_blank_subject_and_body_start_from_the_template(client, strata, manager, residents):
    template = CampaignTemplate.objects.create(
        strata=strata, name="Monthly", subject="News of {{ strata_name }}", body_markdown="Hi!"
    )
    client.force_login(manager)

    client.post(url("add"), compose(strata, template=template.pk, subject="", body_markdown=""))

    campaign = Campaign.objects.get()
    assert (campaign.subject, campaign.body_markdown) == ("News of {{ strata_name }}", "Hi!")
    assert campaign.template == template


def test_the_audience_fields_are_saved_as_the_rule(client, strata, manager, unit, residents):
    owner, _tenant = residents
    client.force_login(manager)

    client.post(
        url("add"),
        compose(
            strata,
            groups=["owners", "tenants"],
            units=[str(unit.uuid)],
            floors="3, PH,",
            persons=[str(owner.uuid)],
            addresses="board@example.test,\nGuest@Example.test",
        ),
    )

    assert Campaign.objects.get().audience == {
        "groups": ["owners", "tenants"],
        "units": [str(unit.uuid)],
        "floors": ["3", "PH"],
        "persons": [str(owner.uuid)],
        "addresses": ["board@example.test", "guest@example.test"],
    }


BAD_INPUT = {
    "no audience": ({"groups": []}, None, "Choose who receives it."),
    "unknown placeholder": (
        {"body_markdown": "Dear {{ password }}"},
        "body_markdown",
        "password",
    ),
    "bad typed address": ({"addresses": "ok@example.test\nnot-an-address"}, "addresses", "not-an"),
    "no subject": ({"subject": ""}, "subject", "This field is required."),
}


@pytest.mark.parametrize(("changes", "field", "text"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_is_shown_on_the_form_and_saves_nothing(
    client, strata, manager, residents, changes, field, text
):
    client.force_login(manager)
    audit_before = AuditLog.objects.count()

    response = client.post(url("add"), compose(strata, **changes))

    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors[field] if field else form.non_field_errors()
    assert any(text in error for error in errors), form.errors
    assert not Campaign.objects.exists()
    assert AuditLog.objects.count() == audit_before


def test_a_unit_of_a_strata_not_chosen_is_refused(client, strata, manager, residents):
    second = StrataFactory(name="Second Strata")
    MembershipFactory(strata=second, user=manager, role=StrataMembership.Role.MANAGER)
    elsewhere = UnitFactory(strata=second, unit_number="7")
    client.force_login(manager)

    response = client.post(url("add"), compose(strata, units=[str(elsewhere.uuid)]))

    assert response.context["form"].errors["units"] == [
        "Not in the stratas chosen above: 7 (Second Strata)."
    ]
    assert not Campaign.objects.exists()


def test_a_manager_of_two_stratas_sends_to_both_once_per_address(
    client, strata, manager, residents, django_capture_on_commit_callbacks
):
    second = StrataFactory(name="Second Strata")
    MembershipFactory(strata=second, user=manager, role=StrataMembership.Role.MANAGER)
    # Olive owns a unit in the second strata too, with the same address.
    OccupancyFactory(
        unit=UnitFactory(strata=second),
        person=PersonFactory(strata=second, full_name="Olive Owner", email="olive@example.test"),
    )
    client.force_login(manager)

    client.post(url("add"), compose(strata, stratas=[strata.pk, second.pk]))
    campaign = Campaign.objects.get()
    send(client, campaign, django_capture_on_commit_callbacks)

    assert set(campaign.stratas.all()) == {strata, second}
    assert sorted(
        OutboundEmail.objects.filter(about=campaign.uuid).values_list("to_address", flat=True)
    ) == ["olive@example.test", "terry@example.test"]


def test_a_draft_is_changed_on_its_page(client, strata, manager, draft):
    client.force_login(manager)
    page = client.get(url("change", draft))
    assert page.context["form"]["title"].value() == "Water shut-off"

    response = client.post(url("change", draft), compose(strata, title="Water off Friday"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Water off Friday"


# --- preview and test send --------------------------------------------------------------------


def test_preview_counts_and_renders_any_recipient(client, strata, unit, manager, draft, residents):
    PersonFactory(strata=strata, email="", email_for_notices="")  # no address
    OccupancyFactory(unit=unit, person=PersonFactory(strata=strata, email="", full_name="No Mail"))
    quiet = PersonFactory(strata=strata, email="quiet@example.test", newsletters=False)
    OccupancyFactory(unit=unit, person=quiet)
    Suppression.objects.create(
        address="terry@example.test",
        reason=Suppression.Reason.UNSUBSCRIBED,
        scope=Suppression.Scope.NEWSLETTERS,
    )
    client.force_login(manager)

    response = client.get(url("preview", draft), {"address": "Terry@example.test"})

    assert response.status_code == 200
    audience = response.context["audience"]
    assert (audience.count, audience.opted_out, audience.suppressed, audience.without_address) == (
        2,
        1,
        1,
        1,
    )
    assert [row.address for row in response.context["rows"]] == [
        "olive@example.test",
        "terry@example.test",
    ]
    email = response.context["email"]
    assert email.pk is None
    assert email.to_address == "terry@example.test"
    assert email.subject == "Water off on Thursday, Terry Tenant"
    assert "You receive this because you are on the register of Harbour View (unit 101)." in (
        email.body_text
    )
    assert strata.postal_address in email.body_text  # the sender footer
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The HTML goes escaped into a sandboxed frame, never into the page.
    assert 'sandbox=""' in response.text
    assert "&lt;strong&gt;Thursday&lt;/strong&gt;" in response.text
    assert "<strong>Thursday</strong>" not in response.text
    assert not OutboundEmail.objects.exists()


def test_preview_of_an_address_not_in_the_audience_says_so(client, manager, draft):
    client.force_login(manager)

    response = client.get(url("preview", draft), {"address": "nobody@example.test"})

    assert response.context["not_found"] is True
    assert response.context["email"].to_address == "olive@example.test"
    assert "nobody@example.test is not among the recipients." in response.text


def test_test_send_reaches_the_managers_address(
    client, manager, draft, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("test_send", draft))

    assert messages_of(response) == ["Test sent to manager@example.test."]
    email = OutboundEmail.objects.get()
    assert (email.to_address, email.status) == ("manager@example.test", Status.SENT)
    assert email.subject == "[Test] Water off on Thursday, Olive Owner"
    assert [m.to for m in mail.outbox] == [["manager@example.test"]]
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


# --- sending, scheduling, cancelling ----------------------------------------------------------


def test_a_second_send_post_sends_nothing_more(
    client, manager, draft, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    first = send(client, draft, django_capture_on_commit_callbacks)
    second = send(client, draft, django_capture_on_commit_callbacks)

    assert messages_of(first) == ["Sending “Water shut-off” to 2 recipients."]
    assert messages_of(second)[-1] == (
        "“Water shut-off” has already started (or was cancelled); nothing was sent again."
    )
    assert OutboundEmail.objects.filter(about=draft.uuid).count() == 2
    assert CampaignRecipient.objects.filter(campaign=draft).count() == 2
    assert len(mail.outbox) == 2
    assert AuditLog.objects.filter(action="campaign.started").count() == 1


def test_cancel_stops_the_emails_not_yet_sent(
    client, manager, draft, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False):  # no worker picks them up
        client.post(url("send", draft))
        campaign_queue(campaign=draft)
    assert OutboundEmail.objects.filter(about=draft.uuid, status=Status.QUEUED).count() == 2

    response = client.post(url("cancel", draft))

    assert messages_of(response)[-1] == "Cancelled; 2 emails not yet sent were stopped."
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.CANCELLED
    assert set(OutboundEmail.objects.filter(about=draft.uuid).values_list("status", flat=True)) == {
        Status.CANCELLED
    }
    progress = client.get(url("progress", draft)).json()
    assert (progress["cancelled"], progress["remaining"], progress["status"]) == (
        2,
        0,
        "cancelled",
    )
    assert mail.outbox == []


def test_schedule_reads_the_time_in_the_stratas_zone(client, strata, manager, draft):
    client.force_login(manager)
    zone = strata_zone(strata)
    tomorrow = timezone.localtime(timezone.now(), zone).date() + dt.timedelta(days=1)

    response = client.post(url("schedule", draft), {"at": f"{tomorrow:%Y-%m-%d}T09:30"})

    draft.refresh_from_db()
    assert draft.status == Campaign.Status.SCHEDULED
    assert draft.scheduled_for == dt.datetime.combine(tomorrow, dt.time(9, 30), tzinfo=zone)
    local = draft.scheduled_for.astimezone(zone)
    assert messages_of(response) == [f"Scheduled for {tomorrow:%Y-%m-%d} 09:30 ({local.tzname()})."]
    assert not CampaignRecipient.objects.exists()


def test_a_time_in_the_past_schedules_nothing(client, strata, manager, draft):
    client.force_login(manager)
    yesterday = timezone.localtime(timezone.now(), strata_zone(strata)) - dt.timedelta(days=1)

    response = client.post(url("schedule", draft), {"at": f"{yesterday:%Y-%m-%dT%H:%M}"})

    assert messages_of(response) == ["Not scheduled. Choose a time in the future, or send it now."]
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT
    assert not CampaignRecipient.objects.exists()


def test_a_strata_without_a_postal_address_cannot_send(client, strata, manager, draft):
    strata.postal_address = ""
    strata.save(update_fields=["postal_address"])
    client.force_login(manager)

    response = client.post(url("send", draft))

    assert "Harbour View has no postal address" in messages_of(response)[0]
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT
    assert not OutboundEmail.objects.exists()


def test_a_campaign_that_started_is_read_only(
    client, strata, manager, draft, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    send(client, draft, django_capture_on_commit_callbacks)

    page = client.get(url("change", draft))
    changed = client.post(url("change", draft), compose(strata, title="Changed"))

    assert page.status_code == 200
    assert page.context["form"] is None
    assert 'name="_save"' not in page.text
    assert "Everyone: owners, tenants and occupants" in page.text
    assert changed.status_code == 403
    draft.refresh_from_db()
    assert draft.title == "Water shut-off"


# --- progress and the report ------------------------------------------------------------------


def test_progress_answers_json(client, manager, draft, django_capture_on_commit_callbacks):
    client.force_login(manager)
    send(client, draft, django_capture_on_commit_callbacks)

    response = client.get(url("progress", draft))

    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "total": 2,
        "sent": 2,
        "failed": 0,
        "suppressed": 0,
        "cancelled": 0,
        "remaining": 0,
        "done": 2,
        "percent": 100,
        "status": "sending",
        "status_label": "sending",
    }


@pytest.fixture
def delivered(client, strata, manager, draft, residents, django_capture_on_commit_callbacks):
    """The draft sent, Olive having opened it and clicked one link twice; Olive's name starts
    like a spreadsheet formula."""
    owner, _tenant = residents
    owner.full_name = "=Olive Owner"
    owner.save(update_fields=["full_name"])
    client.force_login(manager)
    send(client, draft, django_capture_on_commit_callbacks)
    olive = OutboundEmail.objects.get(about=draft.uuid, to_address="olive@example.test")
    now = timezone.now()
    TrackingEvent.objects.create(email=olive, kind=TrackingEvent.Kind.OPEN, occurred_at=now)
    for _ in range(2):
        TrackingEvent.objects.create(
            email=olive,
            kind=TrackingEvent.Kind.CLICK,
            url="https://example.test/water",
            occurred_at=now,
        )
    return draft


def test_the_report_shows_what_came_back(client, delivered):
    response = client.get(url("report", delivered))

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.progress.sent, report.opens, report.clickers) == (2, 1, 1)
    assert report.clicks_by_link == [("https://example.test/water", 1)]
    rows = {row.address: (row.opened, row.clicks) for row in response.context["page"]}
    assert rows == {"olive@example.test": (True, 2), "terry@example.test": (False, 0)}
    assert "mail privacy proxies open every message" in response.text
    assert "https://example.test/water" in response.text


def test_the_report_pages_its_recipients(client, delivered, monkeypatch):
    monkeypatch.setattr("campaigns.admin.campaign_views.REPORT_ROWS", 1)

    first = client.get(url("report", delivered))
    second = client.get(url("report", delivered), {"page": 2})

    assert [row.address for row in first.context["page"]] == ["olive@example.test"]
    assert [row.address for row in second.context["page"]] == ["terry@example.test"]
    assert "Page 2 of 2" in second.text


def test_the_report_csv_holds_each_recipient(client, delivered):
    response = client.get(url("report_csv", delivered))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="water-shut-off-report.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "address",
        "name",
        "units",
        "strata",
        "status",
        "sent at",
        "opened",
        "clicks",
    ]
    body = [row[:5] + row[6:] for row in rows[1:]]  # the sending times vary
    assert body == [
        ["olive@example.test", "'=Olive Owner", "101", "Harbour View", "sent", "yes", "2"],
        ["terry@example.test", "Terry Tenant", "101", "Harbour View", "sent", "no", "0"],
    ]
    assert all(row[5] for row in rows[1:])


# --- who may --------------------------------------------------------------------------------

PAGES = ("change", "preview", "progress", "report", "report_csv", "history")
BUTTONS = ("test_send", "send", "schedule", "cancel")


def nothing_happened(campaign, audit_before):
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not OutboundEmail.objects.exists()
    assert not CampaignRecipient.objects.exists()
    assert AuditLog.objects.count() == audit_before


def test_another_stratas_manager_reaches_no_campaign_url(
    client, other_manager, draft, django_capture_on_commit_callbacks
):
    client.force_login(other_manager)
    audit_before = AuditLog.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        pages = {name: client.get(url(name, draft)) for name in PAGES}
        buttons = {
            name: client.post(url(name, draft), {"at": "2099-01-01T09:00"}) for name in BUTTONS
        }

    missing = reverse("admin:index")
    assert (pages["change"].status_code, pages["change"]["Location"]) == (302, missing)
    assert (pages["history"].status_code, pages["history"]["Location"]) == (302, missing)
    for name in ("preview", "progress", "report", "report_csv"):
        assert pages[name].status_code == 404, name
        assert b"Water shut-off" not in pages[name].content
        assert b"olive@example.test" not in pages[name].content
    assert {name: r.status_code for name, r in buttons.items()} == dict.fromkeys(BUTTONS, 404)
    assert client.get(url("changelist")).context["cl"].result_count == 0
    nothing_happened(draft, audit_before)


@pytest.mark.parametrize("role", ["council_member", "caretaker"])
def test_council_and_caretakers_cannot_send(
    client, request, role, draft, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(role))
    audit_before = AuditLog.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        pages = {name: client.get(url(name, draft)) for name in PAGES}
        pages |= {name: client.get(url(name)) for name in ("changelist", "add")}
        buttons = {name: client.post(url(name, draft)) for name in BUTTONS}
        added = client.post(url("add"), compose(draft.stratas.get()))

    expected = dict.fromkeys((*PAGES, "changelist", "add"), 403)
    expected["history"] = 302  # Django looks the record up first: not found for them
    assert {name: r.status_code for name, r in pages.items()} == expected
    assert {name: r.status_code for name, r in buttons.items()} == dict.fromkeys(BUTTONS, 403)
    assert added.status_code == 403
    assert Campaign.objects.count() == 1
    nothing_happened(draft, audit_before)


def test_a_campaign_of_two_stratas_is_hidden_from_a_manager_of_one(
    client, strata, other_strata, manager, superuser, residents
):
    both = campaign_save(
        actor=superuser,
        stratas=[strata, other_strata],
        title="Both stratas",
        kind="newsletter",
        subject="News",
        body_markdown="News.",
        audience={"groups": ["all"]},
    )
    client.force_login(manager)

    listed = client.get(url("changelist"))
    change = client.get(url("change", both))
    preview = client.get(url("preview", both))
    sent = client.post(url("send", both))

    assert listed.context["cl"].result_count == 0
    assert (change.status_code, change["Location"]) == (302, reverse("admin:index"))
    assert (preview.status_code, sent.status_code) == (404, 404)
    both.refresh_from_db()
    assert both.status == Campaign.Status.DRAFT
    client.force_login(superuser)
    assert client.get(url("changelist")).context["cl"].result_count == 1


def test_a_button_opened_without_its_post_changes_nothing(client, manager, draft):
    client.force_login(manager)
    audit_before = AuditLog.objects.count()

    answers = {name: client.get(url(name, draft)).status_code for name in BUTTONS}

    assert answers == dict.fromkeys(BUTTONS, 405)
    nothing_happened(draft, audit_before)


def test_a_post_without_csrf_token_is_refused(manager, draft):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(url("send", draft))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


# --- campaign templates -----------------------------------------------------------------------


def template_form(strata, **changes) -> dict:
    return {
        "strata": strata.pk,
        "name": "Monthly newsletter",
        "kind": "newsletter",
        "subject": "News from {{ strata_name }}",
        "body_markdown": "Dear {{ recipient_name }},",
        **changes,
    }


def test_a_manager_saves_a_campaign_template(client, strata, manager):
    client.force_login(manager)

    response = client.post(reverse("admin:campaigns_campaigntemplate_add"), template_form(strata))

    assert response.status_code == 302
    template = CampaignTemplate.objects.get()
    assert (template.strata, template.created_by) == (strata, manager)
    entry = AuditLog.objects.get(action="campaign.template_created")
    assert (entry.strata, entry.actor) == (strata, manager)


def test_a_template_with_an_unknown_placeholder_is_refused(client, strata, manager):
    client.force_login(manager)

    response = client.post(
        reverse("admin:campaigns_campaigntemplate_add"),
        template_form(strata, body_markdown="{{ secret }}"),
    )

    assert response.status_code == 200
    assert "secret" in str(response.context["adminform"].form.errors["body_markdown"])
    assert not CampaignTemplate.objects.exists()


@pytest.mark.parametrize("role", ["council_member", "caretaker", "other_manager"])
def test_only_the_stratas_managers_save_its_templates(client, request, strata, role):
    client.force_login(request.getfixturevalue(role))

    response = client.post(reverse("admin:campaigns_campaigntemplate_add"), template_form(strata))

    # Another strata's manager reaches the form, whose strata choices are theirs only.
    assert response.status_code == (200 if role == "other_manager" else 403)
    assert not CampaignTemplate.objects.exists()


def test_the_users_email_is_where_a_test_goes(client, strata, draft):
    """A superuser without an address is told so, and nothing is queued."""
    admin = UserFactory(email="root@example.test", is_superuser=True)
    type(admin).objects.filter(pk=admin.pk).update(email="")
    admin.refresh_from_db()
    client.force_login(admin)

    response = client.post(url("test_send", draft))

    assert messages_of(response) == ["Your account has no email address to send the test to."]
    assert not OutboundEmail.objects.exists()
