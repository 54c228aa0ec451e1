"""The announcement admin: a strata's managers and council post, change and end announcements;
a manager sends one as a campaign (a draft, previewed and sent from the campaign's page)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin_base import StrataScopedAdmin, strata_filter, strata_time_column
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from campaigns.models import Announcement
from campaigns.services import (
    announcement_end,
    announcement_save,
    announcement_send_as_campaign,
)


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ("strata", "title", "body_markdown", "priority", "starts_at", "ends_at")
        help_texts = {
            "body_markdown": gettext_lazy(
                "Markdown: **bold**, *italics*, lists and links. HTML is not kept."
            ),
            "ends_at": gettext_lazy("Leave empty to show it until you end it."),
        }

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("An announcement ends after it starts."))
        return cleaned


class ShowingFilter(admin.SimpleListFilter):
    title = gettext_lazy("shown")
    parameter_name = "shown"

    def lookups(self, request, model_admin):
        return [
            ("now", gettext_lazy("now")),
            ("later", gettext_lazy("later")),
            ("ended", gettext_lazy("ended")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "now":
            return queryset.filter(starts_at__lte=now).exclude(ends_at__lte=now)
        if self.value() == "later":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


@admin.register(Announcement)
class AnnouncementAdmin(StrataScopedAdmin):
    view_right = Right.POST_ANNOUNCEMENTS
    edit_right = Right.POST_ANNOUNCEMENTS
    form = AnnouncementForm
    list_display = ("title", "strata_name", "priority", "shown_from", "shown_until", "showing")
    list_select_related = ("strata",)
    list_filter = (
        ShowingFilter,
        "priority",
        strata_filter(Right.POST_ANNOUNCEMENTS, "strata", gettext_lazy("strata")),
    )
    search_fields = ("title", "body_markdown")
    autocomplete_fields = ("strata",)
    readonly_fields = ("preview", "sent_as", "created_by")
    actions = ("send_as_campaign", "end_now")

    shown_from = strata_time_column("starts_at", gettext_lazy("shown from"))
    shown_until = strata_time_column("ends_at", gettext_lazy("shown until"))

    def get_fields(self, request, obj=None):
        fields = ["strata", "title", "body_markdown", "priority", "starts_at", "ends_at"]
        return fields if obj is None else [*fields, "preview", "sent_as", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        # An announcement stays in its strata.
        return self.readonly_fields if obj is None else ("strata", *self.readonly_fields)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("starts_at", timezone.now().replace(second=0, microsecond=0))
        return initial

    @admin.display(description=gettext_lazy("strata"), ordering="strata__name")
    def strata_name(self, announcement):
        return announcement.strata.name

    @admin.display(description=gettext_lazy("now showing"), boolean=True)
    def showing(self, announcement):
        now = timezone.now()
        ends_at = announcement.ends_at
        return announcement.starts_at <= now and (ends_at is None or ends_at > now)

    @admin.display(description=gettext_lazy("as residents see it"))
    def preview(self, announcement):
        # body_html is nh3's output (campaigns.rendering): safe to show as it is.
        return mark_safe(announcement.body_html)  # noqa: S308

    @admin.display(description=gettext_lazy("sent as campaign"))
    def sent_as(self, announcement):
        campaign = announcement.campaign
        if campaign is None:
            return "—"
        url = reverse(
            "admin:campaigns_campaign_change", args=[campaign.pk], current_app=self.admin_site.name
        )
        return format_html('<a href="{}">{}</a> ({})', url, campaign, campaign.get_status_display())

    def save_record(self, request, record, changed_fields, before):
        announcement_save(
            actor=request.user,
            strata=record.strata,
            title=record.title,
            body_markdown=record.body_markdown,
            priority=record.priority,
            starts_at=record.starts_at,
            ends_at=record.ends_at,
            announcement=record,
            context=AuditContext.from_request(request),
        )

    # --- actions --------------------------------------------------------------------------
    def has_send_campaign_permission(self, request):
        return can(request.user, Right.SEND_CAMPAIGNS)

    @admin.action(
        description=gettext_lazy("Send as a campaign"),
        description_plural=gettext_lazy("Send the selected announcements as campaigns"),
        permissions=["send_campaign"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def send_as_campaign(self, request, queryset):
        """A draft campaign each, to every resident of its strata; one selected opens it."""
        made = []
        for announcement in queryset.select_related("strata"):
            campaign = self.run_service(
                request, announcement_send_as_campaign, announcement=announcement
            )
            if campaign is not None:
                made.append(campaign)
        if len(made) == 1:
            self.message_user(
                request,
                _("The draft campaign “%(title)s” is ready: check it, preview it and send it.")
                % {"title": made[0]},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(
                    "admin:campaigns_campaign_change",
                    args=[made[0].pk],
                    current_app=self.admin_site.name,
                )
            )
        if made:
            self.message_user(
                request,
                ngettext(
                    "%(n)d draft campaign is ready to check and send.",
                    "%(n)d draft campaigns are ready to check and send.",
                    len(made),
                )
                % {"n": len(made)},
                messages.SUCCESS,
            )
        return None

    @admin.action(
        description=gettext_lazy("End it now"),
        description_plural=gettext_lazy("End the selected announcements now"),
        permissions=["change"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def end_now(self, request, queryset):
        ended = 0
        for announcement in queryset:
            if self.run_service(request, announcement_end, announcement=announcement):
                ended += 1
        if ended:
            self.message_user(
                request,
                ngettext(
                    "%(n)d announcement is no longer shown.",
                    "%(n)d announcements are no longer shown.",
                    ended,
                )
                % {"n": ended},
                messages.SUCCESS,
            )
