"""The campaign admin: compose, preview, test, send, progress, report (docs/campaigns.md).

Campaigns belong to one or more stratas. A user sees a campaign when they may send campaigns
(``Right.SEND_CAMPAIGNS``: managers) in every one of its stratas (``campaigns_visible_to``);
the strata switcher narrows the list. Drafts and scheduled campaigns are composed on their
page and saved through ``campaign_save``; once sending starts a campaign is read-only, with its
progress and report. Campaign templates are plain per-strata records, saved through
``campaign_template_save``.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import dateformat
from django.utils.translation import gettext_lazy

from accounts.admin_base import LIST_TIME_FORMAT, StrataScopedAdmin, strata_filter
from accounts.middleware import SESSION_STRATA_ID
from accounts.models import Strata
from accounts.permissions import Right, can, scope_to_stratas
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_localtime
from campaigns.admin.campaign_views import CampaignPagesMixin
from campaigns.models import EDITABLE_STATUSES, Campaign, CampaignRecipient, CampaignTemplate
from campaigns.rendering import BodyError, compile_body
from campaigns.selectors import campaigns_visible_to
from campaigns.services import campaign_template_save


class CampaignStrataFilter(admin.SimpleListFilter):
    """The stratas the user sends campaigns for (one query, never another strata's name)."""

    title = gettext_lazy("strata")
    parameter_name = "strata"

    def lookups(self, request, model_admin):
        stratas = scope_to_stratas(
            Strata.objects.order_by("name"), request.user, Right.SEND_CAMPAIGNS, via="pk"
        )
        return [(str(pk), name) for pk, name in stratas.values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(stratas=int(value))
        return queryset


@admin.register(Campaign)
class CampaignAdmin(CampaignPagesMixin, StrataScopedAdmin):
    view_right = Right.SEND_CAMPAIGNS
    edit_right = Right.SEND_CAMPAIGNS
    list_display = ("title", "kind", "status", "strata_names", "recipient_count", "when")
    list_filter = ("status", "kind", CampaignStrataFilter)
    search_fields = ("title", "subject")
    ordering = ("-created_at", "-id")
    list_per_page = 100

    # --- rows ---------------------------------------------------------------------------------
    def get_queryset(self, request):
        recipients = (
            CampaignRecipient.objects.filter(campaign=OuterRef("pk"))
            .order_by()
            .values("campaign")
            .annotate(n=Count("pk"))
            .values("n")
        )
        queryset = (
            campaigns_visible_to(request.user)
            .annotate(recipients_total=Coalesce(Subquery(recipients), 0))
            .prefetch_related("stratas")
        )
        current = request.session.get(SESSION_STRATA_ID)
        return queryset.filter(stratas=current) if current else queryset

    # --- rights: drafts and scheduled campaigns are edited; nothing is deleted ----------------
    def has_module_permission(self, request):
        return can(request.user, Right.SEND_CAMPAIGNS)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Right.SEND_CAMPAIGNS)

    def has_add_permission(self, request):
        return can(request.user, Right.SEND_CAMPAIGNS)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Right.SEND_CAMPAIGNS) and (
            obj is None or obj.status in EDITABLE_STATUSES
        )

    def has_delete_permission(self, request, obj=None):
        return False

    # --- columns ------------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("stratas"))
    def strata_names(self, campaign):
        return ", ".join(sorted(strata.name for strata in campaign.stratas.all()))

    @admin.display(description=gettext_lazy("recipients"), ordering="recipients_total")
    def recipient_count(self, campaign):
        return campaign.recipients_total if campaign.status not in EDITABLE_STATUSES else "—"

    @admin.display(description=gettext_lazy("sent or due"), ordering="started_at")
    def when(self, campaign):
        moment = campaign.started_at or campaign.scheduled_for
        if moment is None:
            return self.get_empty_value_display()
        stratas = sorted(campaign.stratas.all(), key=lambda strata: strata.name)
        local = strata_localtime(moment, stratas[0] if stratas else None)
        return dateformat.format(local, LIST_TIME_FORMAT)


class CampaignTemplateForm(forms.ModelForm):
    """Placeholders are checked as a campaign's are, as errors on the form."""

    class Meta:
        model = CampaignTemplate
        fields = ("strata", "name", "kind", "subject", "body_markdown")

    def clean(self):
        data = super().clean()
        try:
            compile_body(data.get("subject") or "", data.get("body_markdown") or "")
        except BodyError as error:
            self.add_error("body_markdown", str(error))
        return data


@admin.register(CampaignTemplate)
class CampaignTemplateAdmin(StrataScopedAdmin):
    view_right = Right.SEND_CAMPAIGNS
    edit_right = Right.SEND_CAMPAIGNS
    form = CampaignTemplateForm
    list_display = ("name", "strata", "kind", "subject")
    list_select_related = ("strata",)
    list_filter = (strata_filter(Right.SEND_CAMPAIGNS, "strata", gettext_lazy("strata")), "kind")
    search_fields = ("name", "subject")
    ordering = ("strata__name", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived_at__isnull=True)

    def save_record(self, request, record, changed_fields, before):
        campaign_template_save(
            template=record,
            actor=request.user,
            changed_fields=changed_fields,
            before=before,
            context=AuditContext.from_request(request),
        )
