"""The people of STYLE's shared fixtures as plain functions, so that a module building its
world once (the authorization matrix) makes exactly the people the fixtures make."""

import datetime as dt

from accounts.models import StrataMembership
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, StrataFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory


def harbour_view():
    return StrataFactory(name="Harbour View", plan_number="BCS1234")


def cedar_grove():
    return StrataFactory(name="Cedar Grove", plan_number="VIS5678")


def member(strata, role, email):
    return MembershipFactory(
        strata=strata, role=role, user=UserFactory(email=email, full_name=email.split("@")[0])
    ).user


def manager_of(strata):
    return member(strata, StrataMembership.Role.MANAGER, "manager@example.test")


def council_member_of(strata):
    return member(strata, StrataMembership.Role.COUNCIL, "council@example.test")


def caretaker_of(strata):
    return member(strata, StrataMembership.Role.CARETAKER, "caretaker@example.test")


def other_manager_of(other_strata):
    return member(other_strata, StrataMembership.Role.MANAGER, "other-manager@example.test")


def superuser():
    return UserFactory(email="admin@example.test", is_superuser=True)


def unit_101(strata):
    return UnitFactory(strata=strata, unit_number="101", strata_lot_number=1)


def unit_9(other_strata):
    return UnitFactory(strata=other_strata, unit_number="9", strata_lot_number=9)


def owner_of(unit):
    return OccupancyFactory(
        unit=unit, role=Occupancy.Role.OWNER, starts_on=dt.date(2019, 5, 1)
    ).person


def tenant_of(unit, owner):
    person = PersonFactory(strata=unit.strata, full_name="Terry Tenant")
    OccupancyFactory(
        unit=unit,
        person=person,
        role=Occupancy.Role.TENANT,
        landlord=owner,
        starts_on=dt.date(2024, 9, 1),
        form_k_received_on=dt.date(2024, 8, 20),
    )
    return person
