"""Only the firm's administrators link a login to a person (it grants resident access): the
register service refuses anyone else, whichever door the change comes through."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditLog
from properties.models import Person
from properties.services import register_record_save
from tests.accounts.factories import UserFactory
from tests.properties.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_manager_cannot_link_a_login_to_a_person(manager, owner):
    login = UserFactory()
    owner.user = login

    with pytest.raises(PermissionDenied, match="Only an administrator may link a login"):
        register_record_save(record=owner, actor=manager, changed_fields=["user"])

    assert Person.objects.get(pk=owner.pk).user_id is None
    assert not AuditLog.objects.exists()


def test_manager_cannot_unlink_a_persons_login(manager, strata):
    login = UserFactory()
    person = PersonFactory(strata=strata, user=login)
    person.user = None

    with pytest.raises(PermissionDenied, match="Only an administrator may link a login"):
        register_record_save(record=person, actor=manager, changed_fields=["user"])

    assert Person.objects.get(pk=person.pk).user_id == login.pk
    assert not AuditLog.objects.exists()


def test_manager_cannot_add_a_person_with_a_login(manager, strata):
    person = Person(strata=strata, full_name="Linked From Birth", user=UserFactory())

    with pytest.raises(PermissionDenied, match="Only an administrator may link a login"):
        register_record_save(record=person, actor=manager)

    assert not Person.objects.filter(full_name="Linked From Birth").exists()
    assert not AuditLog.objects.exists()


def test_manager_may_change_a_linked_persons_other_details(manager, strata):
    login = UserFactory()
    person = PersonFactory(strata=strata, user=login)
    person.phone = "+1 604 555 0101"

    register_record_save(record=person, actor=manager, changed_fields=["phone"])

    stored = Person.objects.get(pk=person.pk)
    assert (stored.phone, stored.user_id) == ("+1 604 555 0101", login.pk)


def test_superuser_links_a_login_to_a_person(superuser, owner):
    login = UserFactory()
    owner.user = login

    register_record_save(
        record=owner, actor=superuser, changed_fields=["user"], before={"user": None}
    )

    assert Person.objects.get(pk=owner.pk).user_id == login.pk
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.changes) == (
        "register.person_changed",
        superuser,
        {"user": {"from": None, "to": str(login)}},
    )
