import datetime as dt

import factory

from properties.models import (
    BikeLocker,
    Occupancy,
    ParkingSpot,
    Person,
    RegisterImportJob,
    StorageLocker,
    Unit,
)
from tests.accounts.factories import StrataFactory, UserFactory


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    strata = factory.SubFactory(StrataFactory)
    unit_number = factory.Sequence(lambda n: str(100 + n))
    strata_lot_number = factory.Sequence(lambda n: n + 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    strata = factory.SubFactory(StrataFactory)
    full_name = factory.Sequence(lambda n: f"Resident {n}")
    email = factory.Sequence(lambda n: f"resident{n}@example.test")
    phone = "+1 604 555 0100"


class OccupancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupancy

    unit = factory.SubFactory(UnitFactory)
    person = factory.SubFactory(PersonFactory, strata=factory.SelfAttribute("..unit.strata"))
    role = Occupancy.Role.OWNER
    starts_on = dt.date(2020, 1, 1)


class ParkingSpotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParkingSpot

    strata = factory.SubFactory(StrataFactory)
    identifier = factory.Sequence(lambda n: f"P-{n:03d}")


class StorageLockerFactory(ParkingSpotFactory):
    class Meta:
        model = StorageLocker

    identifier = factory.Sequence(lambda n: f"S-{n:03d}")


class BikeLockerFactory(ParkingSpotFactory):
    class Meta:
        model = BikeLocker

    identifier = factory.Sequence(lambda n: f"B-{n:03d}")


class RegisterImportJobFactory(factory.django.DjangoModelFactory):
    """A finished background import (its file deleted, as after a run)."""

    class Meta:
        model = RegisterImportJob

    strata = factory.SubFactory(StrataFactory)
    created_by = factory.SubFactory(UserFactory)
    resource = "UnitResource"
    file_name = factory.Sequence(lambda n: f"units-{n}.csv")
    file_format = "csv"
    state = RegisterImportJob.State.DONE
    rows_total = 3
    rows_done = 3
    rows_new = 3
