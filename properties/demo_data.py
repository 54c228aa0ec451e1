"""The demo data behind ``manage.py seed_demo``: two stratas, their registers and staff logins.

Harbourview Terrace (BCS2024) is the strata to explore: apartments 101 to 410 and townhouses
TH1 to TH4 by default, owners (some owning two units, some couples sharing one mailbox), about a
quarter of the units rented with Form K on file, past tenancies as history, a mix of email and
paper service, and stalls and lockers. Cedar Grove (VIS5678) is small and has its own manager,
so the strata switcher and scoping can be seen.

The register is planned first in plain Python (``register_plan``) from a seeded
``random.Random``, so a fresh database always gets the same register for the same day, then
written with ``bulk_create`` in batches (``register_write``): 20,000 units take seconds. This is
seeding, not a user action, so rows are written with the ORM directly and the run is recorded
by one audit entry (``demo.seeded``) in each strata it changed, counting logins, never naming
them.
"""

import datetime as dt
import random
import re
from dataclasses import dataclass, field, replace

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_log_record
from accounts.models import AuditLog, Strata, StrataMembership, User
from accounts.strata_time import strata_today
from properties.models import BikeLocker, Occupancy, ParkingSpot, Person, StorageLocker, Unit

DEMO_PASSWORD = "demo-strata-2026"  # noqa: S105 - published on purpose: demo logins only
DEFAULT_UNITS = 44
BATCH_SIZE = 1000
UNITS_PER_FLOOR = 10
TOWNHOUSES = 4
STALLS_PER_LEVEL = 100
SUPERUSER = "superuser"
Role = StrataMembership.Role


@dataclass(frozen=True)
class StrataSpec:
    """A demo strata: its settings and the seed of its register."""

    name: str
    plan_number: str
    address: str
    postal_address: str
    reply_email: str
    letter_signature: str
    sender_name: str
    seed: int
    time_zone: str = "America/Vancouver"


HARBOURVIEW = StrataSpec(
    name="Harbourview Terrace",
    plan_number="BCS2024",
    address="1650 Bayshore Drive\nVancouver, BC  V6G 3K2",
    postal_address=(
        "Strata Plan BCS2024 (Harbourview Terrace)\n"
        "c/o Pacific Crest Strata Management Ltd.\n"
        "Suite 400, 1055 West Georgia Street\n"
        "Vancouver, BC  V6E 3P3"
    ),
    reply_email="bcs2024@demo.stratatracker.test",
    letter_signature="Council, Strata Plan BCS2024",
    sender_name="Harbourview Terrace Strata Council",
    seed=2024,
)

CEDAR_GROVE = StrataSpec(
    name="Cedar Grove",
    plan_number="VIS5678",
    address="2250 Cedar Hill Cross Road\nVictoria, BC  V8R 5C6",
    postal_address="Strata Plan VIS5678 (Cedar Grove)\nPO Box 5678 Stn CSC\nVictoria, BC  V8P 5C2",
    reply_email="vis5678@demo.stratatracker.test",
    letter_signature="Council, Strata Plan VIS5678",
    sender_name="Cedar Grove Strata Council",
    seed=5678,
)
CEDAR_GROVE_UNITS = 6


@dataclass(frozen=True)
class DemoLogin:
    email: str
    full_name: str
    role: str  # a StrataMembership role, or SUPERUSER
    plan_number: str | None  # the strata of the membership; None for the superuser


DEMO_LOGINS = (
    DemoLogin("manager@demo.stratatracker.test", "Priya Sandhu", Role.MANAGER, "BCS2024"),
    DemoLogin("council@demo.stratatracker.test", "Daniel Whitford", Role.COUNCIL, "BCS2024"),
    DemoLogin("caretaker@demo.stratatracker.test", "Marco Reyes", Role.CARETAKER, "BCS2024"),
    DemoLogin("other-manager@demo.stratatracker.test", "Aiyana George", Role.MANAGER, "VIS5678"),
    DemoLogin("admin@demo.stratatracker.test", "Demo Administrator", SUPERUSER, None),
)

# --- The register, planned in plain Python --------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    unit_number: str
    strata_lot_number: int
    floor: str
    is_townhouse: bool
    notes: str = ""


@dataclass(frozen=True)
class PersonRow:
    full_name: str
    email: str = ""
    phone: str = ""
    postal_address: str = ""
    email_for_notices: str = ""
    email_for_notices_given_on: dt.date | None = None
    pets: str = ""


@dataclass(frozen=True)
class OccupancyRow:
    """``unit``, ``person`` and ``landlord`` are indexes into the plan's lists."""

    unit: int
    person: int
    role: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    landlord: int | None = None
    form_k_received_on: dt.date | None = None
    is_primary_contact: bool = False
    receives_newsletters: bool = True


@dataclass(frozen=True)
class FacilityRow:
    identifier: str
    unit: int | None  # index into the plan's units; None = free


@dataclass
class RegisterPlan:
    units: list[UnitRow] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)
    occupancies: list[OccupancyRow] = field(default_factory=list)
    parking: list[FacilityRow] = field(default_factory=list)
    storage: list[FacilityRow] = field(default_factory=list)
    bikes: list[FacilityRow] = field(default_factory=list)


FIRST_NAMES = (
    "Aarav", "Abigail", "Ahmad", "Aiko", "Alejandro", "Amelia", "Amrit", "Ana", "Benjamin",
    "Bo", "Camille", "Carlos", "Chloe", "Daniel", "Darius", "Deepa", "Elena", "Emeka", "Emily",
    "Ethan", "Fatima", "Gabriel", "Grace", "Hana", "Harjit", "Hiroshi", "Isabel", "Jack",
    "Jasmine", "Ji-woo", "Jun", "Kavya", "Kiran", "Laila", "Liam", "Lucas", "Mandeep", "Maya",
    "Mei", "Minh", "Mohammed", "Nadia", "Noah", "Olivia", "Omar", "Parisa", "Rafael", "Reza",
    "Rohan", "Sakura", "Samuel", "Sara", "Sean", "Simran", "Sofia", "Tariq", "Thomas",
    "Valentina", "Wei", "William", "Xin", "Yasmin", "Yusuf", "Zara",
)  # fmt: skip
LAST_NAMES = (
    "Ahmadi", "Anderson", "Bains", "Brown", "Campbell", "Chan", "Chen", "Cheng", "Dhaliwal",
    "Dubois", "Fernandes", "Fraser", "Garcia", "Gill", "Gonzalez", "Grewal", "Ha", "Hosseini",
    "Huang", "Ito", "Johal", "Kim", "Kowalski", "Lam", "Lau", "Lee", "Leung", "Li", "Liu",
    "MacDonald", "Martin", "Mendoza", "Mohammadi", "Morrison", "Nakamura", "Nguyen", "Novak",
    "O'Brien", "Okafor", "Park", "Patel", "Petrov", "Ramos", "Reid", "Rossi", "Sandhu",
    "Santos", "Sharma", "Sidhu", "Silva", "Singh", "Smith", "Tanaka", "Taylor", "Thompson",
    "Tran", "Walker", "Wang", "Wilson", "Wong", "Wu", "Yamamoto", "Yang", "Zhang",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606: never delivered
AREA_CODES = ("604", "778", "236")
# Where owners who do not live in their unit get their mail (SPA s.61 service by mail).
ELSEWHERE = (
    ("Kingsway", "Burnaby, BC  V5H 2A9"),
    ("No. 3 Road", "Richmond, BC  V6X 2C2"),
    ("Lonsdale Avenue", "North Vancouver, BC  V7M 2G3"),
    ("East 49th Avenue", "Vancouver, BC  V5W 2G7"),
    ("Marine Drive", "West Vancouver, BC  V7T 1B5"),
    ("Austin Avenue", "Coquitlam, BC  V3K 3P4"),
    ("Fraser Highway", "Surrey, BC  V3S 2K1"),
    ("Dunbar Street", "Vancouver, BC  V6S 2H3"),
)
OVERSEAS = (
    "Flat 12, 3 Marine Parade\nBrighton BN2 1TL\nUnited Kingdom",
    "7F, 18 Des Voeux Road Central\nCentral, Hong Kong",
    "24 Harbour Street\nSydney NSW 2000\nAustralia",
)
PETS = (
    "Dog: Biscuit (beagle)",
    "Cat: Miso",
    "Cats: Pepper and Salt",
    "Dog: Juniper (golden retriever)",
    "Budgie: Kiwi",
    "Dog: Tofu (shiba inu)",
    "Cat: Earl Grey",
)
UNIT_NOTES = (
    "Water shut-off valve behind the laundry panel.",
    "Council approved hardwood flooring with acoustic underlay (2022).",
    "Owner-installed heat pump; council approval on file.",
    "Key fob count: 3.",
    "Balcony membrane repaired in 2023.",
)


def _share(total: int, fraction: float) -> int:
    """About ``fraction`` of ``total``, at least one when there is anything to take from."""
    return min(total, max(1, round(total * fraction))) if total else 0


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def unit_rows(count: int) -> list[UnitRow]:
    """Apartments 101 to 110, 201 to 210 and so on, then townhouses TH1 to TH4 (from 20 units).

    Strata lots are numbered 1 to ``count`` in that order.
    """
    townhouses = TOWNHOUSES if count >= 5 * TOWNHOUSES else 0
    apartments = count - townhouses
    rows = []
    for index in range(apartments):
        floor, slot = divmod(index, UNITS_PER_FLOOR)
        rows.append(UnitRow(f"{floor + 1}{slot + 1:02d}", index + 1, str(floor + 1), False))
    for index in range(townhouses):
        rows.append(UnitRow(f"TH{index + 1}", apartments + index + 1, "", True))
    return rows


class _PlanBuilder:
    def __init__(self, *, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.plan = RegisterPlan()
        self._email_locals: dict[str, int] = {}

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def email(self, local: str) -> str:
        local = re.sub(r"[^a-z0-9.-]", "", local.lower())
        seen = self._email_locals.get(local, 0) + 1
        self._email_locals[local] = seen
        suffix = "" if seen == 1 else str(seen)
        return f"{local}{suffix}@{self.rng.choice(EMAIL_DOMAINS)}"

    def phone(self) -> str:
        # 555-01xx numbers are reserved for fiction in the North American numbering plan.
        return f"{self.rng.choice(AREA_CODES)}-555-01{self.rng.randint(0, 99):02d}"

    def elsewhere(self) -> str:
        if self.rng.random() < 0.1:
            return self.rng.choice(OVERSEAS)
        street, city = self.rng.choice(ELSEWHERE)
        return f"{self.rng.randint(100, 9999)} {street}\n{city}"

    def person(
        self,
        *,
        first: str,
        last: str,
        since: dt.date,
        until: dt.date | None = None,
        email: str | None = None,
        with_email: float = 0.92,
        notices_by_email: float = 0.55,
        postal_address: str = "",
        pets: bool = False,
    ) -> int:
        """Add a person; returns its index. ``email`` forces a (shared) address."""
        rng = self.rng
        if email is None and rng.random() < with_email:
            email = self.email(f"{first}.{last}")
        email = email or ""
        notices, given_on = "", None
        if email and rng.random() < notices_by_email:
            notices, given_on = email, self.between(since, until or self.today)
        self.plan.persons.append(
            PersonRow(
                full_name=f"{first} {last}",
                email=email,
                phone=self.phone() if rng.random() < 0.85 else "",
                postal_address=postal_address,
                email_for_notices=notices,
                email_for_notices_given_on=given_on,
                pets=rng.choice(PETS) if pets and rng.random() < 0.2 else "",
            )
        )
        return len(self.plan.persons) - 1

    def household(self, *, since: dt.date, kind: str, postal_address: str) -> list[int]:
        """One or two owners; a couple may share one mailbox (one email, one consent)."""
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if kind == "single":
            return [
                self.person(
                    first=first, last=last, since=since, postal_address=postal_address, pets=True
                )
            ]
        partner_last = last if rng.random() < 0.7 else rng.choice(LAST_NAMES)
        partner_first = rng.choice(FIRST_NAMES)
        if kind == "couple":
            return [
                self.person(
                    first=first, last=last, since=since, postal_address=postal_address, pets=True
                ),
                self.person(
                    first=partner_first,
                    last=partner_last,
                    since=since,
                    postal_address=postal_address,
                ),
            ]
        # "shared": one household mailbox, given for notices by both on the same day, or by
        # neither.
        mailbox = {"email": self.email(f"{last}.household")}
        mailbox["notices_by_email"] = 1.0 if rng.random() < 0.6 else 0.0
        first_index = self.person(
            first=first, last=last, since=since, postal_address=postal_address, pets=True, **mailbox
        )
        second_index = self.person(
            first=partner_first,
            last=partner_last,
            since=since,
            postal_address=postal_address,
            **mailbox,
        )
        persons = self.plan.persons
        persons[second_index] = replace(
            persons[second_index],
            email_for_notices_given_on=persons[first_index].email_for_notices_given_on,
        )
        return [first_index, second_index]

    def occupancy(self, **fields) -> None:
        self.plan.occupancies.append(OccupancyRow(**fields))

    def facilities(
        self, *, prefix: str, counts: list[int], free: int, per_level: int | None = None
    ) -> list[FacilityRow]:
        """Number the stalls or lockers; ``counts[i]`` go to unit i, ``free`` to nobody."""
        holders: list[int | None] = [
            unit for unit, count in enumerate(counts) for _ in range(count)
        ]
        holders += [None] * free
        self.rng.shuffle(holders)
        if per_level:
            return [
                FacilityRow(f"{prefix}{n // per_level + 1}-{n % per_level + 1:03d}", unit)
                for n, unit in enumerate(holders)
            ]
        width = max(2, len(str(len(holders))))
        return [FacilityRow(f"{prefix}{n + 1:0{width}d}", unit) for n, unit in enumerate(holders)]


def register_plan(*, units: int, today: dt.date, seed: int) -> RegisterPlan:
    """The register of a demo strata with ``units`` units, the same for the same arguments."""
    builder = _PlanBuilder(rng=random.Random(seed), today=today)  # noqa: S311 - not security
    rng, plan = builder.rng, builder.plan
    plan.units = unit_rows(units)
    count = len(plan.units)
    indexes = range(count)

    # About a quarter rented; a few of those belong to the owner of another unit (an investor).
    rented = sorted(rng.sample(indexes, _share(count, 0.25))) if count > 1 else []
    rented_set = set(rented)
    second_units = sorted(rng.sample(rented, _share(len(rented), 0.2))) if rented else []
    taken = set(second_units)
    others = [i for i in indexes if i not in taken]
    first_units = rng.sample(others, len(second_units))
    investor_of = dict(zip(second_units, first_units, strict=True))

    tenancy_start = {i: builder.days_ago(45, 3 * 365) for i in rented}
    owned_since = {
        i: tenancy_start.get(i, builder.today) - dt.timedelta(days=rng.randint(365, 15 * 365))
        for i in indexes
    }

    owners: dict[int, list[int]] = {}
    for i in indexes:
        if i in investor_of:
            continue
        roll = rng.random()
        # The first unit always shows a couple with one household mailbox.
        kind = "shared" if i == 0 or roll < 0.15 else "couple" if roll < 0.35 else "single"
        lives_elsewhere = i in rented_set
        owners[i] = builder.household(
            since=owned_since[i],
            kind=kind,
            postal_address=builder.elsewhere() if lives_elsewhere else "",
        )
    for second, first in investor_of.items():
        owners[second] = [owners[first][0]]

    for i in indexes:
        for position, person in enumerate(owners[i]):
            builder.occupancy(
                unit=i,
                person=person,
                role=Occupancy.Role.OWNER,
                starts_on=owned_since[i],
                is_primary_contact=position == 0,
                receives_newsletters=rng.random() < 0.9,
            )

    # Current tenancies (SPA s.146: the landlord files Form K; a few are missing it).
    for position, i in enumerate(rented):
        start = tenancy_start[i]
        form_k = None
        if position == 0 or rng.random() < 0.9:
            form_k = min(builder.today, start + dt.timedelta(days=rng.randint(0, 14)))
        for _ in range(1 if rng.random() < 0.65 else 2):
            tenant = builder.person(
                first=rng.choice(FIRST_NAMES),
                last=rng.choice(LAST_NAMES),
                since=start,
                notices_by_email=0.45,
                pets=True,
            )
            builder.occupancy(
                unit=i,
                person=tenant,
                role=Occupancy.Role.TENANT,
                starts_on=start,
                landlord=owners[i][0],
                form_k_received_on=form_k,
            )

    # History: earlier tenants of some rented units, ended before the current tenancy.
    earlier = sorted(rng.sample(rented, _share(len(rented), 0.3))) if rented else []
    for i in earlier:
        start = owned_since[i] + dt.timedelta(days=rng.randint(30, 120))
        end = tenancy_start[i] - dt.timedelta(days=rng.randint(1, 30))
        tenant = builder.person(
            first=rng.choice(FIRST_NAMES), last=rng.choice(LAST_NAMES), since=start, until=end
        )
        builder.occupancy(
            unit=i,
            person=tenant,
            role=Occupancy.Role.TENANT,
            starts_on=start,
            ends_on=end,
            landlord=owners[i][0],
            form_k_received_on=start + dt.timedelta(days=rng.randint(0, 14)),
        )

    # A few grown children or relatives living with the owners.
    for i in indexes:
        if i not in rented_set and rng.random() < 0.06:
            owner = plan.persons[owners[i][0]]
            occupant = builder.person(
                first=rng.choice(FIRST_NAMES),
                last=owner.full_name.rsplit(" ", 1)[-1],
                since=owned_since[i],
                with_email=0.7,
                notices_by_email=0.2,
            )
            builder.occupancy(
                unit=i,
                person=occupant,
                role=Occupancy.Role.OCCUPANT,
                starts_on=builder.between(owned_since[i], builder.today),
                receives_newsletters=False,
            )

    plan.units = [
        replace(row, notes=rng.choice(UNIT_NOTES)) if rng.random() < 0.08 else row
        for row in plan.units
    ]

    townhouse = [row.is_townhouse for row in plan.units]
    plan.parking = builder.facilities(
        prefix="P",
        counts=[2 if th else rng.choices((0, 1, 2), (15, 70, 15))[0] for th in townhouse],
        free=max(2, round(count * 0.08)),
        per_level=STALLS_PER_LEVEL,
    )
    plan.storage = builder.facilities(
        prefix="S-",
        counts=[0 if th else int(rng.random() < 0.75) for th in townhouse],
        free=max(2, round(count * 0.05)),
    )
    plan.bikes = builder.facilities(
        prefix="B-",
        counts=[int(rng.random() < 0.4) for _ in townhouse],
        free=max(2, round(count * 0.1)),
    )
    return plan


# --- Writing -------------------------------------------------------------------------------


def register_write(*, strata: Strata, plan: RegisterPlan) -> dict[str, int]:
    """Insert a planned register in batches; returns the number of rows per kind."""
    units = Unit.objects.bulk_create(
        [
            Unit(
                strata_id=strata.pk,
                unit_number=row.unit_number,
                strata_lot_number=row.strata_lot_number,
                floor=row.floor,
                is_townhouse=row.is_townhouse,
                notes=row.notes,
            )
            for row in plan.units
        ],
        batch_size=BATCH_SIZE,
    )
    persons = Person.objects.bulk_create(
        [
            Person(
                strata_id=strata.pk,
                full_name=row.full_name,
                email=row.email,
                phone=row.phone,
                postal_address=row.postal_address,
                email_for_notices=row.email_for_notices,
                email_for_notices_given_on=row.email_for_notices_given_on,
                pets=row.pets,
            )
            for row in plan.persons
        ],
        batch_size=BATCH_SIZE,
    )
    unit_pks = _pks(units)
    person_pks = _pks(persons)
    Occupancy.objects.bulk_create(
        [
            Occupancy(
                unit_id=unit_pks[row.unit],
                person_id=person_pks[row.person],
                role=row.role,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                landlord_id=person_pks[row.landlord] if row.landlord is not None else None,
                form_k_received_on=row.form_k_received_on,
                is_primary_contact=row.is_primary_contact,
                receives_newsletters=row.receives_newsletters,
            )
            for row in plan.occupancies
        ],
        batch_size=BATCH_SIZE,
    )
    for model, rows in (
        (ParkingSpot, plan.parking),
        (StorageLocker, plan.storage),
        (BikeLocker, plan.bikes),
    ):
        model.objects.bulk_create(
            [
                model(
                    strata_id=strata.pk,
                    identifier=row.identifier,
                    unit_id=unit_pks[row.unit] if row.unit is not None else None,
                )
                for row in rows
            ],
            batch_size=BATCH_SIZE,
        )
    return {
        "units": len(plan.units),
        "persons": len(plan.persons),
        "occupancies": len(plan.occupancies),
        "parking_stalls": len(plan.parking),
        "storage_lockers": len(plan.storage),
        "bike_lockers": len(plan.bikes),
    }


def _pks(objects) -> list[int]:
    pks = [obj.pk for obj in objects]
    if None in pks:
        raise RuntimeError(
            "The database did not return primary keys from a bulk insert; seed_demo needs "
            "PostgreSQL or SQLite 3.35 or newer."
        )
    return pks


# --- The whole demo ------------------------------------------------------------------------


@dataclass
class StrataOutcome:
    strata: Strata
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class LoginOutcome:
    login: DemoLogin
    status: str  # "created", "password_reset" or "kept"
    strata: Strata | None
    password: str | None  # what logs in now, when known


@dataclass
class SeedReport:
    stratas: list[StrataOutcome]
    logins: list[LoginOutcome]
    memberships_created: int
    audit_entries: list[AuditLog]

    @property
    def changed(self) -> bool:
        return bool(self.audit_entries)


def _strata_get_or_create(spec: StrataSpec, *, units: int) -> StrataOutcome:
    existing = Strata.objects.filter(plan_number__iexact=spec.plan_number).first()
    if existing is not None:
        return StrataOutcome(strata=existing, created=False)
    strata = Strata(
        name=spec.name,
        plan_number=spec.plan_number,
        address=spec.address,
        postal_address=spec.postal_address,
        reply_email=spec.reply_email,
        time_zone=spec.time_zone,
        letter_signature=spec.letter_signature,
        sender_name=spec.sender_name,
    )
    strata.full_clean()
    strata.save()
    plan = register_plan(units=units, today=strata_today(strata), seed=spec.seed)
    return StrataOutcome(
        strata=strata, created=True, counts=register_write(strata=strata, plan=plan)
    )


def _login_ensure(
    login: DemoLogin, *, strata: Strata | None, password: str, reset_password: bool
) -> tuple[LoginOutcome, bool]:
    """The demo user and its membership; returns the outcome and whether a membership was added.

    An existing user keeps its password unless ``reset_password``.
    """
    user = User.objects.filter(email__iexact=login.email).first()
    if user is None:
        create = (
            User.objects.create_superuser if login.role == SUPERUSER else User.objects.create_user
        )
        user = create(email=login.email, password=password, full_name=login.full_name)
        status, known = "created", password
    elif reset_password:
        user.set_password(password)
        user.save(update_fields=["password", "updated_at"])
        status, known = "password_reset", password
    else:
        status = "kept"
        known = password if check_password(password, user.password) else None
    membership_added = False
    if strata is not None:
        open_membership = StrataMembership.objects.filter(
            user=user, strata=strata, role=login.role, ends_on__isnull=True
        )
        if not open_membership.exists():
            StrataMembership.objects.create(
                user=user,
                strata=strata,
                role=login.role,
                starts_on=years_before(strata_today(strata), 1),
                accepted_at=timezone.now(),
            )
            membership_added = True
    return LoginOutcome(login=login, status=status, strata=strata, password=known), membership_added


@transaction.atomic
def demo_seed(
    *, units: int = DEFAULT_UNITS, password: str = DEMO_PASSWORD, reset_passwords: bool = False
) -> SeedReport:
    """Create whatever of the demo is missing; a second run changes nothing.

    Stratas are found by plan number and users by email. A strata that exists keeps its
    register as it is (``units`` only applies when Harbourview Terrace is created). One
    transaction: a failure leaves nothing behind.
    """
    stratas = [
        _strata_get_or_create(HARBOURVIEW, units=units),
        _strata_get_or_create(CEDAR_GROVE, units=CEDAR_GROVE_UNITS),
    ]
    by_plan = {outcome.strata.plan_number.upper(): outcome.strata for outcome in stratas}
    logins, memberships_created = [], 0
    added_in: dict[int | None, int] = {}
    for login in DEMO_LOGINS:
        outcome, added = _login_ensure(
            login,
            strata=by_plan[login.plan_number] if login.plan_number else None,
            password=password,
            reset_password=reset_passwords,
        )
        logins.append(outcome)
        memberships_created += added
        key = outcome.strata.pk if outcome.strata else None
        added_in[key] = added_in.get(key, 0) + added
    entries = [
        entry
        for strata in [*(o.strata for o in stratas), None]
        if (entry := _seed_audit(strata, stratas, logins, added_in.get(strata and strata.pk, 0)))
    ]
    return SeedReport(
        stratas=stratas,
        logins=logins,
        memberships_created=memberships_created,
        audit_entries=entries,
    )


def _seed_audit(
    strata: Strata | None,
    stratas: list[StrataOutcome],
    logins: list[LoginOutcome],
    memberships_created: int,
) -> AuditLog | None:
    """One ``demo.seeded`` entry for what the seed changed in ``strata`` (None: the logins
    without a strata, read by administrators only), if anything. Logins are counted, never
    named: a strata's managers read its entry, and the other strata's logins are not theirs
    to know."""
    here = [o for o in logins if (o.strata.pk if o.strata else None) == (strata and strata.pk)]
    created = next((o for o in stratas if strata and o.strata.pk == strata.pk and o.created), None)
    changes = {
        "strata_created": created is not None,
        "register": created.counts if created else {},
        "users_created": sum(o.status == "created" for o in here),
        "passwords_reset": sum(o.status == "password_reset" for o in here),
        "memberships_created": memberships_created,
    }
    if not any(value for key, value in changes.items() if key != "register"):
        return None
    return audit_log_record(
        actor=None, action="demo.seeded", strata=strata, target=strata, changes=changes
    )
