"""Tracking events (opens, clicks, bounces, complaints, unsubscribes) in the staff admin.

Read-only: providers' webhooks write them. Scoped through their email's strata like the outbox.
"""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_base import strata_time_column
from accounts.permissions import Right
from communications.admin.base import EmailStrataFilter, ReadOnlyAdmin
from communications.models import TrackingEvent
from communications.selectors import tracking_events_visible_to


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    strata_path = "email__strata"
    view_right = Right.MANAGE_OUTBOX
    edit_right = Right.MANAGE_OUTBOX
    selector = staticmethod(tracking_events_visible_to)
    list_display = ("occurred", "kind", "recipient", "email_subject", "strata_name", "url")
    list_select_related = ("email", "email__strata")
    list_defer = ("email__body_text", "email__body_html", "email__headers")
    list_filter = ("kind", EmailStrataFilter)
    search_fields = ("email__to_address", "url", "=provider_event_id")
    fields = ("email", "kind", "occurred_at", "url", "provider_event_id", "created_at")
    readonly_fields = fields

    occurred = strata_time_column("occurred_at", gettext_lazy("occurred at"), "email__strata")

    @admin.display(description=gettext_lazy("to"), ordering="email__to_address")
    def recipient(self, event):
        return event.email.to_address

    @admin.display(description=gettext_lazy("subject"), ordering="email__subject")
    def email_subject(self, event):
        return event.email.subject

    @admin.display(description=gettext_lazy("strata"), ordering="email__strata__name")
    def strata_name(self, event):
        return event.email.strata.name if event.email.strata_id else _("system")
