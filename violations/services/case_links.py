"""Personal case links (DESIGN §8): the secret on every notice, hearing notice, decision and
fine notice to a party, by email as a link and on paper as a short address and a QR code.
Bound to one person and one case, reusable until it expires (``CASE_LINK_DAYS``) or the case
closes; opening one changes nothing until the person confirms (mail scanners follow links).
"""

import uuid
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_log_record
from accounts.login_tokens import case_link_mint, secret_hash, token_check
from accounts.models import LoginToken, User
from accounts.request_meta import AuditContext
from communications.services import queue_email
from properties.models import Person
from properties.resident_access import resident_user_for
from violations.domain.pdf import html_to_pdf
from violations.models import CaseParty, Letter, LetterDelivery, LetterKind, Violation
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
    # Which link (its row's uuid, never the secret): a printed link's use traces to its print.
    link: str = ""


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
    return OpenedLink(case=case, party=party, link=str(check.token.uuid))


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
            changes={"person": str(opened.party.person.uuid), "link": opened.link},
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


# --- the link on a letter -------------------------------------------------------------------

# The letters of a case's course; never a warning or the complainant's acknowledgement.
LINKED_KINDS = frozenset(
    {LetterKind.NOTICE, LetterKind.HEARING_NOTICE, LetterKind.DECISION, LetterKind.FINE_NOTICE}
)


def case_link_carried(letter: Letter, *, to_party: bool) -> bool:
    """Whether ``letter`` carries a personal link: only when served on a party of the case
    (never a copy to someone else), and not once the case is over."""
    return to_party and letter.kind in LINKED_KINDS and not is_closed(letter.case)


def _link_context(letter: Letter, person: Person, raw: str) -> dict:
    return {
        "name": person.full_name,
        "reference": letter.case.reference,
        "url": case_link_url(raw),
        "site_url": settings.SITE_URL,
        "secret": raw,
        "days": settings.CASE_LINK_DAYS,
        # Only the notice invites an answer and a hearing request (SPA s.135(1)).
        "can_answer": letter.kind == LetterKind.NOTICE,
    }


def case_link_email_block(letter: Letter, person: Person) -> tuple[str, str]:
    """A new link for ``person`` on the letter's case, as the text and the HTML appended to
    the email that serves the letter. Rendered from shipped templates only: no wording a
    strata can override ever sees the secret, and the letter itself does not change."""
    context = _link_context(letter, person, case_link_make(letter.case, person))
    return (
        render_to_string("violations/case_link_block.txt", context),
        render_to_string("violations/case_link_block.html", context),
    )


def case_link_sheet(
    *, service: LetterDelivery, actor: User, context: AuditContext | None = None
) -> bytes | None:
    """The page printed with a letter served on paper: a new link for the person, as a short
    address, the secret to type and a QR code; None when the letter carries no link. Each
    print makes a new link (earlier ones work until they expire), and is audited: it puts a
    way into the case on paper."""
    letter, person = service.letter, service.person
    if not case_link_carried(letter, to_party=service.party_id is not None):
        return None
    with transaction.atomic():
        raw = case_link_make(letter.case, person)
        audit_log_record(
            actor=actor,
            action="resident.case_link_printed",
            strata=letter.case.strata,
            target=letter.case,
            changes={
                "person": str(person.uuid),
                "letter": str(letter.uuid),
                "link": str(LoginToken.objects.get(token_hash=secret_hash(raw)).uuid),
            },
            context=context,
        )
    page = _link_context(letter, person, raw)
    # Inline SVG (the PDF renderer fetches nothing, not even a data: URI): segno's own
    # markup, drawn from our address, so no outside text reaches the page unescaped.
    qr = segno.make(page["url"], error="m").svg_inline(scale=5, border=4)
    page["qr"] = mark_safe(qr)  # noqa: S308
    return html_to_pdf(render_to_string("violations/case_link_page.html", page))
