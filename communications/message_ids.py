"""Which of our emails a provider's event or a returned message is about: by the id the
provider gave the email when it accepted it (``sending`` stores it as
``provider_message_id``), or by our own Message-ID header, ``<uuid@domain>``
(``OutboundEmail.message_id``), which a bounce quotes back."""

import re
import uuid

from communications.models import OutboundEmail

# The uuid of our Message-ID, whatever the domain: the domain setting may have changed since
# the email was sent, and a uuid4 of someone else's message matches none of ours.
_OUR_MESSAGE_ID = re.compile(
    r"^<?\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@[^\s<>@]+\s*>?$",
    re.IGNORECASE,
)


def outbox_uuid(message_id: str) -> uuid.UUID | None:
    """The uuid in ``<uuid@domain>``; None for any other form (a provider's bare uuid among
    them, which is not ours)."""
    match = _OUR_MESSAGE_ID.match((message_id or "").strip())
    return uuid.UUID(match.group(1)) if match else None


def outbound_email_find(
    *, provider_message_id: str = "", message_id: str = ""
) -> OutboundEmail | None:
    """The email a provider's id names, else the one our Message-ID names, else None. An id
    several emails share names none of them (an SMTP server whose reply to DATA is a bare
    "250 OK" gives every email the same one)."""
    if provider_message_id:
        found = list(OutboundEmail.objects.filter(provider_message_id=provider_message_id)[:2])
        if len(found) == 1:
            return found[0]
    ours = outbox_uuid(message_id)
    return OutboundEmail.objects.filter(uuid=ours).first() if ours else None
