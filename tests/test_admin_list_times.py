"""Staff lists show each row's times in its strata's zone, with the zone's abbreviation, whether
or not a strata is picked in the switcher; a row of no strata in the site's zone, labelled."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from accounts.middleware import SESSION_STRATA_ID, SESSION_STRATA_TZ
from accounts.models import AuditLog
from tests.accounts.factories import StrataFactory
from tests.communications.factories import (
    EmailTemplateFactory,
    OutboundEmailFactory,
    SuppressionFactory,
    TrackingEventFactory,
)
from tests.properties.factories import PersonFactory, RegisterImportJobFactory

pytestmark = pytest.mark.django_db

# 18:00 UTC on 25 November 2026: 10:00 in Vancouver (PST), 14:00 in Halifax (AST).
MOMENT = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def halifax():
    return StrataFactory(name="Bluenose Court", plan_number="NS0001", time_zone="America/Halifax")


def changelist(client, model: str) -> str:
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    return response.content.decode()


def pick(client, strata) -> None:
    session = client.session
    session[SESSION_STRATA_ID], session[SESSION_STRATA_TZ] = strata.pk, strata.time_zone
    session.save()


def test_outbox_shows_a_vancouver_email_in_pacific_time_with_no_strata_picked(
    client, manager, strata
):
    OutboundEmailFactory(strata=strata, subject="Pool closing", queued_at=MOMENT)
    client.force_login(manager)
    page = changelist(client, "communications_outboundemail")
    assert "2026-11-25 10:00 PST" in page
    assert "2026-11-25 18:00" not in page


def test_outbox_shows_each_row_in_its_own_stratas_zone(client, superuser, strata, halifax):
    OutboundEmailFactory(strata=strata, queued_at=MOMENT)
    OutboundEmailFactory(strata=halifax, queued_at=MOMENT)
    OutboundEmailFactory(strata=None, queued_at=MOMENT)  # system mail: the site's zone
    client.force_login(superuser)
    page = changelist(client, "communications_outboundemail")
    assert "2026-11-25 10:00 PST" in page
    assert "2026-11-25 14:00 AST" in page
    assert "2026-11-25 18:00 UTC" in page


def test_tracking_events_show_their_emails_stratas_zone(client, manager, strata):
    TrackingEventFactory(email=OutboundEmailFactory(strata=strata), occurred_at=MOMENT)
    client.force_login(manager)
    assert "2026-11-25 10:00 PST" in changelist(client, "communications_trackingevent")


def test_audit_log_shows_each_entry_in_its_stratas_zone(client, manager, strata):
    with time_machine.travel(MOMENT, tick=False):
        AuditLog.objects.create(
            actor=manager,
            actor_label=manager.email,
            action="register.unit_changed",
            strata=strata,
            target_type="properties.unit",
            target_uuid=uuid.uuid4(),
            target_label="Unit 101",
        )
    client.force_login(manager)
    assert "2026-11-25 10:00 PST" in changelist(client, "accounts_auditlog")


def test_import_jobs_show_their_stratas_zone(client, manager, strata):
    with time_machine.travel(MOMENT, tick=False):
        RegisterImportJobFactory(strata=strata, created_by=manager)
    client.force_login(manager)
    assert "2026-11-25 10:00 PST" in changelist(client, "properties_registerimportjob")


def test_suppressions_of_no_strata_show_the_sites_zone_labelled_or_the_picked_stratas(
    client, manager, strata
):
    PersonFactory(strata=strata, email="gone@example.test")
    with time_machine.travel(MOMENT, tick=False):
        SuppressionFactory(address="gone@example.test")
    client.force_login(manager)
    assert "2026-11-25 18:00 UTC" in changelist(client, "communications_suppression")
    pick(client, strata)
    assert "2026-11-25 10:00 PST" in changelist(client, "communications_suppression")


def test_email_template_versions_show_the_stratas_zone(client, manager, strata):
    with time_machine.travel(MOMENT, tick=False):
        EmailTemplateFactory(strata=strata, version=1)  # accounts.invitation
    client.force_login(manager)
    response = client.get(
        reverse("admin:communications_emailtemplate_edit", args=[strata.pk, "accounts.invitation"])
    )
    assert response.status_code == 200
    page = response.content.decode()
    versions = page[page.index('id="template-versions"') :]
    assert "2026-11-25 10:00 PST" in versions
    assert "2026-11-25 10:00 PST" in page[page.index('id="template-in-use"') :]
