"""A reported case on unit 101 of Harbour View, owned by Olive (who gave an email for
notices) and let to Terry (who gave none), with a recused council member who lives there."""

import datetime as dt

import pytest

from accounts.models import StrataMembership
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory
from tests.violations.factories import BylawFactory, ViolationFactory


@pytest.fixture
def owner_for_notices(owner):
    owner.full_name = "Olive Owner"
    owner.email = "olive@example.test"
    owner.email_for_notices = "olive.notices@example.test"
    owner.email_for_notices_given_on = dt.date(2024, 1, 10)
    owner.save()
    return owner


@pytest.fixture
def noise_bylaw(strata):
    return BylawFactory(
        strata=strata,
        number="3.1",
        title="Nuisance and noise",
        text="An owner, tenant or occupant must not cause unreasonable noise.",
        revision=dt.date(2020, 1, 1),
    )


@pytest.fixture
def case(strata, unit, owner_for_notices, tenant, noise_bylaw):
    return ViolationFactory(unit=unit, bylaws=[noise_bylaw], reference="VIO-20261101-001")


@pytest.fixture
def occupant(unit):
    return OccupancyFactory(
        unit=unit, role=Occupancy.Role.OCCUPANT, person=PersonFactory(strata=unit.strata)
    ).person


@pytest.fixture
def recused_council_member(strata, unit):
    """A council member who lives in the case's unit (an occupant): recused (SPA s.32)."""
    user = UserFactory(email="recused@example.test", full_name="Rex Recused")
    MembershipFactory(strata=strata, role=StrataMembership.Role.COUNCIL, user=user)
    OccupancyFactory(
        unit=unit,
        role=Occupancy.Role.OCCUPANT,
        person=PersonFactory(strata=strata, full_name="Rex Recused", user=user),
    )
    return user


@pytest.fixture
def second_council_member(strata):
    user = UserFactory(email="council2@example.test", full_name="Cora Council")
    MembershipFactory(strata=strata, role=StrataMembership.Role.COUNCIL, user=user)
    return user
