"""The outbox in the staff admin: every email as it went (or did not go) out, its delivery
attempts and tracking events, and retrying the ones that failed (DESIGN §7, §9).

Read-only: the outbox is written by ``queue_email`` and the send task. Managers see their
stratas' mail (``Right.MANAGE_OUTBOX``); mail of no strata (password resets) only superusers.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin_base import strata_time_column
from accounts.permissions import Right, can, is_superuser
from communications.admin.base import ReadOnlyAdmin, StrataFilter
from communications.admin.rendering import header_table, html_frame, text_block
from communications.mail_links import hide_unsubscribe_tokens
from communications.models import DeliveryAttempt, EmailStatus, OutboundEmail, TrackingEvent
from communications.selectors import outbound_emails_visible_to
from communications.services import email_retry

RETRYABLE = (EmailStatus.FAILED, EmailStatus.UNKNOWN)


def may_read_email(user, email) -> bool:
    if email is None:
        return can(user, Right.MANAGE_OUTBOX)
    if email.strata_id is None:
        return is_superuser(user)
    return can(user, Right.MANAGE_OUTBOX, email.strata_id)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return may_read_email(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryAttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ("number", "started_at", "finished_at", "outcome", "smtp_code", "error", "worker")
    readonly_fields = fields
    ordering = ("started_at",)  # a retry by staff starts the numbering again


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ("occurred_at", "kind", "url", "provider_event_id")
    readonly_fields = fields


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    view_right = Right.MANAGE_OUTBOX
    edit_right = Right.MANAGE_OUTBOX
    selector = staticmethod(outbound_emails_visible_to)
    list_display = (
        "queued",
        "kind",
        "status_column",
        "recipient",
        "subject",
        "strata_name",
        "attempts",
    )
    list_select_related = ("strata",)
    list_defer = ("body_text", "body_html", "headers")  # the list shows no bodies
    list_filter = ("status", "kind", StrataFilter)
    search_fields = ("to_address", "subject", "^dedup_key")
    actions = ("retry_selected",)
    inlines = (DeliveryAttemptInline, TrackingEventInline)
    fieldsets = (
        (gettext_lazy("Message"), {"fields": ("message_headers", "message_text", "message_html")}),
        (
            gettext_lazy("Delivery"),
            {
                "fields": (
                    "status",
                    "kind",
                    "strata",
                    "person",
                    "attempts",
                    "last_error",
                    "queued_at",
                    "next_attempt_at",
                    "lease_until",
                    "attempt_started_at",
                    "sent_at",
                    "provider_message_id",
                )
            },
        ),
        (
            gettext_lazy("Keys and references"),
            {
                "classes": ("collapse",),
                "fields": (
                    "dedup_key",
                    "content_hash",
                    "duplicate_of",
                    "template_name",
                    "template_version",
                    "about",
                    "body_purged_at",
                ),
            },
        ),
    )
    readonly_fields = tuple(name for _title, box in fieldsets for name in box["fields"])

    def has_retry_permission(self, request):
        return can(request.user, Right.MANAGE_OUTBOX)

    # --- the list ---------------------------------------------------------------------------
    queued = strata_time_column("queued_at", gettext_lazy("queued at"))

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_column(self, email):
        return email.get_status_display()

    @admin.display(description=gettext_lazy("to"), ordering="to_address")
    def recipient(self, email):
        return email.to_address

    @admin.display(description=gettext_lazy("strata"), ordering="strata__name")
    def strata_name(self, email):
        return email.strata.name if email.strata_id else _("system")

    # --- the message ------------------------------------------------------------------------
    def _purged(self, email):
        if email.sensitive:
            return text_block(
                _(
                    "This email carries a sign-in link: its body is never shown, and is blanked "
                    "once sent."
                )
            )
        if email.body_purged_at is None:
            return None
        return text_block(
            _("Body purged on %(date)s (retention); the metadata is kept.")
            % {"date": email.body_purged_at.date()}
        )

    # The unsubscribe link's token is hidden (mail_links.hide_unsubscribe_tokens): it would
    # let staff unsubscribe the recipient.
    @admin.display(description=gettext_lazy("headers"))
    def message_headers(self, email):
        headers = {name: hide_unsubscribe_tokens(value) for name, value in email.headers.items()}
        return header_table(email, headers=headers)

    @admin.display(description=gettext_lazy("text"))
    def message_text(self, email):
        return self._purged(email) or text_block(hide_unsubscribe_tokens(email.body_text))

    @admin.display(description=gettext_lazy("HTML"))
    def message_html(self, email):
        return self._purged(email) or html_frame(
            hide_unsubscribe_tokens(email.body_html), title=email.subject
        )

    # --- retrying ---------------------------------------------------------------------------
    @admin.action(
        description=gettext_lazy("Retry this email"),
        description_plural=gettext_lazy("Retry the selected failed or unknown emails"),
        permissions=["retry"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def retry_selected(self, request, queryset):
        selected = list(queryset.only("pk", "status", "strata"))
        retryable = [email for email in selected if email.status in RETRYABLE]
        skipped = len(selected) - len(retryable)
        if retryable:
            retried = self.run_service(request, email_retry, emails=retryable)
            if retried is None:
                return
            self.message_user(
                request,
                ngettext("Queued %(n)d email again.", "Queued %(n)d emails again.", retried)
                % {"n": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d selected email was left alone: only failed or unknown emails are "
                    "retried.",
                    "%(n)d selected emails were left alone: only failed or unknown emails are "
                    "retried.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )
