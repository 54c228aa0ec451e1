"""An add form's strata field starts at the strata picked in the switcher, else at the user's
only strata where the admin lets them add; with several and none picked it starts empty."""

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_STRATA_ID, SESSION_STRATA_TZ
from accounts.models import StrataMembership
from tests.accounts.factories import MembershipFactory, StrataFactory

pytestmark = pytest.mark.django_db


def initial_strata(client, page: str):
    response = client.get(reverse(f"admin:{page}_add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    return form.initial.get("strata"), form["strata"].value()


def pick(client, strata) -> None:
    session = client.session
    session[SESSION_STRATA_ID], session[SESSION_STRATA_TZ] = strata.pk, strata.time_zone
    session.save()


@pytest.mark.parametrize(
    "page",
    [
        "properties_unit",
        "properties_person",
        "properties_parkingspot",
        "accounts_stratamembership",  # the invitation
    ],
)
def test_a_manager_of_one_strata_gets_it_as_the_default(client, manager, strata, page):
    client.force_login(manager)
    assert initial_strata(client, page) == (strata.pk, strata.pk)


def test_the_strata_picked_in_the_switcher_is_the_default(client, manager, strata, other_strata):
    MembershipFactory(strata=other_strata, user=manager, role=StrataMembership.Role.MANAGER)
    client.force_login(manager)
    pick(client, other_strata)
    assert initial_strata(client, "properties_unit") == (other_strata.pk, other_strata.pk)


def test_a_manager_of_two_stratas_with_none_picked_gets_no_default(
    client, manager, strata, other_strata
):
    MembershipFactory(strata=other_strata, user=manager, role=StrataMembership.Role.MANAGER)
    client.force_login(manager)
    assert initial_strata(client, "properties_unit") == (None, None)


def test_only_stratas_where_the_user_may_add_count(client, manager, strata, other_strata):
    # Council in the other strata: it may read that register, not add to it.
    MembershipFactory(strata=other_strata, user=manager, role=StrataMembership.Role.COUNCIL)
    client.force_login(manager)
    assert initial_strata(client, "properties_unit") == (strata.pk, strata.pk)


def test_a_picked_strata_where_the_user_may_not_add_is_no_default(
    client, manager, strata, other_strata
):
    MembershipFactory(strata=other_strata, user=manager, role=StrataMembership.Role.COUNCIL)
    client.force_login(manager)
    pick(client, other_strata)
    assert initial_strata(client, "properties_unit") == (None, None)


def test_an_archived_strata_is_no_default(client, manager, strata):
    archived = StrataFactory(archived_at="2025-01-01T00:00:00Z")
    MembershipFactory(strata=archived, user=manager, role=StrataMembership.Role.MANAGER)
    client.force_login(manager)
    assert initial_strata(client, "properties_unit") == (strata.pk, strata.pk)
