"""A demo strata's bylaws and rules, modelled on BC's Schedule of Standard Bylaws.

Part 2 (duties of owners, tenants, occupants and visitors), Part 3 (powers and duties of the
strata corporation) and Part 5 (enforcement) follow the Standard Bylaws' wording; a
short-term accommodation bylaw (Reg 7.1: up to $1,000, daily) and four rules of the kind
councils make are added. This is seeding, not a user action: rows are written with the ORM
directly, and an existing number is left as it is, so running it twice changes nothing.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import Strata
from violations.models import Bylaw, BylawCategory, BylawRevision, ViolationCategory

BYLAWS_FILED_ON = dt.date(2019, 3, 20)  # the consolidated bylaws' filing at the LTO
STR_BYLAW_FILED_ON = dt.date(2024, 6, 3)
RULES_MADE_ON = dt.date(2024, 2, 12)  # by council, in force from then (SPA s.125)
RULES_RATIFIED_ON = dt.date(2024, 5, 14)  # at the next AGM

PART_2 = ("2", "Duties of Owners, Tenants, Occupants and Visitors")
PART_3 = ("3", "Powers and Duties of Strata Corporation")
PART_5 = ("5", "Enforcement of Bylaws and Rules")

CATEGORIES = {
    "Noise": "Noise and nuisance: music, parties, renovation hours.",
    "Pets": "Pets allowed, and pets on common property.",
    "Parking": "Stalls, visitor parking and vehicles on common property.",
    "Garbage": "Garbage, recycling and bulky items.",
    "Alterations": "Alterations to lots and common property, and damage.",
    "Short-term rentals": "Stays of less than 90 days, including through platforms.",
}


@dataclass(frozen=True)
class DemoBylaw:
    number: str
    title: str
    text: str
    part: tuple[str, str] = ("", "")
    kind: str = Bylaw.Kind.BYLAW
    category: str = ""
    fine: Decimal | None = None
    interval_days: int | None = None
    short_term_rental: bool = False


BYLAWS = (
    DemoBylaw(
        "1",
        "Payment of strata fees",
        "(1) An owner must pay strata fees on or before the first day of the month to which "
        "the strata fees relate.\n\n"
        "(2) If an owner fails to pay the strata fees on time, the owner must pay interest on "
        "the arrears at the rate of 10% per year, compounded annually, and calculated on a "
        "monthly basis from the date the payment was due and until the date of payment.",
        PART_2,
    ),
    DemoBylaw(
        "2",
        "Repair and maintenance of property by owner",
        "(1) An owner must repair and maintain the owner's strata lot, except for repair and "
        "maintenance that is the responsibility of the strata corporation under these bylaws."
        "\n\n"
        "(2) An owner who has the use of limited common property must repair and maintain it, "
        "except for repair and maintenance that is the responsibility of the strata "
        "corporation under these bylaws.",
        PART_2,
        category="Alterations",
    ),
    DemoBylaw(
        "3(1)",
        "Use of property: nuisance and noise",
        "An owner, tenant, occupant or visitor must not use a strata lot, the common property "
        "or common assets in a way that\n"
        "(a) causes a nuisance or hazard to another person,\n"
        "(b) causes unreasonable noise,\n"
        "(c) unreasonably interferes with the rights of other persons to use and enjoy the "
        "common property, common assets or another strata lot,\n"
        "(d) is illegal, or\n"
        "(e) is contrary to a purpose for which the strata lot or common property is intended "
        "as shown expressly or by necessary implication on or by the strata plan.",
        PART_2,
        category="Noise",
        fine=Decimal("200.00"),
    ),
    DemoBylaw(
        "3(2)",
        "Damage to common property",
        "An owner, tenant, occupant or visitor must not cause damage, other than reasonable "
        "wear and tear, to the common property, common assets or those parts of a strata lot "
        "which the strata corporation must repair and maintain under these bylaws or insure "
        "under section 149 of the Act.",
        PART_2,
        category="Alterations",
        fine=Decimal("200.00"),
    ),
    DemoBylaw(
        "3(3)",
        "Animals on common property",
        "An owner, tenant or occupant must ensure that all animals are leashed or otherwise "
        "secured when on the common property or on land that is a common asset.",
        PART_2,
        category="Pets",
        fine=Decimal("100.00"),
    ),
    DemoBylaw(
        "3(4)",
        "Pets",
        "An owner, tenant or occupant must not keep any pets on a strata lot other than one or "
        "more of the following:\n"
        "(a) a reasonable number of fish or other small aquarium animals;\n"
        "(b) a reasonable number of small caged mammals;\n"
        "(c) up to 2 caged birds;\n"
        "(d) one dog or one cat.",
        PART_2,
        category="Pets",
        fine=Decimal("100.00"),
    ),
    DemoBylaw(
        "4",
        "Inform strata corporation",
        "(1) Within 2 weeks of becoming an owner, an owner must inform the strata corporation "
        "of the owner's name, strata lot number and mailing address outside the strata plan, "
        "if any.\n\n"
        "(2) On request by the strata corporation, a tenant must inform the strata corporation "
        "of his or her name.",
        PART_2,
    ),
    DemoBylaw(
        "5",
        "Obtain approval before altering a strata lot",
        "(1) An owner must obtain the written approval of the strata corporation before making "
        "an alteration to a strata lot that involves any of the following:\n"
        "(a) the structure of a building;\n"
        "(b) the exterior of a building;\n"
        "(c) chimneys, stairs, balconies or other things attached to the exterior of a "
        "building;\n"
        "(d) doors, windows or skylights on the exterior of a building, or that front on the "
        "common property;\n"
        "(e) fences, railings or similar structures that enclose a patio, balcony or yard;\n"
        "(f) common property located within the boundaries of a strata lot;\n"
        "(g) those parts of the strata lot which the strata corporation must insure under "
        "section 149 of the Act.\n\n"
        "(2) The strata corporation must not unreasonably withhold its approval under "
        "subsection (1), but may require as a condition of its approval that the owner agree, "
        "in writing, to take responsibility for any expenses relating to the alteration.",
        PART_2,
        category="Alterations",
        fine=Decimal("200.00"),
    ),
    DemoBylaw(
        "6",
        "Obtain approval before altering common property",
        "(1) An owner must obtain the written approval of the strata corporation before making "
        "an alteration to common property, including limited common property, or common "
        "assets.\n\n"
        "(2) The strata corporation may require as a condition of its approval that the owner "
        "agree, in writing, to take responsibility for any expenses relating to the "
        "alteration.",
        PART_2,
        category="Alterations",
        fine=Decimal("200.00"),
    ),
    DemoBylaw(
        "7",
        "Permit entry to strata lot",
        "(1) An owner, tenant, occupant or visitor must allow a person authorized by the strata "
        "corporation to enter the strata lot\n"
        "(a) in an emergency, without notice, to ensure safety or prevent significant loss or "
        "damage, and\n"
        "(b) at a reasonable time, on 48 hours' written notice, to inspect, repair or maintain "
        "common property, common assets and any portions of a strata lot that are the "
        "responsibility of the strata corporation to repair and maintain under these bylaws or "
        "insure under section 149 of the Act.\n\n"
        "(2) The notice referred to in subsection (1)(b) must include the date and approximate "
        "time of entry, and the reason for entry.",
        PART_2,
    ),
    DemoBylaw(
        "7.1",
        "Short-term accommodation",
        "An owner, tenant or occupant must not rent, license or otherwise permit the occupancy "
        "of a strata lot, or any part of it, for a period of less than 90 consecutive days, "
        "including through an online accommodation platform. A contravention that continues "
        "may be fined every day.",
        PART_2,
        category="Short-term rentals",
        fine=Decimal("1000.00"),
        interval_days=1,
        short_term_rental=True,
    ),
    DemoBylaw(
        "8",
        "Repair and maintenance of property by strata corporation",
        "The strata corporation must repair and maintain all of the following:\n"
        "(a) common assets of the strata corporation;\n"
        "(b) common property that has not been designated as limited common property;\n"
        "(c) limited common property, but the duty to repair and maintain it is restricted to "
        "repair and maintenance that in the ordinary course of events occurs less often than "
        "once a year, and to the structure and exterior of a building, chimneys, stairs, "
        "balconies, doors, windows, skylights, fences and railings, no matter how often the "
        "repair or maintenance ordinarily occurs;\n"
        "(d) a strata lot, but the duty to repair and maintain it is restricted to the "
        "structure and exterior of a building, chimneys, stairs, balconies and other things "
        "attached to the exterior, doors, windows and skylights on the exterior or that front "
        "on the common property, and fences, railings and similar structures that enclose "
        "patios, balconies and yards.",
        PART_3,
    ),
    DemoBylaw(
        "23",
        "Maximum fine",
        "The strata corporation may fine an owner or tenant a maximum of\n"
        "(a) $200 for each contravention of a bylaw, except that the maximum for a "
        "contravention of bylaw 7.1 is $1,000, and\n"
        "(b) $50 for each contravention of a rule.",
        PART_5,
    ),
    DemoBylaw(
        "24",
        "Continuing contravention",
        "If an activity or lack of activity that constitutes a contravention of a bylaw or "
        "rule continues, without interruption, for longer than 7 days, a fine may be imposed "
        "every 7 days, except that a contravention of bylaw 7.1 may be fined every day.",
        PART_5,
    ),
    DemoBylaw(
        "1",
        "Move-in and move-out hours",
        "Moves in or out must be booked with the building manager at least 72 hours ahead and "
        "take place between 9:00 a.m. and 5:00 p.m., Monday to Saturday, using the service "
        "elevator with its protective pads in place.",
        kind=Bylaw.Kind.RULE,
        fine=Decimal("50.00"),
    ),
    DemoBylaw(
        "2",
        "Parking",
        "Residents park only in the stall assigned to their strata lot. Visitor stalls are for "
        "visitors, for at most 24 hours at a time. Vehicles must be insured and in running "
        "order; no vehicle may be repaired or washed in the parkade.",
        kind=Bylaw.Kind.RULE,
        category="Parking",
        fine=Decimal("50.00"),
    ),
    DemoBylaw(
        "3",
        "Garbage and recycling",
        "Garbage must be bagged and placed in the bins in the garbage room; recycling is sorted "
        "into the marked bins. Furniture, mattresses and renovation waste must not be left on "
        "common property: residents arrange their removal at their own expense.",
        kind=Bylaw.Kind.RULE,
        category="Garbage",
        fine=Decimal("25.00"),
    ),
    DemoBylaw(
        "4",
        "Amenity room",
        "The amenity room is booked through the building manager, for at most 20 guests, and "
        "must be vacated, cleaned and locked by 11:00 p.m. The resident who booked it is "
        "responsible for their guests and for any damage.",
        kind=Bylaw.Kind.RULE,
        category="Noise",
    ),
)

# Case categories and the bylaws (kind, number) a case of that kind usually cites.
VIOLATION_CATEGORIES = {
    "Noise": ("Loud music, parties, renovation noise.", [("bylaw", "3(1)")]),
    "Pets": ("Pets off leash, too many pets.", [("bylaw", "3(3)"), ("bylaw", "3(4)")]),
    "Parking": ("Stalls, visitor parking.", [("rule", "2")]),
    "Garbage": ("Garbage and bulky items left on common property.", [("rule", "3")]),
    "Alterations/Damage": (
        "Alterations without approval, damage to common property.",
        [("bylaw", "3(2)"), ("bylaw", "5"), ("bylaw", "6")],
    ),
    "Short-term rental": ("Stays of less than 90 days.", [("bylaw", "7.1")]),
}


def demo_bylaws_create(strata: Strata) -> list[Bylaw]:
    """The demo bylaws and rules of ``strata``, created where missing (each with its first
    revision), with their categories and case categories."""
    with transaction.atomic():
        categories = {
            name: BylawCategory.objects.get_or_create(
                strata=strata, name=name, defaults={"description": description}
            )[0]
            for name, description in CATEGORIES.items()
        }
        bylaws = [_bylaw(strata, spec, categories) for spec in BYLAWS]
        by_key = {(bylaw.kind, bylaw.number): bylaw for bylaw in bylaws}
        for name, (description, keys) in VIOLATION_CATEGORIES.items():
            category, _created = ViolationCategory.objects.get_or_create(
                strata=strata, name=name, defaults={"description": description}
            )
            category.default_bylaws.add(*(by_key[key] for key in keys))
    return bylaws


def _bylaw(strata: Strata, spec: DemoBylaw, categories: dict) -> Bylaw:
    existing = Bylaw.objects.filter(strata=strata, kind=spec.kind, number=spec.number).first()
    if existing is not None:
        return existing
    is_rule = spec.kind == Bylaw.Kind.RULE
    bylaw = Bylaw.objects.create(
        strata=strata,
        kind=spec.kind,
        number=spec.number,
        title=spec.title,
        text=spec.text,
        part_number=spec.part[0],
        part_title=spec.part[1],
        category=categories.get(spec.category),
        fine_amount=spec.fine,
        continuing_interval_days=spec.interval_days,
        is_short_term_rental=spec.short_term_rental,
        filed_on=None if is_rule else _filed_on(spec),
        ratified_on=RULES_RATIFIED_ON if is_rule else None,
    )
    BylawRevision.objects.create(
        bylaw=bylaw,
        text=bylaw.text,
        effective_on=RULES_MADE_ON if is_rule else _filed_on(spec),
    )
    return bylaw


def _filed_on(spec: DemoBylaw) -> dt.date:
    return STR_BYLAW_FILED_ON if spec.short_term_rental else BYLAWS_FILED_ON
