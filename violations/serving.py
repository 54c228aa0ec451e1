"""Serving letters on people, and the response deadline that service sets (SPA s.61).

Each recipient gets a ``Service``: an email through the outbox to the address they gave for
notices, served once the mail server accepts it (``violation_services_check`` reads the outbox)
and deemed given 4 days after that; or a pending paper service in the print queue, to the
recipient's own address, deemed given when its delivery is recorded. The deadline follows the
latest.
"""

import datetime as dt

from accounts.strata_time import strata_today
from communications.models import EmailKind, OutboundEmail
from communications.services import queue_email
from properties.models import Occupancy, Person, Unit
from properties.selectors import current_occupancies
from violations import letters, rule_pack
from violations.models import (
    CaseParty,
    Letter,
    LetterKind,
    Service,
    ServiceMethod,
    ServiceStatus,
    Violation,
)
from violations.workflow import SERVED_STATUSES


def stated_deadline(case: Violation) -> dt.datetime:
    """The deadline a notice issued today states: deemed given 4 days after mailing or
    emailing today, plus the response window."""
    deemed = rule_pack.deemed_given_on(ServiceMethod.MAIL, strata_today(case.strata))
    return rule_pack.response_deadline(case.strata, deemed)


def deadline_recompute(case: Violation) -> None:
    """The response deadline once every required party is served: the later of what the
    notice stated and the end of the window after the latest deemed date (SPA s.61). Fixed
    once the case is past answering (decided, closed): later paper service changes nothing."""
    if case.status not in SERVED_STATUSES:
        return
    deadline = deadline_for(case)
    if deadline != case.response_deadline:
        case.response_deadline = deadline
        case.save(update_fields=["response_deadline", "updated_at"])


def deadline_for(case: Violation) -> dt.datetime | None:
    """The deadline the case's service sets now, whatever its status (``deadline_recompute``
    stores it while the case is being answered): None while a required party is unserved."""
    deemed = [s.deemed_given_on for s in current_services(case) if s.deemed_given_on is not None]
    if unserved_parties(case) or not deemed:
        return None
    deadline = rule_pack.response_deadline(case.strata, max(deemed))
    stated = case.limits.get("stated_deadline")
    if stated:
        deadline = max(deadline, dt.datetime.fromisoformat(stated))
    return deadline


def current_services(case: Violation) -> list[Service]:
    """Each required party's latest service of the issued notice."""
    notice = case.letters.filter(kind=LetterKind.NOTICE, issued_at__isnull=False).last()
    if notice is None:
        return []
    latest: dict[int, Service] = {}
    for service in notice.services.filter(party__required=True).order_by("created_at", "id"):
        latest[service.party_id] = service
    return list(latest.values())


def unserved_parties(case: Violation) -> list[CaseParty]:
    served = {s.party_id for s in current_services(case) if s.status == ServiceStatus.SENT}
    return [
        party
        for party in case.parties.filter(required=True).select_related("person")
        if party.pk not in served
    ]


def served_parties(case: Violation) -> list[CaseParty]:
    served = {s.party_id for s in current_services(case) if s.status == ServiceStatus.SENT}
    return [p for p in case.parties.select_related("person") if p.pk in served]


def method_for(person: Person) -> str:
    """How a letter is first served on ``person``: by email to the address they gave for
    notices, else by mail from the print queue."""
    return ServiceMethod.EMAIL if person.email_for_notices else ServiceMethod.MAIL


def letter_serve(
    letter: Letter, recipients: list[tuple], actor, *, key: str, kind=EmailKind.NOTICE
):
    for person, party in recipients:
        method = method_for(person)
        letter_serve_one(letter, person, party, actor, key=key, method=method, kind=kind)


def letter_serve_one(
    letter: Letter,
    person: Person,
    party,
    actor,
    *,
    key: str,
    method: str,
    kind=EmailKind.NOTICE,
    version: int = 1,
) -> Service:
    """One service of ``letter`` on ``person``: an email queued through the outbox (served
    only when the mail server accepts it), or a pending paper service at the person's own
    address. A re-serve by email is a new ``version`` of the key (DESIGN §7), never a silent
    no-op."""
    case = letter.case
    service = Service(letter=letter, party=party, person=person, method=method, recorded_by=actor)
    if method == ServiceMethod.EMAIL:
        service.address = person.email_for_notices
        service.outbound_email = queue_email(
            kind=kind,
            to=person.email_for_notices,
            strata=case.strata,
            person=person,
            subject=letters.subject(letter),
            body_text=letters.html_to_text(letter.html),
            body_html=letter.html,
            dedup_key=f"violation:{case.uuid}:{key}:{person.uuid}:v{version}",
            about=case.uuid,
        )
        if service.outbound_email.status == OutboundEmail.Status.SUPPRESSED:
            # Only non-legal letters (an acknowledgement) can be suppressed: paper, at once.
            service.method = ServiceMethod.MAIL
            service.address = mailing_address(person)
        else:
            # Not given yet: violation_services_check marks it sent when the outbox row is.
            service.status = ServiceStatus.QUEUED
    else:
        service.address = mailing_address(person)
    service.save()
    return service


# Where someone lives, by the register: a tenant or occupant does; an owner may (the register
# says nothing more); an agent does not.
HOME_ROLES = (Occupancy.Role.TENANT, Occupancy.Role.OCCUPANT, Occupancy.Role.OWNER)


def home_unit(person: Person) -> Unit | None:
    """The unit ``person`` occupies now (a tenancy or occupancy before an ownership, the
    latest first), or None."""
    occupancies = (
        current_occupancies()
        .filter(person=person, role__in=HOME_ROLES, unit__archived_at__isnull=True)
        .select_related("unit__strata")
    )
    ranked = sorted(
        occupancies, key=lambda o: (HOME_ROLES.index(o.role), -o.starts_on.toordinal(), o.pk)
    )
    return ranked[0].unit if ranked else None


def unit_address(unit: Unit) -> str:
    return f"{unit}, {unit.strata.address}"


def mailing_address(person: Person) -> str:
    """Where a letter to ``person`` is mailed (SPA s.61(1)): the postal address they gave, else
    the unit they occupy. Empty when they have neither — "address needed": never the unit of
    the case the letter is about, which may be someone else's door."""
    if person.postal_address.strip():
        return person.postal_address
    home = home_unit(person)
    return unit_address(home) if home is not None else ""
