"""Announcements (issue 16, item 7): posted by a strata's managers and council, shown between
their start and end on the staff dashboard and every resident page of that strata only, with
a sanitised body, and sent as a draft campaign by a manager."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from accounts.resident_session import RESIDENT_ONLY
from campaigns.models import Announcement, Campaign
from campaigns.selectors import current_announcements
from campaigns.services import (
    announcement_end,
    announcement_save,
    announcement_send_as_campaign,
)
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
UNSAFE = (
    "Water is off **Thursday**.\n\n<script>alert('x')</script>\n\n"
    "[details](javascript:alert(1)) and [the notice](https://example.test/notice)"
)


def post(actor, strata, title="Water shut-off", *, priority="normal", starts=-HOUR, ends=None):
    now = timezone.now()
    return announcement_save(
        actor=actor,
        strata=strata,
        title=title,
        body_markdown=f"{title}: the water is off from 9:00 to 13:00.",
        priority=priority,
        starts_at=now + starts,
        ends_at=None if ends is None else now + ends,
    )


def resident_of(unit, email: str):
    """A person of the unit's strata with their resident login."""
    person = PersonFactory(strata=unit.strata, email=email)
    OccupancyFactory(unit=unit, person=person)
    person.user = UserFactory(email=email, full_name=person.full_name)
    person.save()
    return person.user


def sign_in_resident(client, user) -> None:
    client.force_login(user)
    session = client.session
    session[RESIDENT_ONLY] = True
    session.save()


# --- posting ----------------------------------------------------------------------------------


def test_a_manager_posts_an_announcement_with_a_sanitised_body(strata, manager):
    announcement = announcement_save(
        actor=manager,
        strata=strata,
        title="Water shut-off",
        body_markdown=UNSAFE,
        priority="urgent",
        starts_at=timezone.now(),
    )

    announcement.refresh_from_db()
    assert "<strong>Thursday</strong>" in announcement.body_html
    assert "<script" not in announcement.body_html
    assert 'href="javascript' not in announcement.body_html
    assert 'href="https://example.test/notice"' in announcement.body_html
    assert announcement.created_by == manager
    entry = AuditLog.objects.get(action="announcement.posted")
    assert (entry.strata, entry.target_uuid) == (strata, announcement.uuid)
    assert entry.changes["priority"] == "urgent"


def test_a_council_member_may_post_an_announcement(strata, council_member):
    announcement = post(council_member, strata)

    assert Announcement.objects.get().pk == announcement.pk


@pytest.mark.parametrize("who", ["caretaker", "other_manager"])
def test_a_caretaker_or_another_stratas_manager_cannot_post(request, strata, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        post(actor, strata)

    assert not Announcement.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="announcement.").exists()


def test_an_end_before_the_start_is_an_error_on_the_end(strata, manager):
    with pytest.raises(ValidationError) as refused:
        post(manager, strata, starts=HOUR, ends=-HOUR)

    assert list(refused.value.message_dict) == ["ends_at"]
    assert not Announcement.objects.exists()


def test_a_change_is_audited_with_what_changed(strata, manager):
    announcement = post(manager, strata)
    announcement.title, announcement.priority = "Water back on", "important"

    announcement_save(
        actor=manager,
        strata=strata,
        title="Water back on",
        body_markdown=announcement.body_markdown,
        priority="important",
        starts_at=announcement.starts_at,
        announcement=announcement,
    )

    changed = AuditLog.objects.get(action="announcement.changed")
    assert changed.changes == {
        "title": {"from": "Water shut-off", "to": "Water back on"},
        "priority": {"from": "normal", "to": "important"},
    }


def test_ending_an_announcement_stops_showing_it_and_keeps_it(strata, manager):
    announcement = post(manager, strata)
    assert list(current_announcements([strata.pk])) == [announcement]

    announcement_end(actor=manager, announcement=announcement)

    assert not current_announcements([strata.pk]).exists()
    assert Announcement.objects.get().ends_at <= timezone.now()
    assert AuditLog.objects.filter(action="announcement.ended").exists()


def test_a_council_member_of_another_strata_cannot_end_it(strata, other_strata, manager):
    announcement = post(manager, strata)
    outsider = UserFactory(email="outsider@example.test")
    MembershipFactory(strata=other_strata, user=outsider, role="council")

    with pytest.raises(PermissionDenied):
        announcement_end(actor=outsider, announcement=announcement)

    assert Announcement.objects.get().ends_at is None


def test_it_is_shown_only_between_its_start_and_its_end(strata, manager):
    announcement = post(manager, strata, starts=HOUR, ends=3 * HOUR)
    now = timezone.now()

    for moment, shown in (
        (now, False),
        (now + 2 * HOUR, True),
        (now + 4 * HOUR, False),
    ):
        with time_machine.travel(moment, tick=False):
            assert list(current_announcements([strata.pk])) == ([announcement] if shown else [])


# --- sending as a campaign ----------------------------------------------------------------


def test_sending_as_a_campaign_makes_a_draft_to_every_resident(strata, manager):
    announcement = post(manager, strata, priority="urgent")

    campaign = announcement_send_as_campaign(actor=manager, announcement=announcement)

    campaign.refresh_from_db()
    assert (campaign.status, campaign.kind) == (Campaign.Status.DRAFT, Campaign.Kind.ANNOUNCEMENT)
    assert (campaign.title, campaign.subject) == ("Water shut-off", "Water shut-off")
    assert campaign.body_markdown == announcement.body_markdown
    assert campaign.audience["groups"] == ["all"]
    assert list(campaign.stratas.all()) == [strata]
    assert Announcement.objects.get().campaign == campaign
    assert AuditLog.objects.filter(action="announcement.sent_as_campaign").exists()


def test_a_second_click_makes_no_second_campaign(strata, manager):
    announcement = post(manager, strata)
    first = announcement_send_as_campaign(actor=manager, announcement=announcement)

    again = announcement_send_as_campaign(actor=manager, announcement=announcement)

    assert again == first
    assert Campaign.objects.count() == 1


def test_a_council_member_cannot_send_it_as_a_campaign(strata, council_member):
    announcement = post(council_member, strata)

    with pytest.raises(PermissionDenied):
        announcement_send_as_campaign(actor=council_member, announcement=announcement)

    assert not Campaign.objects.exists()
    assert Announcement.objects.get().campaign is None


# --- the admin ------------------------------------------------------------------------------


def form(strata, **values) -> dict:
    now = timezone.localtime()
    data = {
        "strata": strata.pk,
        "title": "Water shut-off",
        "body_markdown": UNSAFE,
        "priority": "urgent",
        "starts_at_0": now.strftime("%Y-%m-%d"),
        "starts_at_1": now.strftime("%H:%M:%S"),
        "ends_at_0": "",
        "ends_at_1": "",
    }
    return {**data, **values}


def test_the_admin_form_posts_through_the_service(client, strata, council_member):
    client.force_login(council_member)

    response = client.post(reverse("admin:campaigns_announcement_add"), form(strata))

    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.created_by == council_member
    assert "<script" not in announcement.body_html
    assert AuditLog.objects.filter(action="announcement.posted").count() == 1


def test_the_admin_form_refuses_an_end_before_the_start(client, strata, manager):
    client.force_login(manager)
    yesterday = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%d")

    response = client.post(
        reverse("admin:campaigns_announcement_add"),
        form(strata, ends_at_0=yesterday, ends_at_1="12:00:00"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "ends_at": ["An announcement ends after it starts."]
    }
    assert not Announcement.objects.exists()


def test_a_caretaker_cannot_open_the_announcements(client, strata, caretaker):
    client.force_login(caretaker)

    assert client.get(reverse("admin:campaigns_announcement_changelist")).status_code == 403
    assert client.post(reverse("admin:campaigns_announcement_add"), form(strata)).status_code == 403
    assert not Announcement.objects.exists()


def test_the_list_shows_only_the_users_stratas(
    client, strata, other_strata, manager, other_manager
):
    post(manager, strata, "Own announcement")
    post(other_manager, other_strata, "Other announcement")
    client.force_login(manager)

    response = client.get(reverse("admin:campaigns_announcement_changelist"))

    assert [row.title for row in response.context["cl"].result_list] == ["Own announcement"]
    assert "Other announcement" not in response.text
    assert "Cedar Grove" not in response.text


def action(announcement, name: str) -> dict:
    return {"action": name, "_selected_action": [str(announcement.pk)], "index": "0"}


def test_send_as_a_campaign_opens_the_draft(client, strata, manager):
    announcement = post(manager, strata)
    client.force_login(manager)

    response = client.post(
        reverse("admin:campaigns_announcement_changelist"), action(announcement, "send_as_campaign")
    )

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    assert Announcement.objects.get().campaign == campaign


def test_council_is_not_offered_send_as_a_campaign(client, strata, council_member):
    announcement = post(council_member, strata)
    client.force_login(council_member)
    url = reverse("admin:campaigns_announcement_changelist")

    page = client.get(url)
    forged = client.post(url, action(announcement, "send_as_campaign"))

    choices = [name for name, _label in page.context["action_form"].fields["action"].choices]
    assert "send_as_campaign" not in choices
    assert "end_now" in choices
    assert (forged.status_code, forged["Location"]) == (302, url)
    assert not Campaign.objects.exists()


def test_send_as_a_campaign_from_the_announcements_page(client, strata, manager):
    announcement = post(manager, strata)
    client.force_login(manager)
    url = reverse("admin:campaigns_announcement_change", args=[announcement.pk])

    response = client.post(
        url, {"CHANGE_FORM-action": "send_as_campaign", "_selected_action": announcement.pk}
    )

    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = client.get(url)
    assert f'href="{response["Location"]}"' in page.text  # "sent as campaign" links to it


def test_end_it_now_from_the_list(client, strata, council_member):
    announcement = post(council_member, strata)
    client.force_login(council_member)

    client.post(reverse("admin:campaigns_announcement_changelist"), action(announcement, "end_now"))

    assert not current_announcements([strata.pk]).exists()


# --- the staff dashboard --------------------------------------------------------------------


def test_the_dashboard_shows_the_users_stratas_current_ones_most_urgent_first(
    client, strata, other_strata, manager, caretaker, other_manager
):
    post(manager, strata, "Garage sweeping", priority="normal")
    post(manager, strata, "Fire alarm test", priority="urgent", starts=-2 * HOUR)
    post(manager, strata, "Next week", starts=24 * HOUR)
    post(manager, strata, "Last week", starts=-48 * HOUR, ends=-24 * HOUR)
    post(other_manager, other_strata, "Cedar Grove pool")

    shown = {}
    for user in (manager, caretaker, other_manager):
        client.force_login(user)
        response = client.get(reverse("admin:index"))
        shown[user.email] = [a.title for a in response.context["announcements"]]

    assert shown == {
        manager.email: ["Fire alarm test", "Garage sweeping"],
        caretaker.email: ["Fire alarm test", "Garage sweeping"],
        other_manager.email: ["Cedar Grove pool"],
    }


def test_the_dashboard_shows_the_sanitised_body(client, strata, manager):
    announcement_save(
        actor=manager,
        strata=strata,
        title="Water shut-off",
        body_markdown=UNSAFE,
        priority="urgent",
        starts_at=timezone.now(),
    )
    client.force_login(manager)

    response = client.get(reverse("admin:index"))

    assert "<strong>Thursday</strong>" in response.text
    assert "<script>alert" not in response.text
    assert 'href="javascript' not in response.text
    assert 'id="announcements-dashboard"' in response.text


def test_the_dashboard_runs_at_most_five_more_queries_whatever_the_count(
    client, strata, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("admin:index")
    client.get(url)
    with CaptureQueriesContext(connection) as none:
        client.get(url)
    for i in range(30):
        post(manager, strata, f"Announcement {i:02d}", priority=("urgent", "normal")[i % 2])

    with django_assert_max_num_queries(len(none) + 5):
        response = client.get(url)

    assert len(response.context["announcements"]) == 10
    assert response.context["announcements_more"] is True
    assert {a.priority for a in response.context["announcements"]} == {"urgent"}


# --- the resident pages ---------------------------------------------------------------------


def test_every_resident_page_shows_the_residents_strata_announcements_only(
    client, strata, other_strata, manager, other_manager, unit, other_unit
):
    post(manager, strata, "Own strata news", priority="urgent")
    post(manager, strata, "Not yet", starts=HOUR)
    post(other_manager, other_strata, "Other strata news")
    sign_in_resident(client, resident_of(unit, "olive@example.test"))

    for name in ("resident_home", "resident_units", "resident_charges", "resident_preferences"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert "Own strata news" in page.text, name
        assert "announcement-urgent" in page.text, name
        assert "Not yet" not in page.text, name
        assert "Other strata news" not in page.text, name


def test_a_resident_of_another_strata_sees_none_of_its_announcements(
    client, strata, manager, other_unit
):
    post(manager, strata, "Own strata news")
    sign_in_resident(client, resident_of(other_unit, "oscar@example.test"))

    page = client.get(reverse("resident_home"))

    assert page.status_code == 200
    assert "Own strata news" not in page.text
    assert 'class="announcements"' not in page.text


def test_a_resident_page_shows_the_sanitised_body(client, strata, manager, unit):
    announcement_save(
        actor=manager,
        strata=strata,
        title="Water shut-off",
        body_markdown=UNSAFE,
        priority="normal",
        starts_at=timezone.now(),
    )
    sign_in_resident(client, resident_of(unit, "olive@example.test"))

    page = client.get(reverse("resident_home"))

    assert "<strong>Thursday</strong>" in page.text
    assert "<script>alert" not in page.text
    assert 'href="javascript' not in page.text


def test_a_manager_on_the_resident_pages_sees_no_announcement_of_their_stratas(
    client, strata, manager
):
    post(manager, strata, "Own strata news")
    client.force_login(manager)

    page = client.get(reverse("resident_home"))

    assert page.status_code == 200
    assert "Own strata news" not in page.text


def test_a_visitor_who_is_not_signed_in_sees_none(client, strata, manager):
    post(manager, strata, "Own strata news")

    page = client.get(reverse("resident_sign_in"))

    assert page.status_code == 200
    assert "Own strata news" not in page.text
