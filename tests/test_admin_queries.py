"""Query-count guards for the staff admin (STYLE "Tests": no N+1 on any changelist).

Each guard loads a page once to warm process-wide caches (content types, templates), counts the
queries of the page with a few rows, adds enough rows that a per-row query would show, and
requires exactly the same count again. The rows are realistic: units with an owner, a tenant
and a stall; persons with current occupancies; memberships with their users; audit entries
with their actors and stratas; emails with delivery attempts; tracking events with their emails;
suppressions of the register's addresses; stratas with their own template versions.
"""

import datetime as dt
import importlib
import inspect
import uuid

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog, StrataMembership
from campaigns.models import Announcement, Campaign, CampaignRecipient, CampaignTemplate
from communications.models import EmailTemplate
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory, StrataFactory, UserFactory
from tests.communications.factories import (
    DeliveryAttemptFactory,
    EmailTemplateFactory,
    OutboundEmailFactory,
    SuppressionFactory,
    TrackingEventFactory,
)
from tests.properties.factories import (
    BikeLockerFactory,
    OccupancyFactory,
    ParkingSpotFactory,
    PersonFactory,
    StorageLockerFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 5, 50  # Occupancy lists 2 rows per number: 10 and 100, one full page


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hundreds of rows with logins: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def count_queries(client, url, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


# --- rows -------------------------------------------------------------------------------------
# Each maker adds rows numbered ``numbers`` to the manager's strata (``ctx``) and returns the
# text the changelist shows for the last of them.


def make_stratas(ctx, numbers):
    for i in numbers:
        strata = StrataFactory(name=f"Strata Row {i:03d}", plan_number=f"EPS{i:04d}")
        MembershipFactory(strata=strata, user=ctx.manager, role=StrataMembership.Role.MANAGER)
        UnitFactory(strata=strata)
    return f"Strata Row {numbers[-1]:03d}"


def make_users(ctx, numbers):
    for i in numbers:
        user = UserFactory(email=f"user.row{i:03d}@example.test", full_name=f"User Row {i:03d}")
        MembershipFactory(strata=ctx.strata, user=user, role=StrataMembership.Role.CARETAKER)
    return f"user.row{numbers[-1]:03d}@example.test"


def make_memberships(ctx, numbers):
    for i in numbers:
        MembershipFactory(
            strata=ctx.strata,
            user=UserFactory(email=f"member{i:03d}@example.test", full_name=f"Member Row {i:03d}"),
            role=StrataMembership.Role.COUNCIL,
        )
    return f"Member Row {numbers[-1]:03d}"


def make_audit_entries(ctx, numbers):
    for i in numbers:
        actor = UserFactory(email=f"actor{i:03d}@example.test")
        AuditLog.objects.create(
            actor=actor,
            actor_label=actor.email,
            action="register.unit_changed",
            strata=ctx.strata,
            target_type="properties.unit",
            target_uuid=uuid.uuid4(),
            target_label=f"Audit Row {i:03d}",
            changes={"floor": {"from": "", "to": str(i)}},
            ip_address="203.0.113.7",
        )
    return f"Audit Row {numbers[-1]:03d}"


def make_units(ctx, numbers):
    for i in numbers:
        unit = UnitFactory(strata=ctx.strata, unit_number=f"U{i:03d}", strata_lot_number=i)
        owner = OccupancyFactory(unit=unit, role=Occupancy.Role.OWNER).person
        OccupancyFactory(
            unit=unit,
            role=Occupancy.Role.TENANT,
            landlord=owner,
            starts_on=dt.date(2024, 9, 1),
        )
        ParkingSpotFactory(strata=ctx.strata, unit=unit)
    return f"U{numbers[-1]:03d}"


def make_persons(ctx, numbers):
    for i in numbers:
        person = PersonFactory(strata=ctx.strata, full_name=f"Person Row {i:03d}")
        OccupancyFactory(person=person, unit=UnitFactory(strata=ctx.strata))
        OccupancyFactory(
            person=person, unit=UnitFactory(strata=ctx.strata), role=Occupancy.Role.AGENT
        )
    return f"Person Row {numbers[-1]:03d}"


def make_occupancies(ctx, numbers):
    for i in numbers:
        unit = UnitFactory(strata=ctx.strata)
        landlord = OccupancyFactory(unit=unit).person
        OccupancyFactory(
            unit=unit,
            person=PersonFactory(strata=ctx.strata, full_name=f"Occupant Row {i:03d}"),
            role=Occupancy.Role.TENANT,
            landlord=landlord,
            starts_on=dt.date(2024, 9, 1),
        )
    return f"Occupant Row {numbers[-1]:03d}"


def facility_maker(factory, prefix):
    def make(ctx, numbers):
        for i in numbers:
            factory(
                strata=ctx.strata,
                unit=UnitFactory(strata=ctx.strata),
                identifier=f"{prefix}{i:03d}",
                notes=f"{prefix} notes",
            )
        return f"{prefix}{numbers[-1]:03d}"

    return make


def make_emails(ctx, numbers):
    for i in numbers:
        email = OutboundEmailFactory(
            strata=ctx.strata, subject=f"Email Row {i:03d}", status="failed", attempts=2
        )
        DeliveryAttemptFactory(email=email, number=1)
        DeliveryAttemptFactory(email=email, number=2, outcome="permanent", smtp_code=550)
    return f"Email Row {numbers[-1]:03d}"


def make_tracking_events(ctx, numbers):
    for i in numbers:
        TrackingEventFactory(
            email=OutboundEmailFactory(strata=ctx.strata),
            url=f"https://example.test/row{i:03d}",
        )
    return f"https://example.test/row{numbers[-1]:03d}"


def make_suppressions(ctx, numbers):
    for i in numbers:
        address = f"suppressed{i:03d}@example.test"
        PersonFactory(strata=ctx.strata, email=address)
        OutboundEmailFactory(strata=ctx.strata, to_address=address, status="suppressed")
        SuppressionFactory(address=address)
    return f"suppressed{numbers[-1]:03d}@example.test"


def make_campaigns(ctx, numbers):
    """Campaigns that went out, each with two recipients, its sender and its strata."""
    for i in numbers:
        campaign = Campaign.objects.create(
            title=f"Campaign Row {i:03d}",
            subject="News",
            body_markdown="News.",
            audience={"groups": ["all"]},
            status=Campaign.Status.SENDING,
            started_at=dt.datetime(2026, 11, 2, 17, tzinfo=dt.UTC),
            created_by=ctx.manager,
            sent_by=ctx.manager,
        )
        campaign.stratas.set([ctx.strata])
        for n in range(2):
            CampaignRecipient.objects.create(
                campaign=campaign, strata=ctx.strata, address=f"r{i}-{n}@example.test"
            )
    return f"Campaign Row {numbers[-1]:03d}"


def make_campaign_templates(ctx, numbers):
    for i in numbers:
        CampaignTemplate.objects.create(
            strata=ctx.strata, name=f"Template Row {i:03d}", subject="News", body_markdown="News."
        )
    return f"Template Row {numbers[-1]:03d}"


def make_announcements(ctx, numbers):
    """Announcements shown now, each with its strata and its poster."""
    for i in numbers:
        Announcement.objects.create(
            strata=ctx.strata,
            title=f"Announcement Row {i:03d}",
            body_markdown="News.",
            body_html="<p>News.</p>",
            starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
            created_by=ctx.manager,
        )
    return f"Announcement Row {numbers[-1]:03d}"


# admin label → (who looks, rows listed before any are made, rows listed per number, maker)
CHANGELISTS = {
    "accounts.strata": ("manager", 1, 1, make_stratas),
    "accounts.user": ("superuser", 2, 1, make_users),
    "accounts.stratamembership": ("manager", 1, 1, make_memberships),
    "accounts.auditlog": ("manager", 0, 1, make_audit_entries),
    "properties.unit": ("manager", 0, 1, make_units),
    "properties.person": ("manager", 0, 1, make_persons),
    "properties.occupancy": ("manager", 0, 2, make_occupancies),  # the tenant and the landlord
    "properties.parkingspot": ("manager", 0, 1, facility_maker(ParkingSpotFactory, "P")),
    "properties.storagelocker": ("manager", 0, 1, facility_maker(StorageLockerFactory, "S")),
    "properties.bikelocker": ("manager", 0, 1, facility_maker(BikeLockerFactory, "B")),
    "communications.outboundemail": ("manager", 0, 1, make_emails),
    "communications.trackingevent": ("manager", 0, 1, make_tracking_events),
    "communications.suppression": ("manager", 0, 1, make_suppressions),
    "campaigns.campaign": ("manager", 0, 1, make_campaigns),
    "campaigns.campaigntemplate": ("manager", 0, 1, make_campaign_templates),
    "campaigns.announcement": ("manager", 0, 1, make_announcements),
}
# Admins whose changelist is no ChangeList, each guarded by its own test below.
OTHER_LISTS = {
    "communications.emailtemplate": "test_email_template_list_queries_do_not_grow_with_stratas",
}


@pytest.fixture
def ctx(strata, manager, superuser):
    class Context:
        pass

    context = Context()
    context.strata, context.manager, context.superuser = strata, manager, superuser
    return context


# Admins whose guard lives with their app's tests: label → (module, test, and the value the
# test is parametrized with for this admin, if it guards several).
GUARDED_ELSEWHERE = {
    "properties.registerimportjob": (  # background register imports
        "tests.properties.test_import_jobs",
        "test_the_job_list_queries_do_not_grow_with_jobs",
        None,
    ),
    "violations.bylaw": (
        "tests.violations.test_bylaws",
        "test_changelist_queries_do_not_grow_with_rows",
        "violations_bylaw",
    ),
    "violations.bylawcategory": (
        "tests.violations.test_bylaws",
        "test_changelist_queries_do_not_grow_with_rows",
        "violations_bylawcategory",
    ),
    "violations.violationcategory": (
        "tests.violations.test_bylaws",
        "test_changelist_queries_do_not_grow_with_rows",
        "violations_violationcategory",
    ),
    "violations.violation": (
        "tests.violations.test_case_admin",
        "test_changelist_queries_do_not_grow_with_cases",
        None,
    ),
    "violations.lettertemplate": (
        "tests.violations.test_letter_templates",
        "test_the_letter_list_queries_do_not_grow_with_stratas",
        None,
    ),
    "violations.letterdelivery": (  # the print queue
        "tests.violations.test_work_queues",
        "test_print_queue_queries_do_not_grow_with_services",
        None,
    ),
    "violations.charge": (  # the fines ledger, and a strata's ledger page
        "tests.violations.test_ledger_admin",
        "test_ledger_queries_do_not_grow_with_charges",
        "changelist",
    ),
    "violations.fineproposal": (  # continuing fines to confirm
        "tests.violations.test_continuing",
        "test_proposals_changelist_queries_do_not_grow_with_proposals",
        None,
    ),
}
GUARDED_APPS = ("accounts", "properties", "communications", "violations", "campaigns")


def parametrized_values(test) -> set:
    """Every value a test is parametrized with (each argument of each case)."""
    values = set()
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize":
            for case in mark.args[1]:
                values.update(case if isinstance(case, tuple) else (case,))
    return values


def test_every_staff_changelist_has_a_guard():
    registered = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.app_label in GUARDED_APPS
    }
    assert registered == set(CHANGELISTS) | set(OTHER_LISTS) | set(GUARDED_ELSEWHERE)
    assert OTHER_LISTS
    for label, name in OTHER_LISTS.items():
        test = globals().get(name)
        assert callable(test), f"{label}: no {name}"
        assert "django_assert_num_queries" in inspect.signature(test).parameters, label
    for label, (module, name, value) in GUARDED_ELSEWHERE.items():
        test = getattr(importlib.import_module(module), name, None)
        assert callable(test), f"{label}: no {module}.{name}"
        assert "django_assert_num_queries" in inspect.signature(test).parameters, label
        assert value is None or value in parametrized_values(test), f"{label}: {name}"


@pytest.mark.parametrize("label", CHANGELISTS)
def test_changelist_queries_do_not_grow_with_rows(client, ctx, django_assert_num_queries, label):
    role, baseline, per_number, make = CHANGELISTS[label]
    client.force_login(getattr(ctx, role))
    url = reverse(f"admin:{label.replace('.', '_')}_changelist")
    make(ctx, range(1, FEW + 1))
    client.get(url)  # warm process-wide caches

    few, response = count_queries(client, url)
    assert len(response.context["cl"].result_list) == baseline + FEW * per_number

    last = make(ctx, range(FEW + 1, MANY + 1))
    with django_assert_num_queries(few):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == baseline + MANY * per_number
    assert last in response.text


# --- change pages ----------------------------------------------------------------------------


def add_occupancies(unit, n: int) -> None:
    """``n`` current occupancies on ``unit``: owners, each followed by a tenant of theirs."""
    landlord = None
    for i in range(n):
        if i % 2 == 0:
            landlord = OccupancyFactory(unit=unit, role=Occupancy.Role.OWNER).person
        else:
            OccupancyFactory(
                unit=unit,
                role=Occupancy.Role.TENANT,
                landlord=landlord,
                starts_on=dt.date(2024, 9, 1),
            )


def add_facilities(unit, n: int) -> None:
    """``n`` parking stalls, ``n`` storage lockers and ``n`` bike lockers assigned to ``unit``."""
    for factory, prefix in (
        (ParkingSpotFactory, "P"),
        (StorageLockerFactory, "S"),
        (BikeLockerFactory, "B"),
    ):
        for _ in range(n):
            factory(strata=unit.strata, unit=unit, identifier=f"{prefix}-{uuid.uuid4().hex[:8]}")


def change_page_guard(client, django_assert_num_queries, url, grow):
    """The page's queries with what it has, then exactly as many after ``grow()``."""
    client.get(url)  # warm process-wide caches
    few, _ = count_queries(client, url)
    grow()
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_unit_change_page_queries_do_not_grow_with_occupancies(
    client, strata, manager, django_assert_num_queries
):
    unit = UnitFactory(strata=strata, unit_number="101")
    add_occupancies(unit, 2)
    add_facilities(unit, 2)
    client.force_login(manager)

    response = change_page_guard(
        client,
        django_assert_num_queries,
        reverse("admin:properties_unit_change", args=[unit.pk]),
        lambda: (add_occupancies(unit, 18), add_facilities(unit, 18)),
    )

    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 20


def test_unit_change_page_queries_do_not_grow_with_facilities(
    client, strata, manager, django_assert_num_queries
):
    unit = UnitFactory(strata=strata, unit_number="101")
    add_occupancies(unit, 2)
    add_facilities(unit, 2)
    client.force_login(manager)

    response = change_page_guard(
        client,
        django_assert_num_queries,
        reverse("admin:properties_unit_change", args=[unit.pk]),
        lambda: add_facilities(unit, 18),
    )

    counts = [
        inline.formset.total_form_count() for inline in response.context["inline_admin_formsets"]
    ]
    assert counts == [2, 0, 20, 20, 20]  # current occupancies, new ones, three facilities


def test_person_change_page_queries_do_not_grow_with_occupancies(
    client, strata, manager, django_assert_num_queries
):
    person = PersonFactory(strata=strata, full_name="Olive Owner")

    def occupy(n):
        for _ in range(n):
            OccupancyFactory(person=person, unit=UnitFactory(strata=strata))

    occupy(2)
    client.force_login(manager)

    response = change_page_guard(
        client,
        django_assert_num_queries,
        reverse("admin:properties_person_change", args=[person.pk]),
        lambda: occupy(18),
    )

    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 20


# --- dashboard and autocomplete ---------------------------------------------------------------


def test_dashboard_queries_do_not_grow_with_stratas(client, superuser, django_assert_num_queries):
    def add_stratas(numbers):
        for i in numbers:
            strata = StrataFactory(name=f"Strata Row {i:03d}", plan_number=f"EPS{i:04d}")
            MembershipFactory(strata=strata, role=StrataMembership.Role.MANAGER)
            make_units(type("Rows", (), {"strata": strata}), range(1, 3))
            PersonFactory(strata=strata)
            StorageLockerFactory(strata=strata)
            make_emails(type("Rows", (), {"strata": strata}), [i])  # one failed, one retry
            make_announcements(type("Rows", (), {"strata": strata, "manager": superuser}), [i])

    add_stratas(range(1, 2))
    client.force_login(superuser)
    url = reverse("admin:index")
    client.get(url)  # warm process-wide caches
    few, _ = count_queries(client, url)

    add_stratas(range(2, 6))
    with django_assert_num_queries(few):
        response = client.get(url)

    assert response.status_code == 200
    rows = {row["name"]: row for row in response.context["register_counts"]}
    assert len(rows) == 5
    assert (rows["Strata Row 005"]["units"], rows["Strata Row 005"]["tenants"]) == (2, 2)
    assert "Strata Row 005" in response.text
    outbox = {row["key"]: (row["day"], row["week"]) for row in response.context["outbox_stats"]}
    assert (outbox["failed"], outbox["retries"]) == ((5, 5), (5, 5))
    assert len(response.context["announcements"]) == 5


def test_autocomplete_queries_do_not_grow_with_persons(
    client, strata, manager, django_assert_num_queries
):
    def add_persons(numbers):
        for i in numbers:
            person = PersonFactory(strata=strata, full_name=f"Person Row {i:03d}")
            OccupancyFactory(person=person, unit=UnitFactory(strata=strata))

    add_persons(range(1, FEW + 1))
    client.force_login(manager)
    url = reverse("admin:autocomplete")
    params = {"app_label": "properties", "model_name": "occupancy", "field_name": "person"}
    client.get(url, params)  # warm process-wide caches
    few, response = count_queries(client, url, **params)
    assert len(response.json()["results"]) == FEW

    add_persons(range(FEW + 1, MANY + 1))
    with django_assert_num_queries(few):
        response = client.get(url, params)

    assert response.json()["pagination"] == {"more": True}
    assert [r["text"] for r in response.json()["results"]][:2] == [
        "Person Row 001",
        "Person Row 002",
    ]


# --- communications ---------------------------------------------------------------------------


def test_email_template_list_queries_do_not_grow_with_stratas(
    client, ctx, django_assert_num_queries
):
    def add_stratas(numbers):
        for i in numbers:
            strata = StrataFactory(name=f"Strata Row {i:03d}", plan_number=f"EPS{i:04d}")
            MembershipFactory(strata=strata, user=ctx.manager, role=StrataMembership.Role.MANAGER)
            EmailTemplateFactory(strata=strata, version=1, is_active=False)
            EmailTemplateFactory(strata=strata, version=2)

    add_stratas(range(1, FEW + 1))
    client.force_login(ctx.manager)
    url = reverse("admin:communications_emailtemplate_changelist")
    client.get(url)  # warm process-wide caches
    few, response = count_queries(client, url)
    assert len(response.context["template_stratas"]) == 1 + FEW

    add_stratas(range(FEW + 1, MANY + 1))
    with django_assert_num_queries(few):
        response = client.get(url)

    assert len(response.context["template_stratas"]) == 1 + MANY
    assert response.text.count("its own wording (version 2)") == MANY
    assert "Strata Row 050" in response.text


def test_email_template_editor_queries_do_not_grow_with_versions(
    client, strata, manager, django_assert_num_queries
):
    def save_versions(n):
        start = EmailTemplate.objects.count()
        EmailTemplate.objects.update(is_active=False)
        for number in range(start + 1, start + n + 1):
            EmailTemplate.objects.update(is_active=False)  # one version in use at a time
            EmailTemplateFactory(strata=strata, version=number, created_by=UserFactory())

    save_versions(2)
    client.force_login(manager)

    response = change_page_guard(
        client,
        django_assert_num_queries,
        reverse("admin:communications_emailtemplate_edit", args=[strata.pk, "accounts.invitation"]),
        lambda: save_versions(18),
    )

    assert [v.version for v in response.context["versions"]] == list(range(20, 0, -1))


def test_email_page_queries_do_not_grow_with_attempts_and_events(
    client, strata, manager, django_assert_num_queries
):
    email = OutboundEmailFactory(strata=strata, person=PersonFactory(strata=strata))

    def add(n):
        start = email.attempts_log.count()
        for number in range(start + 1, start + n + 1):
            DeliveryAttemptFactory(email=email, number=number)
            TrackingEventFactory(email=email)

    add(2)
    client.force_login(manager)

    response = change_page_guard(
        client,
        django_assert_num_queries,
        reverse("admin:communications_outboundemail_change", args=[email.pk]),
        lambda: add(18),
    )

    counts = [
        inline.formset.total_form_count() for inline in response.context["inline_admin_formsets"]
    ]
    assert counts == [20, 20]  # delivery attempts, tracking events
