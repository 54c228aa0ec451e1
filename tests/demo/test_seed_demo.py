"""``manage.py seed_demo``: the demo stratas, their registers and the staff logins.

Time is pinned (noon in Vancouver on 2 March 2026), so the seeded register is exactly the same
on every run and its values can be asserted exactly.
"""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.test import override_settings

from accounts.models import AuditLog, Strata, StrataMembership, User
from demo import register as demo_register
from properties.models import BikeLocker, Occupancy, ParkingSpot, Person, StorageLocker, Unit
from tests.built_once import rows_kept_for_the_scope
from violations.services.case_links import case_link_read

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)  # in Vancouver
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_EMAILS = [
    "manager@demo.stratatracker.test",
    "council@demo.stratatracker.test",
    "caretaker@demo.stratatracker.test",
    "other-manager@demo.stratatracker.test",
    "admin@demo.stratatracker.test",
]


@pytest.fixture(autouse=True)
def _demo_environment(settings, time_machine):
    # pytest-django runs tests with DEBUG off, which the command refuses; development has it on.
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS
    time_machine.move_to(NOW, tick=False)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def harbourview() -> Strata:
    return Strata.objects.get(plan_number="BCS2024")


@pytest.fixture(scope="class")
def seeded_demo(django_db_setup, django_db_blocker):
    """The default run, once for the class; its output as the command printed it."""
    with (
        override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHERS),
        time_machine.travel(NOW, tick=False),
        rows_kept_for_the_scope(django_db_blocker),
    ):
        yield seed()


@pytest.mark.usefixtures("seeded_demo")
class TestOneSeededDemo:
    """Tests that read the demo as one default run leaves it share that run (seeding takes
    seconds); a test's own writes, such as a second run, are rolled back after it."""

    def test_default_run_creates_harbourview_terrace_with_44_units(self):
        strata = harbourview()
        assert (strata.name, strata.time_zone, strata.reply_email) == (
            "Harbourview Terrace",
            "America/Vancouver",
            "bcs2024@demo.stratatracker.test",
        )
        assert strata.address == "1650 Bayshore Drive\nVancouver, BC  V6G 3K2"
        assert strata.postal_address.endswith("Vancouver, BC  V6E 3P3")
        assert strata.letter_signature == "Council, Strata Plan BCS2024"
        assert strata.sender_name == "Harbourview Terrace Strata Council"
        units = list(
            Unit.objects.filter(strata=strata)
            .order_by("strata_lot_number")
            .values_list("unit_number", "strata_lot_number", "floor", "is_townhouse")
        )
        apartments = [
            (f"{floor}{slot:02d}", (floor - 1) * 10 + slot, str(floor), False)
            for floor in range(1, 5)
            for slot in range(1, 11)
        ]
        townhouses = [(f"TH{n}", 40 + n, "", True) for n in range(1, 5)]
        assert units == apartments + townhouses
        assert Person.objects.filter(strata=strata).count() == 81
        roles = (
            Occupancy.objects.filter(unit__strata=strata)
            .values_list("role")
            .annotate(n=Count("pk"))
        )
        assert dict(roles) == {"owner": 64, "tenant": 15, "occupant": 4}

    def test_every_unit_has_a_current_owner_who_started_years_ago(self):
        owners = Occupancy.objects.filter(unit__strata=harbourview(), role="owner", ends_on=None)
        assert owners.values("unit").distinct().count() == 44
        assert not owners.filter(starts_on__gt=TODAY - dt.timedelta(days=365)).exists()
        assert owners.filter(is_primary_contact=True).count() == 44

    def test_some_owners_own_two_units(self):
        two_units = (
            Occupancy.objects.filter(unit__strata=harbourview(), role="owner", ends_on=None)
            .values("person__full_name")
            .annotate(n=Count("unit"))
            .filter(n=2)
        )
        assert sorted(row["person__full_name"] for row in two_units) == [
            "Amrit Mohammadi",
            "Tariq Wong",
        ]
        units_of = Occupancy.objects.filter(person__full_name="Amrit Mohammadi", role="owner")
        assert sorted(units_of.values_list("unit__unit_number", flat=True)) == ["204", "402"]

    def test_couples_share_one_household_mailbox(self):
        shared = (
            Person.objects.filter(strata=harbourview())
            .exclude(email="")
            .values("email")
            .annotate(n=Count("pk"))
            .filter(n__gte=2)
        )
        assert sorted((row["email"], row["n"]) for row in shared) == [
            ("brown.household@example.com", 2),
            ("kim.household@example.net", 2),
            ("martin.household@example.com", 2),
            ("okafor.household@example.com", 2),
            ("reid.household@example.org", 2),
            ("wong.household@example.com", 2),
        ]
        unit_101 = Occupancy.objects.filter(unit__strata=harbourview(), unit__unit_number="101")
        assert sorted(unit_101.values_list("person__full_name", "person__email", "role")) == [
            ("Elena Kim", "kim.household@example.net", "owner"),
            ("William Kim", "kim.household@example.net", "owner"),
        ]
        # Both gave the household mailbox for notices on the same day.
        okafors = Person.objects.filter(email="okafor.household@example.com")
        assert set(okafors.values_list("email_for_notices", "email_for_notices_given_on")) == {
            ("okafor.household@example.com", dt.date(2024, 9, 3))
        }

    def test_rented_units_have_tenants_with_landlord_and_form_k(self):
        tenancies = Occupancy.objects.filter(unit__strata=harbourview(), role="tenant")
        current = tenancies.filter(ends_on=None)
        assert current.count() == 12
        assert current.values("unit").distinct().count() == 11
        assert current.filter(form_k_received_on__isnull=False).count() == 12
        assert not tenancies.filter(landlord__isnull=True).exists()
        assert not tenancies.exclude(form_k_file="").exists()
        for tenancy in tenancies.select_related("unit"):
            # The landlord is an owner of the same unit, and Form K came after the tenancy began.
            assert Occupancy.objects.filter(
                unit=tenancy.unit, person_id=tenancy.landlord_id, role="owner", ends_on=None
            ).exists()
            assert tenancy.starts_on <= tenancy.form_k_received_on <= TODAY
        first = current.order_by("unit__unit_number", "person__full_name").first()
        assert (
            first.unit.unit_number,
            first.person.full_name,
            first.landlord.full_name,
            first.starts_on,
            first.form_k_received_on,
        ) == ("202", "Kiran Yamamoto", "Deepa Lee", dt.date(2024, 4, 23), dt.date(2024, 5, 1))

    def test_ended_tenancies_are_kept_as_history(self):
        ended = Occupancy.objects.filter(
            unit__strata=harbourview(), role="tenant", ends_on__isnull=False
        )
        assert sorted(
            ended.values_list("unit__unit_number", "person__full_name", "starts_on", "ends_on")
        ) == [
            ("202", "Ana Ahmadi", dt.date(2016, 6, 7), dt.date(2024, 4, 3)),
            ("203", "Valentina Chan", dt.date(2010, 7, 24), dt.date(2024, 2, 14)),
            ("408", "Daniel Zhang", dt.date(2009, 7, 23), dt.date(2023, 8, 28)),
        ]

    def test_some_persons_gave_an_email_for_notices_and_others_get_paper(self):
        persons = Person.objects.filter(strata=harbourview())
        by_email = persons.exclude(email_for_notices="")
        assert by_email.count() == 41
        assert persons.filter(email_for_notices="").count() == 40
        assert persons.filter(email="").count() == 6
        assert not by_email.filter(email_for_notices_given_on__isnull=True).exists()
        assert not by_email.filter(email_for_notices_given_on__gt=TODAY).exists()

    @pytest.mark.parametrize(
        ("model", "total", "assigned", "first", "last"),
        [
            (ParkingSpot, 56, 52, "P1-001", "P1-056"),
            (StorageLocker, 37, 35, "S-01", "S-37"),
            (BikeLocker, 22, 18, "B-01", "B-22"),
        ],
    )
    def test_stalls_and_lockers_are_numbered_and_mostly_assigned(
        self, model, total, assigned, first, last
    ):
        facilities = model.objects.filter(strata=harbourview())
        identifiers = sorted(facilities.values_list("identifier", flat=True))
        assert (len(identifiers), identifiers[0], identifiers[-1]) == (total, first, last)
        assert facilities.filter(unit__isnull=False).count() == assigned
        assert (
            not facilities.exclude(unit__isnull=True).exclude(unit__strata=harbourview()).exists()
        )

    def test_staff_logins_have_one_membership_each_from_a_year_ago(self, seeded_demo):
        out = seeded_demo
        memberships = StrataMembership.objects.values_list(
            "user__email", "strata__plan_number", "role", "starts_on", "ends_on"
        )
        a_year_ago = dt.date(2025, 3, 2)
        assert sorted(memberships) == [
            ("caretaker@demo.stratatracker.test", "BCS2024", "caretaker", a_year_ago, None),
            ("council@demo.stratatracker.test", "BCS2024", "council", a_year_ago, None),
            ("manager@demo.stratatracker.test", "BCS2024", "manager", a_year_ago, None),
            ("other-manager@demo.stratatracker.test", "VIS5678", "manager", a_year_ago, None),
        ]
        users = User.objects.order_by("email")
        assert [(u.email, u.is_superuser, u.is_active) for u in users] == sorted(
            (email, email.startswith("admin@"), True) for email in DEMO_EMAILS
        )
        assert all(check_password("demo-strata-2026", user.password) for user in users)
        for email in DEMO_EMAILS:
            assert email in out
        assert "demo-strata-2026" in out
        assert "http://127.0.0.1:8000/admin/" in out

    def test_cedar_grove_is_a_small_second_strata(self):
        cedar = Strata.objects.get(plan_number="VIS5678")
        assert cedar.name == "Cedar Grove"
        assert list(
            Unit.objects.filter(strata=cedar)
            .order_by("unit_number")
            .values_list("unit_number", flat=True)
        ) == ["101", "102", "103", "104", "105", "106"]
        assert Person.objects.filter(strata=cedar).count() == 10

    def test_the_seed_is_recorded_by_one_audit_entry_per_strata_naming_no_login(self):
        entries = {
            entry.strata.plan_number if entry.strata else None: entry
            for entry in AuditLog.objects.filter(action="demo.seeded")
        }
        assert set(entries) == {"BCS2024", "VIS5678", None}
        main = entries["BCS2024"]
        assert (main.action, main.actor, main.actor_label, main.strata, main.target_uuid) == (
            "demo.seeded",
            None,
            "system",
            harbourview(),
            harbourview().uuid,
        )
        assert main.changes == {
            "strata_created": True,
            "register": {
                "units": 44,
                "persons": 81,
                "occupancies": 83,
                "parking_stalls": 56,
                "storage_lockers": 37,
                "bike_lockers": 22,
            },
            "users_created": 3,
            "passwords_reset": 0,
            "memberships_created": 3,
        }
        cedar = entries["VIS5678"]
        assert (cedar.strata.plan_number, cedar.changes["strata_created"]) == ("VIS5678", True)
        assert (cedar.changes["users_created"], cedar.changes["memberships_created"]) == (1, 1)
        assert entries[None].changes == {
            "strata_created": False,
            "register": {},
            "users_created": 1,
            "passwords_reset": 0,
            "memberships_created": 0,
        }
        for entry in entries.values():
            assert "@" not in str(entry.changes)
            assert "demo-strata-2026" not in str(entry.changes)

    def test_every_seeded_row_passes_model_validation_and_stays_in_its_strata(self):
        for model in (Strata, Unit, Person, Occupancy, ParkingSpot, StorageLocker, BikeLocker):
            for record in model.objects.all():
                record.full_clean()
        crossing = Occupancy.objects.exclude(person__strata=F("unit__strata"))
        assert not crossing.exists()
        assert (
            not Occupancy.objects.filter(landlord__isnull=False)
            .exclude(landlord__strata=F("unit__strata"))
            .exists()
        )

    def test_the_first_run_prints_a_resident_case_link_that_opens_the_notice_case(
        self, seeded_demo
    ):
        [line] = [line for line in seeded_demo.splitlines() if line.startswith("Resident:")]
        raw = re.search(r"/r/([0-9A-Z-]+)/", line).group(1)
        opened = case_link_read(raw)
        assert opened.problem == ""
        assert opened.case.status == "notice_sent"
        assert opened.party.person.full_name in line
        assert f"{opened.case.reference}:" in line

    def test_second_run_changes_nothing(self):
        before = row_counts()
        passwords = dict(User.objects.values_list("email", "password"))
        last_update = max(Unit.objects.values_list("updated_at", flat=True))

        out = seed()

        assert row_counts() == before
        assert dict(User.objects.values_list("email", "password")) == passwords
        assert max(Unit.objects.values_list("updated_at", flat=True)) == last_update
        assert "Nothing changed" in out
        assert "/r/" not in out and "/my/sign-in/" in out
        for email in DEMO_EMAILS:
            assert email in out

    def test_second_run_with_password_resets_the_demo_logins_and_adds_nothing_else(self):
        before = row_counts()

        out = seed("--password", "harbour-lights-77")

        # One entry in each strata, one for the administrator login (no strata).
        assert row_counts() == {**before, "accounts.AuditLog": before["accounts.AuditLog"] + 3}
        assert sorted(
            u.email for u in User.objects.all() if check_password("harbour-lights-77", u.password)
        ) == sorted(DEMO_EMAILS)
        entries = AuditLog.objects.filter(action="demo.seeded").order_by("-id")[:3]
        assert sorted(
            (e.strata.plan_number if e.strata else "", e.changes["passwords_reset"])
            for e in entries
        ) == [("", 1), ("BCS2024", 3), ("VIS5678", 1)]
        assert all(e.changes["users_created"] == 0 for e in entries)
        assert "harbour-lights-77" in out

    def test_units_option_is_ignored_for_an_existing_strata(self):
        before = row_counts()

        out = seed("--units", "300")

        assert row_counts() == before
        assert "--units 300 was ignored" in out


def test_existing_user_keeps_their_password_and_gets_the_missing_membership():
    User.objects.create_user(email="Manager@demo.stratatracker.test", password="my-own-secret-9")

    out = seed()

    user = User.objects.get(email="manager@demo.stratatracker.test")
    assert check_password("my-own-secret-9", user.password)
    assert User.objects.filter(email__iexact="manager@demo.stratatracker.test").count() == 1
    assert user.memberships.get().role == "manager"
    assert "(kept; pass --password to reset it)" in out
    main = AuditLog.objects.get(action="demo.seeded", strata__plan_number="BCS2024")
    assert (main.changes["users_created"], main.changes["memberships_created"]) == (2, 3)


def test_units_option_scales_the_main_strata():
    out = seed("--units", "300")

    units = Unit.objects.filter(strata=harbourview())
    assert units.count() == 300
    assert sorted(units.values_list("strata_lot_number", flat=True)) == list(range(1, 301))
    last_apartments = units.filter(floor="30").order_by("unit_number")
    assert list(last_apartments.values_list("unit_number", flat=True)) == [
        "3001",
        "3002",
        "3003",
        "3004",
        "3005",
        "3006",
    ]
    assert units.filter(is_townhouse=True).count() == 4
    assert Unit.objects.filter(strata__plan_number="VIS5678").count() == 6
    assert "300 units" in out


def test_units_must_be_a_positive_number():
    with pytest.raises(CommandError, match="not a whole number of units above zero"):
        seed("--units", "0")
    assert not Strata.objects.exists()


def test_refuses_without_debug_and_writes_nothing(settings):
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(CommandError, match="DJANGO_DEBUG is False"):
        seed()

    assert row_counts() == before
    assert not User.objects.exists()


def test_allow_production_seeds_without_debug(settings):
    settings.DEBUG = False

    seed("--allow-production")

    assert Unit.objects.filter(strata=harbourview()).count() == 44


def test_a_weak_password_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="too weak"):
        seed("--password", "12345")
    assert not User.objects.exists()


def test_register_plan_is_deterministic():
    plan = demo_register.register_plan(units=44, today=TODAY, seed=2024)

    assert plan == demo_register.register_plan(units=44, today=TODAY, seed=2024)
    assert plan != demo_register.register_plan(units=44, today=TODAY, seed=2025)


def test_help_explains_the_options():
    command = load_command_class("demo", "seed_demo")
    text = command.create_parser("manage.py", "seed_demo").format_help()

    for option in ("--units N", "--password PASSWORD", "--allow-production"):
        assert option in text
    assert "Harbourview Terrace (BCS2024)" in text
