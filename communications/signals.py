"""What the outbox tells the apps above it.

One signal, because the layering leaves no other way: the outbox learns that a legal notice
bounced, and only the enforcement app knows which service of which letter that email was
(``communications`` may not import ``violations``). Everything else the outbox does is
called, not signalled.
"""

from django.dispatch import Signal

# Sent with ``email`` (an ``OutboundEmail`` of a legal kind) inside the transaction that first
# records its bounce, once per email: the notice was not given by email, so the receiver
# (``violations.services.bounced_notices``) turns its service into paper service. A receiver
# that raises rolls the bounce back, and the provider sends it again.
legal_email_bounced = Signal()
