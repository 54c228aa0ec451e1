"""What the announcement and campaign endpoints show. Serializers read; nothing here writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campaigns.models import Announcement, Campaign
from properties.api.serializers import StrataRefSerializer


class AnnouncementSerializer(serializers.ModelSerializer):
    """An announcement shown now. ``body_html`` is sanitised (no script, no style, links
    http, https or mailto only): an app may show it as it is."""

    strata = StrataRefSerializer()
    body_html = serializers.CharField(help_text=_("Sanitised HTML of the Markdown body."))

    class Meta:
        model = Announcement
        fields = ["uuid", "strata", "title", "body_html", "priority", "starts_at", "ends_at"]


class ProgressSerializer(serializers.Serializer):
    """Counted from the campaign's outbox rows (``campaigns.selectors.campaign_progress``)."""

    total = serializers.IntegerField(help_text=_("Recipients: one per unique address."))
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    suppressed = serializers.IntegerField(
        help_text=_("Not sent: the address is suppressed, or had this email already.")
    )
    cancelled = serializers.IntegerField()
    remaining = serializers.IntegerField()
    done = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)


class StaffCampaignSerializer(serializers.ModelSerializer):
    stratas = StrataRefSerializer(many=True, source="strata_list")
    progress = ProgressSerializer()

    class Meta:
        model = Campaign
        fields = [
            "uuid",
            "title",
            "kind",
            "status",
            "stratas",
            "scheduled_for",
            "started_at",
            "finished_at",
            "progress",
        ]
