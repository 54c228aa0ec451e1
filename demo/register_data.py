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

from dataclasses import dataclass, field

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_log_record
from accounts.models import AuditLog, Strata, StrataMembership, User
from accounts.strata_time import strata_today
from demo.register import register_plan, register_write, years_before

DEMO_PASSWORD = "demo-strata-2026"  # noqa: S105 - published on purpose: demo logins only
DEFAULT_UNITS = 44


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
    contact_line: str
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
    contact_line="Pacific Crest Strata Management · 604-555-0142 · bcs2024@demo.stratatracker.test",
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
    contact_line="Cedar Grove council · 250-555-0178 · vis5678@demo.stratatracker.test",
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
        contact_line=spec.contact_line,
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
