"""Saving a strata's settings and ending a membership: who may, the legal ceilings at their
edges, and the audit record (DESIGN §5; accounts.services)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditLog, Strata, StrataMembership, User
from accounts.permissions import is_staff_member
from accounts.services import membership_end, strata_save
from tests.accounts.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
STAFF_SINCE = dt.date(2020, 1, 1)
Role = StrataMembership.Role


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOON, tick=False):
        yield


def _staff(strata, role, email):
    user = UserFactory(email=email, full_name=email.split("@")[0])
    MembershipFactory(strata=strata, role=role, user=user, starts_on=STAFF_SINCE)
    return user


# The shared people, with memberships that start on a fixed date.
@pytest.fixture
def manager(strata):
    return _staff(strata, Role.MANAGER, "manager@example.test")


@pytest.fixture
def council_member(strata):
    return _staff(strata, Role.COUNCIL, "council@example.test")


@pytest.fixture
def caretaker(strata):
    return _staff(strata, Role.CARETAKER, "caretaker@example.test")


@pytest.fixture
def other_manager(other_strata):
    return _staff(other_strata, Role.MANAGER, "other-manager@example.test")


def stored(strata) -> dict:
    return Strata.objects.values().get(pk=strata.pk)


def form_data(form) -> dict:
    """What a browser posts back for an unbound admin form left as it is."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


# --- a strata's settings -----------------------------------------------------------------


def test_a_manager_saves_the_stratas_settings_and_it_is_audited(manager, strata):
    strata.notice_approvals_required = 2
    strata.response_window_days = 21

    strata_save(
        strata=strata,
        actor=manager,
        changed_fields=["notice_approvals_required", "response_window_days"],
    )

    row = stored(strata)
    assert (row["notice_approvals_required"], row["response_window_days"]) == (2, 21)
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.strata, entry.target_uuid) == (
        "strata.changed",
        manager,
        strata,
        strata.uuid,
    )


@pytest.mark.parametrize("role", ["council_member", "caretaker", "other_manager"])
def test_only_its_managers_may_save_a_stratas_settings(request, strata, role):
    actor = request.getfixturevalue(role)
    before = stored(strata)
    strata.notice_approvals_required = 0
    strata.max_fine_bylaw = Decimal("200")

    with pytest.raises(PermissionDenied) as refused:
        strata_save(
            strata=strata,
            actor=actor,
            changed_fields=["notice_approvals_required", "max_fine_bylaw"],
        )

    assert str(refused.value) == "Only this strata's managers can change its settings."
    assert stored(strata) == before
    assert not AuditLog.objects.exists()


def test_only_an_administrator_adds_a_strata(manager, superuser):
    with pytest.raises(PermissionDenied) as refused:
        strata_save(strata=Strata(name="Maple Court", plan_number="EPS9"), actor=manager)
    assert str(refused.value) == "Only an administrator can add a strata."
    assert not Strata.objects.filter(plan_number="EPS9").exists()
    assert not AuditLog.objects.exists()

    added = strata_save(strata=Strata(name="Maple Court", plan_number="EPS9"), actor=superuser)
    assert AuditLog.objects.get().action == "strata.created"
    assert Strata.objects.get(plan_number="EPS9") == added


# field → (the legal ceiling, one step beyond it, the refusal)
CEILINGS = {
    "max_fine_bylaw": (Decimal("200.00"), Decimal("200.01"), "Reg 7.1 caps a bylaw fine at $200."),
    "max_fine_rule": (Decimal("50.00"), Decimal("50.01"), "Reg 7.1 caps a rule fine at $50."),
    "hearing_deadline_days": (28, 29, "SPA s.34.1 requires a hearing within 28 days."),
    "decision_deadline_days": (
        7,
        8,
        "SPA s.34.1(3) requires the decision within 7 days of the hearing.",
    ),
    "continuing_interval_days": (
        7,
        6,
        "A continuing contravention may be fined at most every 7 days.",
    ),
}


@pytest.mark.parametrize("field", list(CEILINGS))
def test_a_setting_exactly_at_its_legal_ceiling_is_saved(manager, strata, field):
    ceiling, _beyond, _message = CEILINGS[field]
    setattr(strata, field, ceiling)
    strata_save(strata=strata, actor=manager, changed_fields=[field])
    assert stored(strata)[field] == ceiling
    assert AuditLog.objects.get().action == "strata.changed"


@pytest.mark.parametrize("field", list(CEILINGS))
def test_a_setting_one_step_beyond_its_legal_ceiling_is_refused(manager, strata, field):
    _ceiling, beyond, message = CEILINGS[field]
    before = stored(strata)
    setattr(strata, field, beyond)
    with pytest.raises(ValidationError) as refused:
        strata_save(strata=strata, actor=manager, changed_fields=[field])
    assert refused.value.message_dict == {field: [message]}
    assert stored(strata) == before
    assert not AuditLog.objects.exists()


def _change_form(client, strata):
    return client.get(reverse("admin:accounts_strata_change", args=[strata.pk]))


def test_a_manager_saves_the_settings_through_the_admin_and_the_audit_keeps_the_old_values(
    client, manager, strata
):
    client.force_login(manager)
    data = form_data(_change_form(client, strata).context["adminform"].form)

    response = client.post(
        reverse("admin:accounts_strata_change", args=[strata.pk]),
        {**data, "notice_approvals_required": "2", "response_window_days": "21"},
    )

    assert response.status_code == 302
    row = stored(strata)
    assert (row["notice_approvals_required"], row["response_window_days"]) == (2, 21)
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.strata) == ("strata.changed", manager, strata)
    assert entry.changes == {
        "response_window_days": {"from": 14, "to": 21},
        "notice_approvals_required": {"from": 0, "to": 2},
    }


@pytest.mark.parametrize(
    ("role", "status"), [("council_member", 403), ("caretaker", 403), ("other_manager", 302)]
)
def test_the_admin_refuses_a_stratas_settings_to_anyone_but_its_managers(
    request, client, superuser, strata, role, status
):
    client.force_login(superuser)
    data = form_data(_change_form(client, strata).context["adminform"].form)
    before = stored(strata)
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("admin:accounts_strata_change", args=[strata.pk]),
        {**data, "notice_approvals_required": "0", "name": "Renamed"},
    )

    assert response.status_code == status  # another strata's is "not found" (a redirect)
    assert stored(strata) == before
    assert not AuditLog.objects.exists()


# --- ending a membership -----------------------------------------------------------------


def _fresh(user) -> User:
    """The user without cached roles."""
    return User.objects.get(pk=user.pk)


def test_a_manager_ends_a_membership_which_grants_nothing_from_that_moment(
    manager, council_member, strata
):
    membership = StrataMembership.objects.get(user=council_member)

    ended = membership_end(membership=membership, actor=manager, ends_on=dt.date(2026, 11, 25))

    membership.refresh_from_db()
    assert (ended.pk, membership.ends_on) == (membership.pk, dt.date(2026, 11, 25))
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.strata, entry.changes) == (
        "membership.ended",
        manager,
        strata,
        {"ends_on": "2026-11-25"},
    )
    assert not is_staff_member(_fresh(council_member))


def test_a_membership_ends_today_unless_a_date_is_given(manager, council_member):
    membership = StrataMembership.objects.get(user=council_member)
    membership_end(membership=membership, actor=manager)
    membership.refresh_from_db()
    assert membership.ends_on == dt.date(2026, 11, 25)


@pytest.mark.parametrize("role", ["council_member", "caretaker", "other_manager"])
def test_only_its_managers_may_end_a_membership(request, strata, role):
    target = _staff(strata, Role.COUNCIL, "leaving@example.test")
    membership = StrataMembership.objects.get(user=target)
    actor = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied) as refused:
        membership_end(membership=membership, actor=actor)

    assert str(refused.value) == "Only this strata's managers can end memberships."
    membership.refresh_from_db()
    assert membership.ends_on is None
    assert not AuditLog.objects.exists()
    assert is_staff_member(_fresh(target))


def test_a_membership_cannot_end_the_day_before_it_starts(manager, council_member):
    membership = StrataMembership.objects.get(user=council_member)

    with pytest.raises(ValidationError) as refused:
        membership_end(membership=membership, actor=manager, ends_on=dt.date(2019, 12, 31))

    assert refused.value.message_dict == {
        "ends_on": ["A membership cannot end before it starts (2020-01-01)."]
    }
    membership.refresh_from_db()
    assert membership.ends_on is None
    assert not AuditLog.objects.exists()

    membership_end(membership=membership, actor=manager, ends_on=dt.date(2020, 1, 1))
    membership.refresh_from_db()
    assert membership.ends_on == dt.date(2020, 1, 1)


def test_an_ended_membership_cannot_be_ended_again(manager, council_member):
    membership = StrataMembership.objects.get(user=council_member)
    membership_end(membership=membership, actor=manager, ends_on=dt.date(2026, 11, 20))

    with pytest.raises(ValidationError) as refused:
        membership_end(membership=membership, actor=manager, ends_on=dt.date(2026, 11, 25))

    assert refused.value.messages == ["This membership already ended on 2026-11-20."]
    membership.refresh_from_db()
    assert membership.ends_on == dt.date(2026, 11, 20)
    assert AuditLog.objects.count() == 1


def test_a_manager_ends_a_membership_from_the_admin_list(client, manager, council_member):
    membership = StrataMembership.objects.get(user=council_member)
    client.force_login(manager)

    response = client.post(
        reverse("admin:accounts_stratamembership_changelist"),
        {"action": "end_selected", "_selected_action": [membership.pk]},
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Ended 1 memberships."]
    membership.refresh_from_db()
    assert membership.ends_on == dt.date(2026, 11, 25)
    assert AuditLog.objects.get().action == "membership.ended"


@pytest.mark.parametrize("role", ["council_member", "caretaker"])
def test_the_admin_list_of_memberships_is_closed_to_council_and_caretakers(
    request, client, manager, strata, role
):
    target = _staff(strata, Role.COUNCIL, "leaving@example.test")
    membership = StrataMembership.objects.get(user=target)
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("admin:accounts_stratamembership_changelist"),
        {"action": "end_selected", "_selected_action": [membership.pk]},
    )

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.ends_on is None
    assert not AuditLog.objects.exists()
