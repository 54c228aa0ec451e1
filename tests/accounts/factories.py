import datetime as dt

import factory

from accounts.models import Strata, StrataMembership, User


class StrataFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strata

    name = factory.Sequence(lambda n: f"Strata {n}")
    plan_number = factory.Sequence(lambda n: f"BCS{1000 + n}")
    address = "1 Main Street, Vancouver BC"
    postal_address = "c/o Manager, PO Box 1, Vancouver BC V6B 1A1"
    reply_email = "council@example.test"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrataMembership

    user = factory.SubFactory(UserFactory)
    strata = factory.SubFactory(StrataFactory)
    role = StrataMembership.Role.MANAGER
    # A fixed day well before every test's clock: a default taken from the real date made
    # memberships "not yet started" in tests that travel to a fixed day (issue 11).
    starts_on = dt.date(2020, 1, 1)
    accepted_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
