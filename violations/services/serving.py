"""Serving a letter on people (SPA s.61): an email through the outbox or a pending paper
service in the print queue, and the response deadline the case stores once everyone required
is served. What has been served, and where a letter goes, are read in
``violations.selectors.serving``.
"""

from communications.models import EmailKind, OutboundEmail
from communications.services import queue_email
from properties.models import Person
from violations.domain.workflow import SERVED_STATUSES
from violations.models import DeliveryMethod, DeliveryStatus, Letter, LetterDelivery, Violation
from violations.selectors import letters
from violations.selectors.serving import deadline_for, mailing_address, method_for
from violations.services.case_links import case_link_carried, case_link_email_block


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
) -> LetterDelivery:
    """One service of ``letter`` on ``person``: an email queued through the outbox (served
    only when the mail server accepts it), or a pending paper service at the person's own
    address. A re-serve by email is a new ``version`` of the key (DESIGN §7), never a silent
    no-op. An email to a party carries a new personal case link (``case_links``); on paper,
    the print queue prints one with the letter."""
    case = letter.case
    service = LetterDelivery(
        letter=letter, party=party, person=person, method=method, recorded_by=actor
    )
    if method == DeliveryMethod.EMAIL:
        service.address = person.email_for_notices
        body_text, body_html = letters.html_to_text(letter.html), letter.html
        linked = case_link_carried(letter, to_party=party is not None)
        if linked:
            # After the letter, never in it: the letter as served stays what was issued.
            link_text, link_html = case_link_email_block(letter, person)
            body_text = f"{body_text.rstrip()}\n\n{link_text.strip()}\n"
            body_html = f"{body_html}\n{link_html}"
        service.outbound_email = queue_email(
            kind=kind,
            to=person.email_for_notices,
            strata=case.strata,
            person=person,
            subject=letters.subject(letter),
            body_text=body_text,
            body_html=body_html,
            dedup_key=f"violation:{case.uuid}:{key}:{person.uuid}:v{version}",
            about=case.uuid,
            # A sign-in secret: staff never see the body, and it is blanked once sent.
            sensitive=linked,
        )
        if service.outbound_email.status == OutboundEmail.Status.SUPPRESSED:
            # Only non-legal letters (an acknowledgement) can be suppressed: paper, at once.
            service.method = DeliveryMethod.MAIL
            service.address = mailing_address(person)
        else:
            # Not given yet: violation_services_check marks it sent when the outbox row is.
            service.status = DeliveryStatus.QUEUED
    else:
        service.address = mailing_address(person)
    service.save()
    return service
