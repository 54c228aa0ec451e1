"""A Form K (SPA s.146) cannot be dated after the strata's today (issue 13 item 3)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from properties.models import Occupancy
from properties.services import register_record_save
from tests.properties.factories import PersonFactory

pytestmark = pytest.mark.django_db

# 10:00 in Vancouver on November 25, 2026 (18:00 UTC).
T0 = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False):
        yield


def tenancy(unit, form_k_received_on) -> Occupancy:
    return Occupancy(
        unit=unit,
        person=PersonFactory(strata=unit.strata, full_name="Tina Tenant"),
        role=Occupancy.Role.TENANT,
        starts_on=dt.date(2026, 11, 1),
        form_k_received_on=form_k_received_on,
    )


def test_a_form_k_dated_in_the_future_is_refused(unit, manager):
    audits = AuditLog.objects.count()

    with pytest.raises(ValidationError) as refused:
        register_record_save(record=tenancy(unit, dt.date(2026, 11, 26)), actor=manager)

    assert refused.value.message_dict == {
        "form_k_received_on": ["The Form K cannot be dated 26 Nov 2026, after today (25 Nov 2026)."]
    }
    assert not Occupancy.objects.filter(person__full_name="Tina Tenant").exists()
    assert AuditLog.objects.count() == audits


def test_a_form_k_dated_today_is_recorded(unit, manager):
    saved = register_record_save(record=tenancy(unit, dt.date(2026, 11, 25)), actor=manager)

    assert saved.form_k_received_on == dt.date(2026, 11, 25)
