from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Strata, User
from tests.accounts.factories import StrataFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_fine_bylaw", Decimal("200.01")),
        ("max_fine_rule", Decimal("50.01")),
        ("continuing_interval_days", 6),
        ("hearing_deadline_days", 29),
        ("decision_deadline_days", 8),
        ("response_window_days", 0),
    ],
)
def test_rule_settings_beyond_legal_ceilings_are_refused_by_the_database(field, value):
    strata = StrataFactory()
    Strata.objects.filter(pk=strata.pk).update(name="unchanged")
    with pytest.raises(IntegrityError), transaction.atomic():
        Strata.objects.filter(pk=strata.pk).update(**{field: value})
    strata.refresh_from_db()
    assert strata.name == "unchanged"


def test_rule_settings_beyond_ceilings_are_form_errors_in_clean():
    strata = StrataFactory.build(max_fine_bylaw=Decimal("250"), continuing_interval_days=3)
    with pytest.raises(ValidationError) as error:
        strata.full_clean()
    assert set(error.value.message_dict) == {"max_fine_bylaw", "continuing_interval_days"}


def test_rule_settings_at_the_legal_ceilings_are_accepted():
    strata = StrataFactory(
        max_fine_bylaw=Decimal("200"),
        max_fine_rule=Decimal("50"),
        continuing_interval_days=7,
        hearing_deadline_days=28,
        decision_deadline_days=7,
    )
    strata.full_clean()


def test_bc_defaults_follow_the_standard_bylaws():
    strata = StrataFactory()
    assert (strata.max_fine_bylaw, strata.max_fine_rule) == (50, 10)
    assert strata.response_window_days == 14
    assert strata.continuing_interval_days == 7
    assert strata.hearing_deadline_days == 28
    assert strata.decision_deadline_days == 7
    assert strata.notice_approvals_required == 0


def test_plan_number_is_unique_whatever_the_case():
    StrataFactory(plan_number="BCS9999")
    with pytest.raises(IntegrityError):
        StrataFactory(plan_number="bcs9999")


def test_unknown_time_zone_is_refused():
    strata = StrataFactory.build(time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as error:
        strata.full_clean()
    assert "time_zone" in error.value.message_dict


def test_user_email_is_case_insensitive_and_stored_lower_case():
    user = UserFactory(email="Jane.Doe@Example.TEST")
    assert user.email == "jane.doe@example.test"
    assert User.objects.get_by_natural_key("JANE.DOE@example.test") == user
    with pytest.raises(IntegrityError):
        UserFactory(email="JANE.doe@example.test")


def test_user_has_a_stored_random_uuid_of_its_own_and_big_integer_key():
    user, other = UserFactory(), UserFactory()
    assert user.uuid.version == 4
    assert user.uuid != other.uuid
    assert User.objects.get(uuid=user.uuid) == user
    assert User._meta.pk.get_internal_type() == "BigAutoField"
