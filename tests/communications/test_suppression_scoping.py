"""Suppressions are scoped to the stratas whose people hold the address (docs/security.md,
item 4): a manager of another strata can neither stop a resident's mail nor read whether they
unsubscribed or bounced; a global suppression is a superuser's act."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditLog
from communications.models import Suppression
from communications.services import suppression_add
from tests.communications.factories import OutboundEmailFactory, SuppressionFactory
from tests.properties.factories import PersonFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:communications_suppression_add")
CHANGELIST = reverse("admin:communications_suppression_changelist")
RESIDENT = "olive@example.test"


@pytest.fixture
def resident_of_a(strata):
    return PersonFactory(strata=strata, email=RESIDENT)


def test_a_manager_of_b_cannot_suppress_all_mail_to_a_resident_of_a(
    client, other_manager, other_strata, resident_of_a
):
    # The attack: a person in B with the address of A's resident, then a suppression of "all".
    PersonFactory(strata=other_strata, email=RESIDENT)
    client.force_login(other_manager)

    response = client.post(ADD, {"address": RESIDENT, "reason": "unsubscribed", "scope": "all"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "scope": ["Only an administrator can suppress all email to an address."]
    }
    assert not Suppression.objects.exists()
    assert not AuditLog.objects.exists()


def test_the_service_refuses_a_managers_global_suppression_and_writes_nothing(
    other_manager, other_strata, resident_of_a
):
    PersonFactory(strata=other_strata, email=RESIDENT)
    with pytest.raises(PermissionDenied):
        suppression_add(address=RESIDENT, reason="bounced", scope="all", actor=other_manager)
    assert not Suppression.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_manager_cannot_suppress_an_address_only_their_outbox_has_mailed(
    client, other_manager, other_strata, resident_of_a
):
    OutboundEmailFactory(strata=other_strata, to_address=RESIDENT)
    client.force_login(other_manager)

    response = client.post(
        ADD, {"address": RESIDENT, "reason": "unsubscribed", "scope": "newsletters"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "address": ["No person in the register of your stratas has this address."]
    }
    assert not Suppression.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_manager_suppresses_newsletters_to_a_person_of_their_strata(
    client, manager, resident_of_a
):
    client.force_login(manager)
    response = client.post(
        ADD, {"address": RESIDENT, "reason": "unsubscribed", "scope": "newsletters"}
    )
    assert response.status_code == 302
    assert list(Suppression.objects.values_list("address", "scope")) == [(RESIDENT, "newsletters")]


def test_a_manager_of_b_does_not_see_a_only_suppressions_in_the_list_or_by_url(
    client, other_manager, other_strata, resident_of_a
):
    # B's outbox once mailed the address; no person of B holds it.
    OutboundEmailFactory(strata=other_strata, to_address=RESIDENT)
    suppression = SuppressionFactory(address=RESIDENT, reason="unsubscribed", note="asked by phone")
    client.force_login(other_manager)

    listed = client.get(CHANGELIST)
    change = client.get(
        reverse("admin:communications_suppression_change", args=[suppression.pk]), follow=True
    )

    assert list(listed.context["cl"].result_list) == []
    assert RESIDENT not in listed.text
    assert change.redirect_chain == [(reverse("admin:index"), 302)]
    assert "asked by phone" not in change.text


def test_a_superuser_sees_and_adds_any_suppression(client, superuser, resident_of_a):
    suppression = SuppressionFactory(address=RESIDENT, reason="unsubscribed")
    client.force_login(superuser)

    listed = client.get(CHANGELIST)
    change = client.get(reverse("admin:communications_suppression_change", args=[suppression.pk]))
    added = client.post(
        ADD, {"address": "stranger@example.test", "reason": "bounced", "scope": "all"}
    )

    assert list(listed.context["cl"].result_list) == [suppression]
    assert change.status_code == 200
    assert added.status_code == 302
    assert Suppression.objects.filter(address="stranger@example.test", scope="all").exists()
