"""The audit log's changelist: its filters offer fixed choices, so a page never scans the log
for them (no ``SELECT DISTINCT action``, no list of the stratas found in the log)."""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.audit import ACTION_NAMESPACES, audit_log_record
from accounts.models import AuditLog

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_auditlog_changelist")


@pytest.fixture
def entries(strata, other_strata, manager):
    """Entries of several kinds in the manager's strata, and one in another strata."""
    for action in ("register.unit_changed", "membership.invited", "violation.report"):
        audit_log_record(actor=manager, action=action, strata=strata, target=strata)
    audit_log_record(actor=None, action="register.unit_changed", strata=other_strata)


def filter_named(response, title):
    return next(f for f in response.context["cl"].filter_specs if f.title == title)


@pytest.mark.parametrize("filtered_by", [None, "action", "strata", "created_at"])
def test_audit_changelist_runs_no_distinct_and_nine_queries(
    client, manager, strata, entries, django_assert_max_num_queries, filtered_by
):
    """Nine: session, user, roles, the switcher's stratas, permissions (2), the page, its count,
    the strata filter's choices. Twelve before, with a DISTINCT of actions and two of dates."""
    params = {
        None: {},
        "action": {"action": "register"},
        "strata": {"strata": str(strata.pk)},
        "created_at": {"created_at__gte": "2020-01-01 00:00:00+00:00"},
    }[filtered_by]
    client.force_login(manager)
    client.get(CHANGELIST)  # warm process-wide caches

    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(9):
        response = client.get(CHANGELIST, params)

    assert response.status_code == 200
    assert [q["sql"] for q in queries if "DISTINCT" in q["sql"].upper()] == []


def test_audit_changelist_reads_no_strata_list_from_the_log(client, manager, entries):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        client.get(CHANGELIST)

    strata_lists = [q["sql"] for q in queries if 'FROM "accounts_strata"' in q["sql"]]
    assert strata_lists
    assert [sql for sql in strata_lists if "accounts_auditlog" in sql] == []


def test_audit_action_filter_offers_the_fixed_namespaces(client, manager, entries):
    client.force_login(manager)
    response = client.get(CHANGELIST, {"action": "membership"})

    offered = [value for value, _label in filter_named(response, "action").lookup_choices]
    assert {"register", "membership", "violation", "charge", "strata"} <= set(offered)
    assert [e.action for e in response.context["cl"].result_list] == ["membership.invited"]


def test_audit_strata_filter_offers_only_the_managers_stratas(client, manager, strata, entries):
    client.force_login(manager)
    response = client.get(CHANGELIST, {"strata": str(strata.pk)})

    assert filter_named(response, "strata").lookup_choices == [(str(strata.pk), "Harbour View")]
    listed = response.context["cl"].result_list
    assert {e.strata_id for e in listed} == {strata.pk}
    assert len(listed) == AuditLog.objects.filter(strata=strata).count() == 3


def test_every_namespace_services_record_is_offered_by_the_action_filter():
    """A new namespace in a service's ``action="namespace.verb"`` must join ACTION_NAMESPACES,
    or its entries would be missing from the filter."""
    repo = Path(__file__).resolve().parents[2]
    recorded = {
        match
        for app in ("accounts", "properties", "communications", "violations", "demo")
        for path in (repo / app).rglob("*.py")
        if "migrations" not in path.parts
        for match in re.findall(r'\baction=f?"([a-z_]+)\.', path.read_text())
    }
    assert "register" in recorded
    assert recorded - set(ACTION_NAMESPACES) == set()
