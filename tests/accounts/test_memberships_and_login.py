"""Staff invitations, ending memberships, password reset by email and login lockout."""

import datetime as dt
import re
from email import message_from_bytes

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditLog, StrataMembership, User
from accounts.permissions import is_staff_member
from accounts.services import membership_end, membership_invite
from communications.models import OutboundEmail
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def body_of(raw: bytes) -> str:
    message = message_from_bytes(raw)
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def test_invitation_creates_a_user_and_emails_a_set_password_link(
    client, manager, strata, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_invite(
            strata=strata,
            email="New.Council@Example.test",
            full_name="Nora Council",
            role="council",
            actor=manager,
        )
    user = User.objects.get(email="new.council@example.test")
    assert membership.user == user
    assert not user.has_usable_password()
    assert AuditLog.objects.get().action == "membership.invited"

    [(_sender, recipients, raw)] = smtp_sink.messages
    assert recipients == ["new.council@example.test"]
    text = body_of(raw)
    assert "Harbour View as Council member" in text
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+)", text).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-council-password", "new_password2": "a-long-council-password"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-council-password")
    login = client.post(
        reverse("admin:login"),
        {"username": "new.council@example.test", "password": "a-long-council-password"},
    )
    assert login.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_rolled_back_invitation_sends_nothing(manager, strata, smtp_sink):
    # Outside captured on-commit callbacks the test transaction never commits: no email.
    membership_invite(
        strata=strata, email="x@example.test", full_name="X", role="caretaker", actor=manager
    )
    assert smtp_sink.messages == []


@pytest.mark.parametrize("role_fixture", ["council_member", "caretaker", "other_manager"])
def test_only_the_stratas_managers_invite(request, strata, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        membership_invite(
            strata=strata, email="x@example.test", full_name="X", role="council", actor=actor
        )
    assert not User.objects.filter(email="x@example.test").exists()
    assert not AuditLog.objects.exists()


def test_inviting_someone_to_a_role_they_hold_is_refused(manager, strata, council_member):
    with pytest.raises(ValidationError) as error:
        membership_invite(
            strata=strata, email=council_member.email, full_name="", role="council", actor=manager
        )
    assert "already has this role" in error.value.messages[0]


def test_an_ended_membership_grants_nothing_from_its_end(manager, council_member, strata):
    membership = StrataMembership.objects.get(user=council_member)
    membership_end(
        membership=membership, actor=manager, ends_on=dt.date.today() - dt.timedelta(days=1)
    )
    refreshed = User.objects.get(pk=council_member.pk)
    assert not is_staff_member(refreshed)
    assert AuditLog.objects.get().action == "membership.ended"
    with pytest.raises(ValidationError):
        membership_end(membership=membership, actor=manager)


def test_password_reset_email_goes_through_the_outbox_to_the_smtp_sink(
    client, manager, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "MANAGER@example.test"})
    assert response.status_code == 302
    [(_sender, recipients, raw)] = smtp_sink.messages
    assert recipients == ["manager@example.test"]
    assert "http://127.0.0.1:8000/accounts/reset/" in body_of(raw)
    row = OutboundEmail.objects.get()
    assert (row.kind, row.status, row.template_name) == ("login", "sent", "accounts.password_reset")
    assert row.sensitive and row.body_text == ""  # the reset link is not kept once sent
    assert message_from_bytes(raw)["Message-ID"] == row.message_id


def test_a_second_password_reset_in_the_same_hour_sends_nothing_new(
    client, manager, smtp_sink, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 5, tzinfo=dt.UTC), tick=False):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                client.post(reverse("password_reset"), {"email": manager.email})
    an_hour_later = dt.datetime(2026, 11, 25, 11, 1, tzinfo=dt.UTC)
    with (
        time_machine.travel(an_hour_later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("password_reset"), {"email": manager.email})
    assert OutboundEmail.objects.filter(kind="login", status="sent").count() == 2
    assert len(smtp_sink.messages) == 2


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, smtp_sink):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert smtp_sink.messages == []


def test_login_is_locked_after_repeated_failures_for_that_username_and_ip(client, manager):
    url = reverse("admin:login")
    for attempt in range(5):
        typed = manager.email.upper() if attempt % 2 else manager.email  # one count, any case
        client.post(url, {"username": typed, "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    locked = client.post(
        url,
        {"username": manager.email, "password": "correct horse battery staple"},
        REMOTE_ADDR="10.0.0.5",
    )
    assert locked.status_code == 429
    # Another address is not locked out by someone else's guessing.
    other = client.post(
        url,
        {"username": manager.email, "password": "correct horse battery staple"},
        REMOTE_ADDR="10.0.0.6",
    )
    assert other.status_code == 302


def test_a_user_without_a_current_membership_cannot_use_the_admin(client, strata):
    ended = MembershipFactory(
        strata=strata, starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2021, 1, 1)
    ).user
    response = client.post(
        reverse("admin:login"),
        {"username": ended.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 200
    assert "no current staff role" in response.content.decode()


def test_inviting_someone_who_has_a_password_mails_no_way_into_their_account(
    manager, strata, superuser, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        membership_invite(
            strata=strata, email=superuser.email, full_name="", role="council", actor=manager
        )
    row = OutboundEmail.objects.get()
    assert not row.sensitive
    assert "/accounts/reset/" not in mailoutbox[0].body
    assert "Sign in with your usual password" in row.body_text


def test_a_set_password_link_is_never_shown_to_staff_and_is_blanked_once_sent(
    client, manager, strata, django_capture_on_commit_callbacks, mailoutbox
):
    sent_at = dt.datetime(2026, 11, 25, 10, 5, tzinfo=dt.UTC)
    with (
        time_machine.travel(sent_at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        membership_invite(
            strata=strata, email="new@example.test", full_name="New", role="council", actor=manager
        )
    row = OutboundEmail.objects.get()
    assert row.sensitive and row.status == "sent"
    assert "/accounts/reset/" in mailoutbox[0].body
    assert (row.body_text, row.body_html) == ("", "")
    assert (row.sent_at, row.body_purged_at) == (sent_at, sent_at)
    client.force_login(manager)
    page = client.get(reverse("admin:communications_outboundemail_change", args=[row.pk]))
    assert "carries a sign-in link" in page.content.decode()
    assert "/accounts/reset/" not in page.content.decode()


def test_a_second_password_reset_after_the_first_bounced_is_sent(
    client, manager, smtp_sink, django_capture_on_commit_callbacks
):
    smtp_sink.script[manager.email] = ["550 5.1.1 Mailbox full"]
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 5, tzinfo=dt.UTC), tick=False):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                client.post(reverse("password_reset"), {"email": manager.email})
    assert sorted(OutboundEmail.objects.values_list("status", flat=True)) == ["failed", "sent"]
    assert len(smtp_sink.messages) == 1
