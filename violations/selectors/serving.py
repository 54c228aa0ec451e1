"""Who has been served a case's notice, where a letter to a person goes, and the response
deadline that service sets (SPA s.61). The writes are in ``violations.services.serving``.

Each recipient gets a ``LetterDelivery``: an email through the outbox to the address they gave for
notices, served once the mail server accepts it (``violation_services_check`` reads the outbox)
and deemed given 4 days after that; or a pending paper service in the print queue, to the
recipient's own address, deemed given when its delivery is recorded. The deadline follows the
latest.
"""

import datetime as dt

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.strata_time import strata_today
from properties.models import Occupancy, Person, Unit
from properties.selectors import current_occupancies
from violations.domain import rule_pack
from violations.models import (
    CaseParty,
    DeliveryMethod,
    DeliveryStatus,
    Letter,
    LetterDelivery,
    LetterKind,
    Violation,
)


def stated_deadline(case: Violation) -> dt.datetime:
    """The deadline a notice issued today states: deemed given 4 days after mailing or
    emailing today, plus the response window."""
    deemed = rule_pack.deemed_given_on(DeliveryMethod.MAIL, strata_today(case.strata))
    return rule_pack.response_deadline(case.strata, deemed)


def deadline_for(case: Violation) -> dt.datetime | None:
    """The deadline the case's service sets now, whatever its status (``deadline_recompute``
    stores it while the case is being answered): None while a required party is unserved."""
    services = current_deliveries(case)
    deemed = [s.deemed_given_on for s in services if s.deemed_given_on is not None]
    if _unserved(case, services) or not deemed:
        return None
    deadline = rule_pack.response_deadline(case.strata, max(deemed))
    if case.stated_deadline is not None:
        deadline = max(deadline, case.stated_deadline)
    return deadline


def current_deliveries(case: Violation) -> list[LetterDelivery]:
    """Each required party's latest service of the issued notice."""
    notice = case.letters.filter(kind=LetterKind.NOTICE, issued_at__isnull=False).last()
    if notice is None:
        return []
    latest: dict[int, LetterDelivery] = {}
    for service in notice.deliveries.filter(party__required=True).order_by("created_at", "id"):
        latest[service.party_id] = service
    return list(latest.values())


def _served_ids(services: list[LetterDelivery]) -> set[int]:
    return {s.party_id for s in services if s.status == DeliveryStatus.SENT}


def _unserved(case: Violation, services: list[LetterDelivery]) -> list[CaseParty]:
    served = _served_ids(services)
    parties = case.parties.filter(required=True).select_related("person")
    return [party for party in parties if party.pk not in served]


def unserved_parties(case: Violation) -> list[CaseParty]:
    """The required parties not yet served the issued notice."""
    return _unserved(case, current_deliveries(case))


def served_parties(case: Violation) -> list[CaseParty]:
    """The parties served the issued notice."""
    served = _served_ids(current_deliveries(case))
    return [p for p in case.parties.select_related("person") if p.pk in served]


def method_for(person: Person) -> str:
    """How a letter is first served on ``person``: by email to the address they gave for
    notices, else by mail from the print queue."""
    return DeliveryMethod.EMAIL if person.email_for_notices else DeliveryMethod.MAIL


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


# --- the same, as SQL: for lists of cases -----------------------------------------------------


def _latest_notice_status() -> Subquery:
    """On CaseParty: the status of the party's latest service of its case's latest issued
    notice (the service ``current_deliveries`` reads)."""
    notice = (
        Letter.objects.filter(
            case=OuterRef(OuterRef("case_id")), kind=LetterKind.NOTICE, issued_at__isnull=False
        )
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    return Subquery(
        LetterDelivery.objects.filter(party=OuterRef("pk"), letter=Subquery(notice))
        .order_by("-created_at", "-id")
        .values("status")[:1]
    )


def _served_required_parties() -> QuerySet[CaseParty]:
    """On Violation: its required parties, each with ``notice_status``."""
    return CaseParty.objects.filter(case=OuterRef("pk"), required=True).annotate(
        notice_status=Coalesce(_latest_notice_status(), Value(""))
    )


def unserved_parties_q() -> Exists:
    """On Violation: ``unserved_parties`` is not empty (no issued notice leaves every required
    party unserved)."""
    return Exists(_served_required_parties().exclude(notice_status=DeliveryStatus.SENT))


def _count(queryset) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("case").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_service_counts(queryset: QuerySet[Violation]) -> QuerySet[Violation]:
    """``parties_required`` and ``parties_served``: the case's required parties, and those
    ``served_parties`` counts among them."""
    required = _served_required_parties()
    served = required.filter(notice_status=DeliveryStatus.SENT)
    return queryset.annotate(parties_required=_count(required), parties_served=_count(served))
