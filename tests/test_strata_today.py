"""A strata's "today" is its own, wherever the code runs (issue 14, item 4).

Each case runs at 18:00 on 31 May in Vancouver, which is 01:00 on 1 June in UTC: the zone of a
Celery worker, and of an admin page with no strata picked in the switcher. What ends on 31 May
in a Vancouver strata still holds then. One section per area; they share the clock fixtures
and the conftest's ``strata`` (Harbour View, America/Vancouver).
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from accounts.models import StrataMembership, User
from accounts.permissions import Right, can, current_memberships, staff_roles
from accounts.services import membership_end, membership_invite
from properties.models import Occupancy
from properties.selectors import current_occupancies, register_counts_for, units_visible_to
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
LAST_DAY = dt.date(2026, 5, 31)
EVENING = dt.datetime(2026, 5, 31, 18, 0, tzinfo=VANCOUVER)  # 2026-06-01 01:00 UTC
AFTER_MIDNIGHT = dt.datetime(2026, 6, 1, 0, 30, tzinfo=VANCOUVER)


@pytest.fixture
def vancouver_strata(strata):
    assert strata.time_zone == "America/Vancouver"
    return strata


@pytest.fixture
def evening():
    """18:00 on 31 May in Vancouver, already 1 June in UTC."""
    assert EVENING.astimezone(dt.UTC).date() == dt.date(2026, 6, 1)
    with time_machine.travel(EVENING, tick=False):
        yield EVENING


@pytest.fixture
def after_midnight():
    """00:30 on 1 June in Vancouver: 31 May is over there too."""
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        yield AFTER_MIDNIGHT


# --- occupancies (properties.selectors) ------------------------------------------------------


@pytest.fixture
def tenancy(vancouver_strata):
    """A tenancy of unit 101 whose last day is 31 May, its tenant with a resident login."""
    return OccupancyFactory(
        unit=UnitFactory(strata=vancouver_strata, unit_number="101"),
        person=PersonFactory(strata=vancouver_strata, user=UserFactory()),
        role=Occupancy.Role.TENANT,
        starts_on=dt.date(2025, 6, 1),
        ends_on=LAST_DAY,
    )


def test_a_tenancy_ending_31_may_is_current_at_18_00_in_vancouver(tenancy, evening):
    assert list(current_occupancies()) == [tenancy]
    assert list(units_visible_to(tenancy.person.user)) == [tenancy.unit]


def test_a_tenancy_ending_31_may_counts_in_the_register_at_18_00_in_vancouver(
    tenancy, manager, evening
):
    (counts,) = register_counts_for(manager)
    assert (counts["name"], counts["tenants"]) == ("Harbour View", 1)


def test_a_tenancy_ending_31_may_is_over_after_midnight_in_vancouver(tenancy, after_midnight):
    assert not current_occupancies().exists()
    assert not units_visible_to(tenancy.person.user).exists()


def test_each_occupancy_is_current_by_its_own_stratas_today(tenancy, other_strata, evening):
    """One query, two zones: at 18:00 in Vancouver it is 10:00 on 1 June in Tokyo, where a
    tenancy ending 31 May is over."""
    other_strata.time_zone = "Asia/Tokyo"
    other_strata.save(update_fields=["time_zone"])
    OccupancyFactory(
        unit=UnitFactory(strata=other_strata),
        role=Occupancy.Role.TENANT,
        starts_on=dt.date(2025, 6, 1),
        ends_on=LAST_DAY,
    )
    assert list(current_occupancies()) == [tenancy]


# --- memberships (accounts.permissions) ------------------------------------------------------


@pytest.fixture
def council_term(vancouver_strata):
    """A council member whose term ends at the AGM on 31 May."""
    return MembershipFactory(
        strata=vancouver_strata,
        user=UserFactory(email="outgoing@example.test"),
        role=StrataMembership.Role.COUNCIL,
        ends_on=LAST_DAY,
    )


def test_a_membership_ending_31_may_still_counts_at_18_00_in_vancouver(council_term, evening):
    user = User.objects.get(pk=council_term.user_id)
    assert (
        StrataMembership.objects.filter(current_memberships()).filter(pk=council_term.pk).exists()
    )
    assert staff_roles(user) == {council_term.strata_id: frozenset({"council"})}
    assert can(user, Right.APPROVE_NOTICES, council_term.strata_id) is True


def test_a_membership_ending_31_may_is_over_after_midnight_in_vancouver(
    council_term, after_midnight
):
    user = User.objects.get(pk=council_term.user_id)
    assert staff_roles(user) == {}
    assert can(user, Right.APPROVE_NOTICES, council_term.strata_id) is False


def test_a_membership_ended_today_at_18_00_in_vancouver_ends_on_31_may(
    vancouver_strata, manager, evening
):
    membership = MembershipFactory(strata=vancouver_strata, role=StrataMembership.Role.CARETAKER)
    ended = membership_end(membership=membership, actor=manager)
    assert (ended.ends_on, ended.ended_at) == (LAST_DAY, EVENING)


def test_a_role_given_at_18_00_in_vancouver_starts_on_31_may(vancouver_strata, manager, evening):
    membership = membership_invite(
        strata=vancouver_strata,
        email="new.caretaker@example.test",
        full_name="New Caretaker",
        role=StrataMembership.Role.CARETAKER,
        actor=manager,
    )
    assert membership.starts_on == LAST_DAY
