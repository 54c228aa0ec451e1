"""Separation of duties in a strata's staff (docs/security.md): nobody gives a role to
themselves, and a change to how many council approvals a notice needs is audited and told to
the strata's council and other managers."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditLog, Strata, StrataMembership
from accounts.services import membership_invite, strata_save
from communications.models import OutboundEmail
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC)  # 12:00 in Vancouver
Role = StrataMembership.Role
SELF_GRANT = "You cannot give a role to yourself: another manager or an administrator must."


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOON, tick=False):
        yield


def memberships() -> list[tuple]:
    return list(StrataMembership.objects.order_by("pk").values_list("user_id", "strata_id", "role"))


# --- nobody grants a role to themselves -----------------------------------------------------


@pytest.mark.parametrize("address", ["manager@example.test", " Manager@EXAMPLE.test "])
def test_a_manager_cannot_give_themselves_the_council_role(manager, strata, address):
    before = memberships()

    with pytest.raises(ValidationError) as refused:
        membership_invite(
            strata=strata, email=address, full_name="Me Again", role="council", actor=manager
        )

    assert refused.value.message_dict == {"email": [SELF_GRANT]}
    assert memberships() == before
    assert not AuditLog.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_superuser_cannot_give_themselves_a_role_either(superuser, strata):
    with pytest.raises(ValidationError) as refused:
        membership_invite(
            strata=strata,
            email="admin@example.test",
            full_name="Admin",
            role="manager",
            actor=superuser,
        )

    assert refused.value.message_dict == {"email": [SELF_GRANT]}
    assert not StrataMembership.objects.filter(user=superuser).exists()
    assert not AuditLog.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_the_admin_refuses_a_self_invitation_with_a_form_error(client, manager, strata):
    client.force_login(manager)
    before = memberships()

    response = client.post(
        reverse("admin:accounts_stratamembership_add"),
        {
            "email": "MANAGER@example.test",
            "full_name": "Me Again",
            "strata": strata.pk,
            "role": "council",
            "starts_on": "2026-11-25",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": [SELF_GRANT]}
    assert memberships() == before
    assert not AuditLog.objects.exists()
    assert not OutboundEmail.objects.exists()


# --- a change to the approval rule is audited and announced ---------------------------------


@pytest.fixture
def staff(strata, other_strata, manager, council_member, caretaker, other_manager):
    """Harbour View requires two approvals. Told of a change: its council and its managers
    other than the one making it. Not told: the caretaker, a member whose role ended, one who
    has not accepted theirs, a deactivated member, and another strata's manager."""
    strata.notice_approvals_required = 2
    strata.save()
    people = {}
    for key, email, extra in (
        ("co_manager", "co-manager@example.test", {"role": Role.MANAGER}),
        ("council2", "council2@example.test", {"role": Role.COUNCIL}),
        ("ended", "ended@example.test", {"role": Role.COUNCIL, "ends_on": dt.date(2026, 6, 1)}),
        ("unaccepted", "unaccepted@example.test", {"role": Role.COUNCIL, "accepted_at": None}),
    ):
        user = UserFactory(email=email, full_name=key.title())
        MembershipFactory(strata=strata, user=user, **extra)
        people[key] = user
    gone = UserFactory(email="gone@example.test", is_active=False)
    MembershipFactory(strata=strata, user=gone, role=Role.COUNCIL)
    return people


def announced() -> list[tuple[str, str]]:
    return list(
        OutboundEmail.objects.filter(template_name="accounts.approval_rule_changed")
        .order_by("to_address")
        .values_list("to_address", "dedup_key")
    )


def test_lowering_the_required_approvals_is_audited_and_told_to_council_and_other_managers(
    strata, manager, council_member, staff
):
    strata.notice_approvals_required = 0

    strata_save(strata=strata, actor=manager, changed_fields=["notice_approvals_required"])

    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.strata, entry.changes) == (
        "strata.changed",
        manager,
        strata,
        {"notice_approvals_required": {"from": 2, "to": 0}},
    )
    key = f"strata:{strata.uuid}:approvals-changed:{entry.uuid}"
    assert announced() == [
        ("co-manager@example.test", f"{key}:{staff['co_manager'].uuid}"),
        ("council2@example.test", f"{key}:{staff['council2'].uuid}"),
        ("council@example.test", f"{key}:{council_member.uuid}"),
    ]
    email = OutboundEmail.objects.get(to_address="council@example.test")
    assert (email.kind, email.strata, email.about) == ("system", strata, strata.uuid)
    assert email.subject == "Harbour View: notices now need 0 council approvals (were 2)"
    assert (
        "manager (manager@example.test) changed how many council approvals a notice of "
        "complaint needs before it is sent in Harbour View: from 2 to 0, on 2026-11-25 at "
        "12:00 PST."
    ) in " ".join(email.body_text.split())


def test_an_approval_change_left_out_of_changed_fields_is_still_audited_and_told(
    strata, manager, staff
):
    strata.notice_approvals_required = 1
    strata.name = "Harbour View Towers"

    strata_save(strata=strata, actor=manager, changed_fields=["name"], before={"name": "Old"})

    assert AuditLog.objects.get().changes == {
        "name": {"from": "Old", "to": "Harbour View Towers"},
        "notice_approvals_required": {"from": 2, "to": 1},
    }
    assert len(announced()) == 3


def test_each_change_of_the_rule_is_told_once(strata, manager, staff):
    for required in (0, 0, 2):
        strata.notice_approvals_required = required
        strata_save(strata=strata, actor=manager, changed_fields=["notice_approvals_required"])

    changes = [e.changes for e in AuditLog.objects.order_by("id")]
    assert changes == [
        {"notice_approvals_required": {"from": 2, "to": 0}},
        {},
        {"notice_approvals_required": {"from": 0, "to": 2}},
    ]
    assert len(announced()) == 6
    assert OutboundEmail.objects.filter(to_address="council@example.test").count() == 2


def test_saving_other_settings_tells_no_one(strata, manager, staff):
    strata.response_window_days = 21
    strata_save(strata=strata, actor=manager, changed_fields=["response_window_days"])
    assert announced() == []


def test_changing_the_rule_in_the_admin_is_told_to_council(client, strata, manager, staff):
    client.force_login(manager)
    url = reverse("admin:accounts_strata_change", args=[strata.pk])
    data = change_form_data(client.get(url))

    response = client.post(url, {**data, "notice_approvals_required": "0"})

    assert response.status_code == 302
    assert Strata.objects.get(pk=strata.pk).notice_approvals_required == 0
    assert AuditLog.objects.get().changes == {"notice_approvals_required": {"from": 2, "to": 0}}
    assert [address for address, _key in announced()] == [
        "co-manager@example.test",
        "council2@example.test",
        "council@example.test",
    ]
