import pytest
from django.db import DatabaseError, transaction

from accounts.audit import audit_log_record
from accounts.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_the_database_refuses_to_update_an_audit_entry(manager, strata):
    entry = audit_log_record(actor=manager, action="strata.changed", strata=strata, target=strata)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(action="strata.forged")
    entry.refresh_from_db()
    assert entry.action == "strata.changed"


@pytest.mark.postgres
def test_the_database_refuses_to_delete_an_audit_entry(manager, strata):
    entry = audit_log_record(actor=manager, action="strata.changed", strata=strata, target=strata)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_audit_actions_must_be_namespaced(manager):
    with pytest.raises(ValueError, match=r"namespace\.verb"):
        audit_log_record(actor=manager, action="changed")
    assert not AuditLog.objects.exists()


def test_audit_entry_records_who_where_and_from_which_address(rf, manager, strata, settings):
    from accounts.request_meta import AuditContext

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get(
        "/",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
        HTTP_USER_AGENT="Firefox",
        REMOTE_ADDR="10.0.0.1",
    )
    entry = audit_log_record(
        actor=manager,
        action="strata.changed",
        strata=strata,
        target=strata,
        context=AuditContext.from_request(request),
    )
    assert (entry.ip_address, entry.user_agent, entry.actor_label) == (
        "198.51.100.7",
        "Firefox",
        "manager@example.test",
    )
    assert entry.target_uuid == strata.uuid
