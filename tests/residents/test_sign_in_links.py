"""A sign-in link asked for by email (properties.resident_access): sent only to an address the
register knows, single use, and spent only for a person at that address."""

import re

from accounts.models import AuditLog, LoginToken
from communications.models import OutboundEmail
from properties.resident_access import sign_in_link_confirm, sign_in_link_send
from tests.properties.factories import OccupancyFactory, PersonFactory


def sent_secret() -> str:
    email = OutboundEmail.objects.get(kind="login")
    return re.search(r"/my/sign-in/([0-9A-Z-]+)/", email.body_text).group(1)


def test_an_unknown_address_gets_nothing_and_leaves_no_trace(world):
    assert sign_in_link_send(email="nobody@example.test") == 0
    assert not OutboundEmail.objects.exists()
    assert not LoginToken.objects.exists()


def test_a_known_address_gets_one_sensitive_link_and_an_audit_entry(world):
    assert sign_in_link_send(email=" Olive@Example.TEST ") == 1

    email = OutboundEmail.objects.get()
    assert (email.to_address, email.sensitive) == ("olive@example.test", True)
    assert "Hello Olive Owner," in email.body_text
    assert LoginToken.objects.get().token_hash != sent_secret()
    entry = AuditLog.objects.get(action="resident.sign_in_link_sent")
    assert entry.changes == {"email": "olive@example.test"}


def test_the_link_signs_in_the_person_chosen_once(world):
    sign_in_link_send(email="olive@example.test")
    raw = sent_secret()

    user = sign_in_link_confirm(raw=raw, person_uuid=world.persons.olive.uuid)

    assert user == world.users["respondent_owner"]
    assert AuditLog.objects.filter(action="resident.signed_in", actor=user).exists()
    assert sign_in_link_confirm(raw=raw, person_uuid=world.persons.olive.uuid) == "used"


def test_a_shared_address_lets_its_owner_choose_only_among_its_persons(world):
    household = PersonFactory(
        strata=world.strata, full_name="Oliver Owner", email="olive@example.test"
    )
    OccupancyFactory(unit=world.units.u101, person=household)
    sign_in_link_send(email="olive@example.test")
    raw = sent_secret()
    assert "Hello Olive Owner and Oliver Owner," in OutboundEmail.objects.get().body_text

    assert sign_in_link_confirm(raw=raw, person_uuid=world.persons.uma.uuid) == "not_yours"
    assert LoginToken.objects.get().used_at is None

    user = sign_in_link_confirm(raw=raw, person_uuid=household.uuid)
    household.refresh_from_db()
    assert household.user == user != world.users["respondent_owner"]
    assert user.has_usable_password() is False
