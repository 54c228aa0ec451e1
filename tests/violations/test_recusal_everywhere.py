"""A recused staff member meets none of the case's data anywhere (security review, issue 12
item 3; SPA s.32): not in the outbox, its tracking events, the outbox's dashboard counts, nor
the audit log, by list, search or URL. The columns are the reasons for recusal; the control
is a manager of the same strata who is not recused and sees every row."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditLog, StrataMembership
from communications.models import OutboundEmail
from communications.selectors import outbox_stats_for
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.communications.factories import (
    OutboundEmailFactory,
    SuppressionFactory,
    TrackingEventFactory,
)
from tests.properties.factories import OccupancyFactory, PersonFactory
from tests.violations.charges import charge_on
from tests.violations.drive import FAST_HASHERS, T0
from violations import services
from violations.models import CaseParty, Complaint, CouncilMeeting
from violations.services import case_letters

pytestmark = pytest.mark.django_db

REASONS = ("occupant", "complainant", "party")
CLICK = "https://example.test/ack-click"


@pytest.fixture(autouse=True)
def _fast(settings, monkeypatch):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    monkeypatch.setattr(case_letters, "html_to_pdf", lambda html: b"%PDF-1.7\n%" + html.encode())
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def filed(strata, unit, noise_bylaw, owner_for_notices, manager):
    """A case filed on a complaint by Carla, who is acknowledged by email (the outbox row the
    review found a recused manager reading), with a click on that email."""
    carla = PersonFactory(
        strata=strata,
        full_name="Carla Complainant",
        email="carla@example.test",
        email_for_notices="carla@example.test",
        email_for_notices_given_on=dt.date(2024, 1, 10),
    )
    case = services.violation_report(
        actor=manager,
        unit=unit,
        bylaws=[noise_bylaw],
        incident_on=dt.date(2026, 11, 1),
        description="Loud music until 2 a.m.",
        complaint={"channel": "email", "received_on": dt.date(2026, 11, 2), "complainant": carla},
    )
    acknowledgement = OutboundEmail.objects.get(about=case.uuid, to_address=carla.email)
    TrackingEventFactory(email=acknowledgement, url=CLICK)
    return case


@pytest.fixture
def decided(unit, owner_for_notices, manager):
    """A fine on another case of the same unit, decided at a council meeting; both audited."""
    charge = charge_on(unit, owner_for_notices, manager, reference="VIO-20261120-002")
    meeting = CouncilMeeting.objects.create(
        strata=unit.strata, held_on=charge.charged_on, submission=uuid.uuid4(), recorded_by=manager
    )
    for target, action in ((charge, "charge.recorded"), (meeting, "violation.council_meeting")):
        AuditLog.objects.create(
            actor=manager,
            action=action,
            strata=unit.strata,
            target_type=target._meta.label_lower,
            target_uuid=target.uuid,
            target_label=str(target),
        )
    return charge


@pytest.fixture
def unrelated(strata, manager):
    """Rows of the strata that concern no case: everyone with the right keeps seeing them."""
    OutboundEmailFactory(strata=strata, to_address="all@example.test", subject="Lobby repainting")
    AuditLog.objects.create(
        actor=manager, action="register.unit_changed", strata=strata, target_label="Unit 202"
    )
    SuppressionFactory(address="carla@example.test")


def recused_manager(strata, unit, case, reason: str):
    """A manager of the strata recused from ``case`` (and, living there, from every case of
    its unit)."""
    user = UserFactory(email="rex.recused@example.test", full_name="Rex Recused")
    MembershipFactory(strata=strata, role=StrataMembership.Role.MANAGER, user=user)
    person = PersonFactory(strata=strata, full_name="Rex Recused", user=user)
    if reason == "occupant":
        OccupancyFactory(unit=unit, person=person, role=Occupancy.Role.OCCUPANT)
    elif reason == "complainant":
        Complaint.objects.create(
            case=case, received_on=case.incident_on, channel="phone", complainant=person
        )
    else:
        CaseParty.objects.create(case=case, person=person, role=CaseParty.Role.OWNER)
    return user


def case_entries(*subjects) -> list[AuditLog]:
    return list(AuditLog.objects.filter(target_uuid__in=[s.uuid for s in subjects]))


def changelist(client, model: str, **params):
    response = client.get(reverse(f"admin:{model}_changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("reason", REASONS)
def test_the_outbox_and_its_tracking_hide_the_case_from_a_recused_manager(
    client, strata, unit, filed, unrelated, manager, reason
):
    acknowledgement = OutboundEmail.objects.get(to_address="carla@example.test")
    client.force_login(manager)
    assert acknowledgement in changelist(client, "communications_outboundemail")
    assert [e.url for e in changelist(client, "communications_trackingevent")] == [CLICK]
    client.force_login(recused_manager(strata, unit, filed, reason))

    emails = changelist(client, "communications_outboundemail")
    searched = changelist(client, "communications_outboundemail", q="carla@example.test")
    events = changelist(client, "communications_trackingevent")
    page = client.get(
        reverse("admin:communications_outboundemail_change", args=[acknowledgement.pk])
    )

    assert [e.subject for e in emails] == ["Lobby repainting"]
    assert (searched, events) == ([], [])
    assert (page.status_code, page["Location"]) == (302, reverse("admin:index"))


@pytest.mark.parametrize("reason", REASONS)
def test_the_dashboards_outbox_counts_leave_out_a_recused_managers_case(
    strata, unit, filed, unrelated, manager, reason
):
    assert outbox_stats_for(manager)["day"]["queued"] == OutboundEmail.objects.count() == 2

    counts = outbox_stats_for(recused_manager(strata, unit, filed, reason))

    assert counts["day"]["queued"] == 1  # the lobby's email only


@pytest.mark.parametrize("reason", REASONS)
def test_the_audit_log_hides_the_case_from_a_recused_manager(
    client, strata, unit, filed, unrelated, manager, reason
):
    entry = AuditLog.objects.get(target_uuid=filed.uuid, action="violation.report")
    client.force_login(manager)
    assert entry in changelist(client, "accounts_auditlog")
    client.force_login(recused_manager(strata, unit, filed, reason))

    entries = changelist(client, "accounts_auditlog")
    searched = changelist(client, "accounts_auditlog", q=f"={filed.uuid}")
    page = client.get(reverse("admin:accounts_auditlog_change", args=[entry.pk]))

    assert not set(entries) & set(case_entries(filed))
    assert "register.unit_changed" in [e.action for e in entries]
    assert searched == []
    assert (page.status_code, page["Location"]) == (302, reverse("admin:index"))


def test_a_manager_living_in_the_unit_reads_no_charge_or_meeting_entry_of_its_cases(
    client, strata, unit, filed, decided, unrelated, manager
):
    hidden = case_entries(filed, decided, *CouncilMeeting.objects.all())
    client.force_login(manager)
    assert set(hidden) <= set(changelist(client, "accounts_auditlog"))
    client.force_login(recused_manager(strata, unit, filed, "occupant"))

    entries = changelist(client, "accounts_auditlog")

    assert [e.action for e in entries] == ["register.unit_changed"]


@pytest.mark.parametrize("reason", REASONS)
def test_a_recused_manager_keeps_the_suppressions_which_name_no_case(
    client, strata, unit, filed, unrelated, manager, reason
):
    client.force_login(manager)
    control = changelist(client, "communications_suppression")
    client.force_login(recused_manager(strata, unit, filed, reason))

    assert changelist(client, "communications_suppression") == control != []
