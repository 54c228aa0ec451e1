"""The resident side's world (issue 15): every actor of the authorization matrix, and the
cases, letters, evidence and charges they may or may not see.

Harbour View, unit 101: owners Olive and Cole (co-owners), and Rex, a council member who
lives there (recused). Unit 102: Larry owns it and lets it to Terry. Unit 103: Cathy, who
complained about both. Unit 104: Uma, unrelated. Cedar Grove, unit 9: Oscar, with a case of
his own. Staff: the manager, a council member, the caretaker, Cedar Grove's manager, a
superuser.

- case A (unit 101, owners): notice sent; Olive and Cole are respondents. Evidence: a photo
  shared with the parties, a staff-only photo. An internal note and the complaint carry
  markers no resident may see.
- case T (unit 102, the tenant): notice sent; Terry respondent, Larry landlord.
- case O (Cedar Grove unit 9): notice sent to Oscar.
- case D (unit 101): decided upheld; Olive owes its $200 fine.
"""

import datetime as dt
from types import SimpleNamespace

from accounts.models import StrataMembership
from accounts.strata_time import strata_today
from properties.models import Occupancy
from tests import people
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory
from tests.violations.charges import charge_on
from tests.violations.drive import Driver
from tests.violations.factories import BylawFactory, EvidenceFactory, ViolationFactory
from violations.models import Complaint, PartyRole, ViolationEvent

# Text that must never reach a resident's page or answer (issue 15, item 4).
SECRET_MARKERS = {
    "complainant": "Cathy Complainant",
    "complaint": "COMPLAINT-TEXT-MARKER",
    "description": "CASE-DESCRIPTION-MARKER",
    "internal_note": "INTERNAL-NOTE-MARKER",
    "staff_photo": "staff-only-original.jpg",
}

# The matrix's actors. ``None`` is anonymous.
ACTORS = (
    "anonymous",
    "respondent_owner",
    "co_owner",
    "tenant_respondent",
    "landlord",
    "complainant",
    "unrelated_resident",
    "other_strata_resident",
    "caretaker",
    "council_member",
    "recused_council_member",
    "manager",
    "other_manager",
    "superuser",
)
RESIDENTS = (
    "respondent_owner",
    "co_owner",
    "tenant_respondent",
    "landlord",
    "complainant",
    "unrelated_resident",
    "other_strata_resident",
)


def resident(unit, name, email, role=Occupancy.Role.OWNER, **occupancy):
    """A person of the register with their resident login (as a link would make it)."""
    person = PersonFactory(strata=unit.strata, full_name=name, email=email, email_for_notices="")
    OccupancyFactory(unit=unit, person=person, role=role, **occupancy)
    person.user = UserFactory(email=email, full_name=name)
    person.user.set_unusable_password()
    person.user.save()
    person.save()
    return person


def build_resident_world() -> SimpleNamespace:
    strata, other_strata = people.harbour_view(), people.cedar_grove()
    manager = people.manager_of(strata)
    council = people.council_member_of(strata)
    caretaker = people.caretaker_of(strata)
    other_manager = people.other_manager_of(other_strata)
    superuser = people.superuser()
    unit_101, unit_9 = people.unit_101(strata), people.unit_9(other_strata)
    unit_102 = UnitFactory(strata=strata, unit_number="102", strata_lot_number=2)
    unit_103 = UnitFactory(strata=strata, unit_number="103", strata_lot_number=3)
    unit_104 = UnitFactory(strata=strata, unit_number="104", strata_lot_number=4)

    olive = resident(unit_101, "Olive Owner", "olive@example.test")
    cole = resident(unit_101, "Cole Coowner", "cole@example.test")
    larry = resident(unit_102, "Larry Landlord", "larry@example.test")
    terry = resident(
        unit_102,
        "Terry Tenant",
        "terry@example.test",
        role=Occupancy.Role.TENANT,
        landlord=larry,
        starts_on=dt.date(2024, 9, 1),
        form_k_received_on=dt.date(2024, 8, 20),
    )
    cathy = resident(unit_103, SECRET_MARKERS["complainant"], "cathy@example.test")
    uma = resident(unit_104, "Uma Unrelated", "uma@example.test")
    oscar = resident(unit_9, "Oscar Outsider", "oscar@example.test")
    # Rex: council, and an occupant of unit 101 (recused from its cases, SPA s.32).
    rex = UserFactory(email="rex@example.test", full_name="Rex Recused")
    MembershipFactory(strata=strata, role=StrataMembership.Role.COUNCIL, user=rex)
    OccupancyFactory(
        unit=unit_101,
        role=Occupancy.Role.OCCUPANT,
        person=PersonFactory(strata=strata, full_name="Rex Recused", user=rex),
    )

    noise = {
        s: BylawFactory(strata=s, number="3.1", title="Nuisance and noise")
        for s in (strata, other_strata)
    }

    def case(unit, reference):
        built = ViolationFactory(
            unit=unit,
            bylaws=[noise[unit.strata]],
            reference=reference,
            description=SECRET_MARKERS["description"],
            complaint=False,
        )
        Complaint.objects.create(
            case=built,
            received_on=built.incident_on,
            channel=Complaint.Channel.PORTAL,
            complainant=cathy if unit.strata == strata else None,
            complainant_name=SECRET_MARKERS["complainant"],
            details=SECRET_MARKERS["complaint"],
        )
        return built

    case_a = case(unit_101, "VIO-20261101-101")
    case_t = case(unit_102, "VIO-20261101-102")
    case_o = case(unit_9, "VIO-20261101-909")
    Driver(actor=manager).to(case_a, "notice_sent")
    Driver(actor=manager).to(case_t, "notice_sent", respondent_role="tenant", respondent=terry)
    Driver(actor=other_manager).to(case_o, "notice_sent")
    shared = EvidenceFactory(
        case=case_a, original_name="shared-photo.jpg", shared_with_parties=True
    )
    staff_only = EvidenceFactory(case=case_a, original_name=SECRET_MARKERS["staff_photo"])
    ViolationEvent.objects.create(
        case=case_a,
        actor=manager,
        kind="note",
        text=SECRET_MARKERS["internal_note"],
        visible_to_resident=False,
    )
    charge = charge_on(unit_101, olive, manager, reference="VIO-20261101-104", bylaw=noise[strata])
    case_d = charge.case
    case_d.parties.create(person=olive, role=PartyRole.RESPONDENT, required=True)

    users = {
        "anonymous": None,
        "respondent_owner": olive.user,
        "co_owner": cole.user,
        "tenant_respondent": terry.user,
        "landlord": larry.user,
        "complainant": cathy.user,
        "unrelated_resident": uma.user,
        "other_strata_resident": oscar.user,
        "caretaker": caretaker,
        "council_member": council,
        "recused_council_member": rex,
        "manager": manager,
        "other_manager": other_manager,
        "superuser": superuser,
    }
    assert set(users) == set(ACTORS)
    return SimpleNamespace(
        strata=strata,
        other_strata=other_strata,
        today=strata_today(strata),
        users=users,
        persons=SimpleNamespace(
            olive=olive, cole=cole, larry=larry, terry=terry, cathy=cathy, uma=uma, oscar=oscar
        ),
        units=SimpleNamespace(
            u101=unit_101, u102=unit_102, u103=unit_103, u104=unit_104, u9=unit_9
        ),
        cases=SimpleNamespace(a=case_a, t=case_t, o=case_o, d=case_d),
        evidence=SimpleNamespace(shared=shared, staff_only=staff_only),
        charge=charge,
    )
