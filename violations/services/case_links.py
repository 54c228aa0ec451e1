"""Personal case links (DESIGN §8): the secret on every notice, hearing notice, decision and
fine notice to a party, by email as a link and on paper as a short address and a QR code.
Bound to one person and one case, reusable until it expires (``CASE_LINK_DAYS``) or the case
closes; opening one changes nothing until the person confirms (mail scanners follow links).
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_log_record
from accounts.login_tokens import case_link_mint, token_check
from accounts.models import LoginToken, User
from accounts.request_meta import AuditContext
from communications.services import queue_email
from properties.models import Person
from properties.resident_access import resident_user_for
from violations.models import CaseParty, Violation
from violations.selectors.resident import case_link_case, is_closed


def case_link_url(raw: str) -> str:
    return f"{settings.SITE_URL}/r/{raw}/"


def case_link_make(case: Violation, person: Person) -> str:
    """A new link's secret for ``person`` on ``case`` (the caller places it; it is never
    stored)."""
    return case_link_mint(strata=case.strata, person_uuid=person.uuid, case_uuid=case.uuid)


@dataclass(frozen=True)
class OpenedLink:
    """What a link opens: ``case`` and ``party`` when it may be used, else ``problem``
    (``unknown``, ``expired``, ``revoked``, ``closed``) and, for an expired link of a case
    still open, the ``party`` a fresh link may be sent to."""

    case: Violation | None = None
    party: CaseParty | None = None
    problem: str = ""


def case_link_read(raw: str) -> OpenedLink:
    """Read-only: what ``raw`` would open. Nothing is written (a scanner's GET)."""
    check = token_check(raw, LoginToken.Purpose.CASE_LINK)
    if check.token is None:
        return OpenedLink(problem="unknown")
    case, party = case_link_case(check.token.target, check.token.subject)
    if case is None or party is None:
        return OpenedLink(problem="unknown")
    if is_closed(case):
        return OpenedLink(case=case, problem="closed")
    if check.problem:
        return OpenedLink(case=case, party=party, problem=check.problem)
    return OpenedLink(case=case, party=party)


def case_link_confirm(raw: str, *, context: AuditContext | None = None) -> OpenedLink | User:
    """The person confirms: their resident login (made on first use), audited. Returns the
    refusal as an ``OpenedLink`` when the link may not be used."""
    opened = case_link_read(raw)
    if opened.problem:
        return opened
    with transaction.atomic():
        user = resident_user_for(person=opened.party.person, context=context)
        audit_log_record(
            actor=user,
            action="resident.case_link_used",
            strata=opened.case.strata,
            target=opened.case,
            changes={"person": str(opened.party.person.uuid)},
            context=context,
        )
    return user


def case_link_fresh_send(raw: str, *, context: AuditContext | None = None) -> None:
    """ "Send me a fresh link" from an expired one: a new link by email to the person's own
    address (for notices, else their email), never to an address the visitor types. Nothing
    for a closed case, an unknown link or a person with no address; the visitor is told the
    same either way."""
    opened = case_link_read(raw)
    if opened.problem != "expired" or opened.party is None:
        return
    person = opened.party.person
    address = person.email_for_notices or person.email
    if not address:
        return
    with transaction.atomic():
        fresh = case_link_make(opened.case, person)
        queue_email(
            kind="login",
            to=address,
            strata=opened.case.strata,
            person=person,
            template="violations.fresh_case_link",
            context={
                "recipient_name": person.full_name,
                "reference": opened.case.reference,
                "case_url": case_link_url(fresh),
                "days": str(settings.CASE_LINK_DAYS),
            },
            dedup_key=f"case-link:{opened.case.uuid}:{person.uuid}:{uuid.uuid4()}",
            sensitive=True,
        )
        audit_log_record(
            actor=None,
            action="resident.case_link_renewed",
            strata=opened.case.strata,
            target=opened.case,
            changes={"person": str(person.uuid)},
            context=context,
        )


REFUSALS = {
    "unknown": _(
        "This link is not valid. Check that it was copied whole, or ask for a sign-in link."
    ),
    "expired": _("This link has expired. We can email you a fresh one."),
    "revoked": _("This link no longer works. Ask for a sign-in link by email."),
    "closed": _("This case is closed, so its link no longer opens it. Sign in to see your cases."),
}
