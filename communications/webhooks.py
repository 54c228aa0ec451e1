"""Provider webhooks through django-anymail: each tracking event about one of our emails is
recorded with ``tracking_event_record`` (a bounce or complaint suppresses the address; a
bounced legal notice becomes paper service).

Anymail's views (mounted under ``/email/webhooks/``) check the basic-auth secret
(``ANYMAIL["WEBHOOK_SECRET"]``), parse the provider's payload into a normalized event and
send ``anymail.signals.tracking``; ``CommunicationsConfig.ready`` connects
``tracking_received`` to it. The view answers 200 once every receiver returned, and 500 if
one raised, so the provider sends the event again later.
"""

import hashlib
import json
import logging

from anymail.signals import AnymailTrackingEvent, EventType
from django.utils import timezone

from communications.message_ids import outbound_email_find
from communications.models import TrackingEvent
from communications.services import tracking_event_record

logger = logging.getLogger(__name__)

Kind = TrackingEvent.Kind

# Anymail's normalized event types we record. "rejected" is the provider refusing to send to
# the address at all (invalid, bounced or complained before, blocked): for the address and for
# service of a notice it is a bounce.
KINDS = {
    EventType.BOUNCED: Kind.BOUNCE,
    EventType.REJECTED: Kind.BOUNCE,
    EventType.COMPLAINED: Kind.COMPLAINT,
    EventType.UNSUBSCRIBED: Kind.UNSUBSCRIBE,
    EventType.OPENED: Kind.OPEN,
    EventType.CLICKED: Kind.CLICK,
}

# The longest key ``TrackingEvent.provider_event_id`` holds.
_KEY_LENGTH = 255


def tracking_received(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """Record one provider event (the receiver of ``anymail.signals.tracking``).

    Ignored, on purpose:

    - queued, sent: the outbox records itself when the provider accepted an email;
    - delivered: an emailed notice is deemed given 4 days after it was sent (SPA s.61(3)),
      whatever the receiving server did next, so delivery changes nothing we keep;
    - deferred: the provider is still trying; its final failure arrives as "bounced";
    - failed: the provider's own failure (a template, its API) says nothing about the address,
      so it must not suppress it; logged as a warning for whoever watches the logs;
    - autoresponded, subscribed, unknown: nothing we act on.

    An event about an email that is not ours (or no longer on record) is logged and ignored:
    answering 200 stops the provider from sending it again.
    """
    kind = KINDS.get(event.event_type)
    if kind is None:
        if event.event_type == EventType.FAILED:
            logger.warning(
                "%s could not send message %s: %s",
                esp_name,
                event.message_id,
                event.description or event.mta_response or "",
            )
        return
    email = outbound_email_find(
        provider_message_id=str(event.message_id or ""), message_id=str(event.message_id or "")
    )
    if email is None:
        logger.info("%s %s event for unknown message %s ignored", esp_name, kind, event.message_id)
        return
    tracking_event_record(
        email=email,
        kind=kind,
        occurred_at=event.timestamp or timezone.now(),
        provider_event_id=event_key(esp_name, event),
        url=(event.click_url or "")[:2000] if kind == Kind.CLICK else "",
    )


def event_key(esp_name: str, event: AnymailTrackingEvent) -> str:
    """The event's idempotency key: ``<esp>:<the provider's event id>``; for a provider that
    gives none (Postmark's opens and clicks), a digest of the raw event, so a replay of the
    same payload has the same key."""
    if event.event_id:
        key = f"{esp_name}:{event.event_id}"
        if len(key) <= _KEY_LENGTH:
            return key
        material = key
    else:
        material = json.dumps(event.esp_event, sort_keys=True, default=str)
    return f"{esp_name}:sha256:{hashlib.sha256(material.encode()).hexdigest()}"
