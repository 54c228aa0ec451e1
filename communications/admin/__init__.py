"""The communications app in the staff admin: the outbox, email templates, suppressions and
tracking events. Each module registers its admins on the project's admin site."""

from communications.admin import email_templates, outbox, suppressions, tracking

__all__ = ["email_templates", "outbox", "suppressions", "tracking"]
