"""Reads of the register, scoped to the caller: staff by membership, residents by occupancy.

Everything that picks recipients or grants access uses *current* occupancies only.
"""

from django.db.models import Count, Q, QuerySet

from accounts.permissions import Right, scope_to_stratas
from accounts.selectors import stratas_visible_to
from accounts.strata_time import strata_today_sql
from properties.models import BikeLocker, Occupancy, ParkingSpot, Person, StorageLocker, Unit


def current_occupancy_q(prefix: str = "") -> Q:
    """Occupancies that have started and not ended on their own strata's today (a tenancy
    ending 31 May holds until midnight in the strata's zone). ``prefix`` reaches them from
    elsewhere."""
    today = strata_today_sql(f"{prefix}unit__strata")
    return Q(**{f"{prefix}starts_on__lte": today}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": today})
    )


def current_occupancies() -> QuerySet[Occupancy]:
    return Occupancy.objects.filter(current_occupancy_q())


def units_visible_to(user) -> QuerySet[Unit]:
    """Staff: the units of their stratas. Residents: units they currently occupy or own."""
    staff_units = scope_to_stratas(Unit.objects.all(), user, Right.VIEW_REGISTER)
    own = Q(
        pk__in=current_occupancies()
        .filter(person__user=user, person__archived_at__isnull=True)
        .values("unit_id")
    )
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return Unit.objects.filter(Q(pk__in=staff_units.values("pk")) | own).filter(
        archived_at__isnull=True
    )


def form_ks_visible_to(user) -> QuerySet[Occupancy]:
    """Occupancies with a Form K the user may download: staff who read the strata's register.
    Residents never, their own tenancy's included (the matrix: tests/test_admin_authorization)."""
    return scope_to_stratas(
        Occupancy.objects.exclude(form_k_file=""), user, Right.VIEW_REGISTER, via="unit__strata"
    )


def persons_visible_to(user) -> QuerySet[Person]:
    """Staff: the persons of their stratas. Residents: their own person records."""
    if not getattr(user, "is_authenticated", False):
        return Person.objects.none()
    staff_persons = scope_to_stratas(Person.objects.all(), user, Right.VIEW_REGISTER)
    return Person.objects.filter(Q(pk__in=staff_persons.values("pk")) | Q(user=user)).filter(
        archived_at__isnull=True
    )


def register_counts_for(user) -> list[dict]:
    """Per strata the user works in: units, persons, current owners and tenants, facilities.

    A fixed number of grouped queries, whatever the number of stratas.
    """
    stratas = list(stratas_visible_to(user).values("id", "uuid", "name", "plan_number"))
    ids = [s["id"] for s in stratas]

    def grouped(queryset, via="strata_id", **extra) -> dict:
        rows = queryset.filter(**{f"{via}__in": ids}).values(via).annotate(n=Count("pk"), **extra)
        return {row[via]: row for row in rows}

    units = grouped(Unit.objects.filter(archived_at__isnull=True))
    persons = grouped(Person.objects.filter(archived_at__isnull=True))
    occupancies = grouped(
        current_occupancies(),
        via="unit__strata_id",
        owners=Count("pk", filter=Q(role=Occupancy.Role.OWNER)),
        tenants=Count("pk", filter=Q(role=Occupancy.Role.TENANT)),
    )
    facilities = {
        label: grouped(model.objects.all())
        for label, model in (
            ("parking", ParkingSpot),
            ("storage", StorageLocker),
            ("bike", BikeLocker),
        )
    }
    for strata in stratas:
        sid = strata["id"]
        occ = occupancies.get(sid, {})
        strata.update(
            units=units.get(sid, {}).get("n", 0),
            persons=persons.get(sid, {}).get("n", 0),
            owners=occ.get("owners", 0),
            tenants=occ.get("tenants", 0),
            **{label: rows.get(sid, {}).get("n", 0) for label, rows in facilities.items()},
        )
    return stratas


# --- a resident's own view (DESIGN §8) --------------------------------------------------------


def persons_of(user) -> QuerySet[Person]:
    """The register records a resident login speaks for (one per strata they live in)."""
    if not getattr(user, "is_authenticated", False):
        return Person.objects.none()
    return Person.objects.filter(user=user, archived_at__isnull=True).select_related("strata")


def persons_at_address(address: str) -> QuerySet[Person]:
    """Current persons whose own or notice address is ``address`` (a shared household
    address may name several: whoever signs in chooses which one they are)."""
    address = address.strip().lower()
    if not address:
        return Person.objects.none()
    return (
        Person.objects.filter(archived_at__isnull=True, strata__archived_at__isnull=True)
        .filter(Q(email__iexact=address) | Q(email_for_notices__iexact=address))
        .select_related("strata")
        .order_by("strata__name", "full_name", "pk")
    )


def resident_units(user) -> QuerySet[Unit]:
    """The units a resident currently occupies or owns, and only those: a staff member's
    strata-wide view is never mixed into their resident pages."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return (
        Unit.objects.filter(
            archived_at__isnull=True,
            pk__in=current_occupancies()
            .filter(person__user=user, person__archived_at__isnull=True)
            .values("unit_id"),
        )
        .select_related("strata")
        .order_by("strata__name", "unit_number")
    )


def people_on_units(units) -> QuerySet[Occupancy]:
    """Who currently lives on or owns ``units``: names and roles for the resident's own units
    (their contact details stay with staff)."""
    return (
        current_occupancies()
        .filter(unit__in=units, person__archived_at__isnull=True)
        .select_related("person", "unit")
        .order_by("unit__unit_number", "role", "person__full_name")
    )
