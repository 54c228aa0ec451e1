"""The demo register, planned in plain Python (``register_plan``) from a seeded
``random.Random``, so a fresh database always gets the same register for the same day, then
written with ``bulk_create`` in batches (``register_write``): 20,000 units take seconds.
"""

import datetime as dt
import random
import re
from dataclasses import dataclass, field, replace

from accounts.models import Strata
from demo.names import (
    AREA_CODES,
    ELSEWHERE,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    OVERSEAS,
    PETS,
    UNIT_NOTES,
)
from properties.models import BikeLocker, Occupancy, ParkingSpot, Person, StorageLocker, Unit

BATCH_SIZE = 1000
UNITS_PER_FLOOR = 10
TOWNHOUSES = 4
STALLS_PER_LEVEL = 100


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
