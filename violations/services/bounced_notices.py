"""A letter whose email bounced was not given by email (SPA s.61): its service becomes paper
service as soon as the provider's webhook or the mail server's report says so
(``communications.signals.legal_email_bounced``), not at the next five-minute check
(``violation_services_check``, which still settles any bounce this one missed)."""

from communications.models import OutboundEmail
from violations.models import DeliveryMethod, DeliveryStatus, LetterDelivery
from violations.services.deliveries import _service_failed


def letter_delivery_bounced(*, email: OutboundEmail) -> int:
    """Settle each service ``email`` gave, inside the caller's transaction: marked bounced,
    so it no longer counts as served and the response deadline it set is computed again
    without it (none while the party waits for paper service); a pending paper service of
    the same letter for the same person joins the print queue; and the case gets an event and
    an audit entry saying so. A service already bounced, failed, superseded or served on paper
    is left as it is, so a second report of the bounce changes nothing. Returns how many
    services were settled."""
    services = LetterDelivery.objects.filter(
        outbound_email=email,
        method=DeliveryMethod.EMAIL,
        status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENT),
    ).order_by("pk")
    return sum(
        _service_failed(pk, DeliveryStatus.BOUNCED)
        for pk in list(services.values_list("pk", flat=True))
    )


def legal_email_bounced_received(sender, email: OutboundEmail, **kwargs) -> None:
    """The receiver of ``legal_email_bounced`` (connected in ``ViolationsConfig.ready``)."""
    letter_delivery_bounced(email=email)
