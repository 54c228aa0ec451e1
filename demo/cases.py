"""Demo enforcement data: the demo bylaws, and one case in every status, driven through the
same services staff use so each has its letters, service records, events and emails. Every
step happens today, so the cases that reach a decision do it the way the law allows on the
day of the notice: the respondent declines a hearing in writing. The upheld fine is
part-paid, so the ledger has a balance to show.

Two cases also show how letters reach people and how a record is corrected:

- the reported case's complainant is a tenant of another unit who gave no postal address and
  no email for notices: the acknowledgement waits in the print queue addressed to their own
  unit, never to the unit complained about;
- on the responded case every party who gave no postal address and lives in a unit is served
  under the door (SPA s.61(1)(b)(iii)), deemed given 4 days later; the others by mail or by
  hand. Its response was first recorded without the time the letter came in (midnight) and
  then amended with a reason, so the original stays beside the correction.
"""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Strata, StrataMembership, User
from accounts.strata_time import strata_today, strata_zone
from demo.bylaws import demo_bylaws_create
from properties.models import Occupancy, Person, Unit
from properties.selectors import current_occupancies
from violations import services
from violations.models import (
    Complaint,
    DeliveryMethod,
    LetterDelivery,
    LetterKind,
    Status,
    Violation,
    ViolationCategory,
)
from violations.selectors import serving
from violations.services import corrections, ledger
from violations.services.case_links import case_link_make, case_link_url
from violations.services.evidence import evidence_add, evidence_share_set

# (status, category, what happened)
CASES = (
    (Status.REPORTED, "Noise", "Loud music from the balcony after 11 p.m. on a weeknight."),
    (Status.WARNED, "Garbage", "A mattress left beside the recycling bins for three days."),
    (Status.REJECTED, "Noise", "Footsteps heard from the unit above during the day."),
    (Status.NOTICE_PENDING_APPROVAL, "Pets", "A dog off leash in the lobby and the elevator."),
    (Status.NOTICE_SENT, "Parking", "A car parked in a visitor stall for six days."),
    (Status.RESPONDED, "Noise", "A party with amplified music until 2 a.m."),
    (Status.HEARING_REQUESTED, "Alterations/Damage", "Flooring replaced without approval."),
    (Status.HEARING_SCHEDULED, "Pets", "A third cat kept in the strata lot."),
    (Status.AWAITING_DECISION, "Noise", "Drumming practice every evening until midnight."),
    (Status.DECIDED_UPHELD, "Short-term rental", "The unit listed for stays of two nights."),
    (Status.DECIDED_DISMISSED, "Parking", "A motorbike parked in the bike room."),
    (Status.WITHDRAWN, "Garbage", "Renovation debris in the parkade."),
    (Status.CLOSED, "Noise", "Hammering at 7 a.m. on a Sunday."),
)
# The case whose complainant lives in another unit, and the case served under the door with
# its response corrected (the module's docstring).
NEIGHBOUR_COMPLAINS = Status.REPORTED
SERVED_AT_THE_DOOR = Status.RESPONDED


def demo_cases_create(strata: Strata) -> int:
    """Create the demo bylaws and, if ``strata`` has no cases yet, one case per status.
    Returns the number of cases created (0 on a second run)."""
    demo_bylaws_create(strata)
    if Violation.objects.filter(strata=strata).exists():
        return 0
    manager = _member(strata, StrataMembership.Role.MANAGER)
    council = _member(strata, StrataMembership.Role.COUNCIL)
    caretaker = _member(strata, StrataMembership.Role.CARETAKER)
    units = _units_with_owners(strata, len(CASES))
    today = strata_today(strata)
    with transaction.atomic():
        for index, ((status, category_name, what), unit) in enumerate(
            zip(CASES, units, strict=False)
        ):
            category = ViolationCategory.objects.get(strata=strata, name=category_name)
            case = services.violation_report(
                actor=manager,
                unit=unit,
                bylaws=list(category.default_bylaws.all()[:1]),
                category=category,
                incident_on=today - dt.timedelta(days=40 - index),
                incident_time=dt.time(23, 15),
                incident_place="Common property near " + str(unit),
                description=what,
                complaint=_complaint(
                    status, unit, what, received_on=today - dt.timedelta(days=39 - index)
                ),
            )
            _drive(case, status, manager=manager, council=council, caretaker=caretaker)
    return len(CASES)


def _complaint(status: str, unit: Unit, what: str, *, received_on: dt.date) -> dict:
    """A neighbour's complaint, named only on the case that shows where the acknowledgement
    goes (when the register has such a neighbour)."""
    neighbour = _neighbour(unit) if status == NEIGHBOUR_COMPLAINS else None
    if neighbour is not None:
        return {
            "channel": Complaint.Channel.LETTER,
            "received_on": received_on,
            "complainant": neighbour,
            "details": what,
            "disclosure_warned": True,
        }
    return {
        "channel": Complaint.Channel.EMAIL,
        "received_on": received_on,
        "complainant_name": "A neighbour (name withheld)",
        "details": what,
        "disclosure_warned": True,
    }


def _neighbour(unit: Unit) -> Person | None:
    """The first tenant or occupant (by strata lot) of another unit of the strata who gave no
    postal address and no email for notices: their letters are mailed to their own unit."""
    here = current_occupancies().filter(unit=unit).values("person_id")
    occupancy = (
        current_occupancies()
        .filter(
            unit__strata_id=unit.strata_id,
            unit__archived_at__isnull=True,
            role__in=(Occupancy.Role.TENANT, Occupancy.Role.OCCUPANT),
            person__postal_address="",
            person__email_for_notices="",
        )
        .exclude(unit=unit)
        .exclude(person__in=here)
        .select_related("person")
        .order_by("unit__strata_lot_number", "pk")
        .first()
    )
    return occupancy.person if occupancy is not None else None


def _member(strata: Strata, role: str) -> User:
    return (
        User.objects.filter(memberships__strata=strata, memberships__role=role, is_active=True)
        .order_by("pk")
        .first()
    )


def _units_with_owners(strata: Strata, count: int) -> list[Unit]:
    owned = current_occupancies().filter(role=Occupancy.Role.OWNER).values("unit_id")
    return list(
        Unit.objects.filter(strata=strata, pk__in=owned, archived_at__isnull=True).order_by(
            "unit_number"
        )[:count]
    )


def _drive(
    case: Violation, status: str, *, manager: User, council: User, caretaker: User | None
) -> None:
    """Take a reported case to ``status`` through the services."""
    if status == Status.REPORTED:
        return
    if status == Status.REJECTED:
        services.violation_reject(case=case, actor=manager, reason="Normal daily living noise.")
        return
    if status == Status.WITHDRAWN:
        services.violation_withdraw(case=case, actor=manager, reason="Resolved between neighbours.")
        return
    respondent = _respondent(case)
    if status == Status.WARNED:
        services.violation_warn(case=case, actor=manager, **respondent)
        return
    services.violation_prepare_notice(case=case, actor=manager, **respondent)
    if status == Status.NOTICE_PENDING_APPROVAL:
        return
    services.violation_send_notice(case=case, actor=manager)
    if status == Status.NOTICE_SENT:
        _shared_photo(case, taken_by=caretaker or manager, manager=manager)
        return
    today = strata_today(case.strata)
    _serve_today(
        case, manager=manager, caretaker=caretaker, at_the_door=status == SERVED_AT_THE_DOOR
    )
    party = case.parties.filter(role="respondent").first()
    now = timezone.now()
    if status in (Status.DECIDED_UPHELD, Status.DECIDED_DISMISSED, Status.CLOSED):
        for respondent_party in case.parties.filter(role="respondent"):
            services.violation_record_response(
                case=case,
                actor=manager,
                party=respondent_party,
                text="I do not want a hearing; council may decide on what it has.",
                channel="email",
                received_at=now,
                declines_hearing=True,
            )
        _decide(case, status, manager=manager, council=council)
        return
    if status == Status.RESPONDED:
        # First recorded without the time the letter came in, then corrected with a reason.
        midnight = dt.datetime.combine(today, dt.time(0), tzinfo=strata_zone(case.strata))
        response = services.violation_record_response(
            case=case,
            actor=manager,
            party=party,
            text="It was a birthday party; it will not happen again.",
            channel="letter",
            received_at=midnight,
        )
        corrections.entry_amend(
            entry=response,
            actor=manager,
            reason=(
                "Recorded without the time the letter came in, so it showed as midnight; it "
                "was handed in at the office later that day."
            ),
            received_at=now,
        )
        return
    services.violation_receive_hearing_request(
        case=case,
        actor=manager,
        party=party,
        reason="I want to explain the circumstances to council.",
        requested_on=today,
    )
    if status == Status.HEARING_REQUESTED:
        return
    services.violation_schedule_hearing(
        case=case,
        actor=manager,
        scheduled_for=now + dt.timedelta(days=7),
        location="Amenity room",
    )
    if status == Status.HEARING_SCHEDULED:
        return
    services.violation_record_hearing_outcome(
        case=case,
        actor=manager,
        outcome="withdrawn",
        consent_file=ContentFile(
            b"%PDF-1.4\n% The owner withdraws the request for a hearing.\n",
            name="withdrawal.pdf",
        ),
    )


def _shared_photo(case: Violation, *, taken_by: User, manager: User) -> None:
    """A staff photo of what the notice is about, shared with the parties: what the demo
    resident sees under Evidence on their case page (docs/residents.md)."""
    image = Image.new("RGB", (800, 600), (96, 112, 128))
    ImageDraw.Draw(image).rectangle((220, 260, 580, 470), fill=(180, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    [photo] = evidence_add(
        case=case,
        files=[SimpleUploadedFile("visitor-stall.jpg", buffer.getvalue(), "image/jpeg")],
        actor=taken_by,
        description="The car in the visitor stall on the sixth day.",
    )
    evidence_share_set(evidence=photo, actor=manager, shared=True)


def _serve_today(
    case: Violation, *, manager: User, caretaker: User | None, at_the_door: bool
) -> None:
    """Serve the notice on every party today. An email counts only once the mail server
    accepts it, after this transaction: the demo hands those parties a copy too (or, with
    ``at_the_door``, puts one under their door). Paper goes by its method, or with
    ``at_the_door`` under the door of whoever may be served at their strata lot (SPA
    s.61(1)(b)(iii)), left there by the caretaker."""
    today = strata_today(case.strata)
    queued = LetterDelivery.objects.filter(
        letter__case=case, letter__kind=LetterKind.NOTICE, status=LetterDelivery.Status.QUEUED
    )
    for service in queued:
        door = at_the_door and _has_a_door(service.person)
        services.violation_reserve(
            case=case,
            actor=manager,
            party=service.party,
            method=DeliveryMethod.UNDER_DOOR if door else DeliveryMethod.HAND_PERSON,
        )
    for service in LetterDelivery.objects.filter(
        letter__case=case, status=LetterDelivery.Status.PENDING
    ):
        door = at_the_door and _has_a_door(service.person)
        services.violation_record_service(
            service=service,
            actor=manager,
            method=DeliveryMethod.UNDER_DOOR if door else service.method,
            on_date=today,
            delivered_by=caretaker.full_name if door and caretaker is not None else "",
        )


def _has_a_door(person: Person) -> bool:
    """Whether the Act lets a letter be left at ``person``'s strata lot: they gave no address
    for notices and live in a unit on the register (SPA s.61(1)(b))."""
    return not person.postal_address.strip() and serving.home_unit(person) is not None


def _respondent(case: Violation) -> dict:
    tenant = current_occupancies().filter(unit=case.unit, role=Occupancy.Role.TENANT).first()
    if tenant is not None:
        return {"respondent_role": "tenant", "respondent": tenant.person}
    return {"respondent_role": "owners"}


def _decide(case: Violation, status: str, *, manager: User, council: User) -> None:
    upheld = status == Status.DECIDED_UPHELD
    bylaw = case.bylaws.get()
    services.violation_record_decision(
        case=case,
        actor=manager,
        meeting_on=strata_today(case.strata),
        members_present=[council],
        motion="That the complaint be upheld." if upheld else "That the complaint be dismissed.",
        votes_for=1,
        votes_against=0,
        outcome="upheld_fine" if upheld else "dismissed",
        reasons="Council considered the complaint and the response.",
        fine_amount=Decimal("200.00") if upheld else None,
        fine_bylaw=bylaw if upheld else None,
    )
    if upheld:
        ledger.payment_record(
            charge=case.charges.get(),
            actor=manager,
            amount=Decimal("75.00"),
            paid_on=strata_today(case.strata),
            method="eft",
            reference="Demo transfer 1001",
        )
    if status == Status.CLOSED:
        services.violation_close(case=case, actor=manager)


def demo_resident(strata: Strata) -> tuple[Violation, Person] | None:
    """The respondent of the demo case whose notice was sent: the resident to try the resident
    pages as (docs/residents.md). None when the demo has no such case."""
    case = Violation.objects.filter(strata=strata, status=Status.NOTICE_SENT).first()
    party = case and case.parties.filter(role="respondent", required=True).first()
    return (case, party.person) if party else None


def demo_case_link(case: Violation, person: Person) -> str:
    """A fresh personal case link for ``person``, as the case's notice carries one."""
    return case_link_url(case_link_make(case, person))
