"""The demo seed's audit entries: one per strata it changed, counting logins, naming none.

A strata's managers read its audit log: the entry in Cedar Grove must not tell them who the
logins of Harbourview Terrace are.
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditLog, User
from demo import register_data as demo_data

pytestmark = pytest.mark.django_db

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OTHER_STRATAS_LOGINS = (
    "council@demo.stratatracker.test",
    "caretaker@demo.stratatracker.test",
    "admin@demo.stratatracker.test",
    "Priya Sandhu",
)


@pytest.fixture
def seeded():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        return demo_data.demo_seed(units=4)


def test_the_seed_writes_one_entry_per_strata_and_one_for_the_administrator_login(seeded):
    entries = AuditLog.objects.filter(action="demo.seeded").select_related("strata")

    assert sorted((e.strata.plan_number if e.strata else "", e.target_uuid) for e in entries) == [
        ("", None),
        ("BCS2024", seeded.stratas[0].strata.uuid),
        ("VIS5678", seeded.stratas[1].strata.uuid),
    ]
    assert seeded.audit_entries == list(entries.order_by("id"))
    for entry in entries:
        assert "@" not in str(entry.changes)


def test_another_stratas_manager_reads_no_login_in_their_seed_entry(client, seeded):
    cedar_manager = User.objects.get(email="other-manager@demo.stratatracker.test")
    entry = AuditLog.objects.get(action="demo.seeded", strata__plan_number="VIS5678")
    assert entry.changes == {
        "strata_created": True,
        "register": seeded.stratas[1].counts,
        "users_created": 1,
        "passwords_reset": 0,
        "memberships_created": 1,
    }
    client.force_login(cedar_manager)

    page = client.get(reverse("admin:accounts_auditlog_change", args=[entry.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert "demo.seeded" in content
    for login in OTHER_STRATAS_LOGINS:
        assert login not in content
    others = client.get(reverse("admin:accounts_auditlog_changelist"))
    assert [row.strata.plan_number for row in others.context["cl"].result_list] == ["VIS5678"]
