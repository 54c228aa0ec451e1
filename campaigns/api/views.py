"""The announcement and campaign endpoints (docs/api.md): the announcements shown now to a
resident or a staff member, and a manager's campaigns with their progress."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import IsStaffMember, resident_only
from accounts.api.views import error_responses
from accounts.models import Strata
from accounts.permissions import is_staff_member
from campaigns.api.serializers import AnnouncementSerializer, StaffCampaignSerializer
from campaigns.models import Announcement, Campaign
from campaigns.selectors import (
    announcements_shown_to,
    campaign_progress,
    campaigns_progress,
    campaigns_visible_to,
)
from communications.models import OutboundEmail

LIST_ERRORS = error_responses(401, 403, 404, 429)
READ_ERRORS = error_responses(401, 403, 404, 429)
Status = OutboundEmail.Status

ANNOUNCEMENT_EXAMPLE = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "uuid": "0b5c8f0e-3f7e-4a8e-9a55-2d5b1e0f6c11",
            "strata": {"uuid": "5a0f3b8e-6a43-4c53-9b0e-6a9a1d6f2c11", "name": "Harbour View"},
            "title": "Water shut-off on Thursday",
            "body_html": "<p>The water is off from <strong>9:00 to 13:00</strong>.</p>\n",
            "priority": "urgent",
            "starts_at": "2026-11-24T16:00:00Z",
            "ends_at": "2026-11-26T21:00:00Z",
        }
    ],
}
CAMPAIGN_EXAMPLE = {
    "uuid": "9d3e0c52-7b7c-4d0f-a1c4-2b1f0e8d6a22",
    "title": "November newsletter",
    "kind": "newsletter",
    "status": "sending",
    "stratas": [{"uuid": "5a0f3b8e-6a43-4c53-9b0e-6a9a1d6f2c11", "name": "Harbour View"}],
    "scheduled_for": None,
    "started_at": "2026-11-25T17:00:02Z",
    "finished_at": None,
    "progress": {
        "total": 480,
        "sent": 350,
        "failed": 2,
        "suppressed": 8,
        "cancelled": 0,
        "remaining": 120,
        "done": 360,
        "percent": 75,
    },
}


class AnnouncementListApi(generics.ListAPIView):
    serializer_class = AnnouncementSerializer
    queryset = Announcement.objects.none()  # the schema's; get_queryset scopes to the user

    def get_queryset(self):
        user = self.request.user
        as_staff = is_staff_member(user) and not resident_only(self.request)
        announcements = announcements_shown_to(user, as_staff=as_staff)
        return announcements.order_by(*announcements.query.order_by, "-pk")

    @extend_schema(
        summary="Announcements shown now",
        description=(
            "The announcements shown now in the stratas where I live or own (and, signed in as "
            "staff, in my stratas), the most urgent and newest first."
        ),
        responses={200: AnnouncementSerializer(many=True), **LIST_ERRORS},
        examples=[OpenApiExample("An urgent one", value=ANNOUNCEMENT_EXAMPLE, response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _campaigns(user):
    stratas = Prefetch("stratas", queryset=Strata.objects.order_by("name"), to_attr="strata_list")
    return campaigns_visible_to(user).prefetch_related(stratas)


def _progress_of(campaigns: list[Campaign]) -> None:
    """Each campaign's ``progress`` (two queries for the page, however many it holds)."""
    progress = campaigns_progress(campaigns)
    for campaign in campaigns:
        campaign.progress = progress[campaign.pk].as_dict()


class StaffCampaignListApi(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = StaffCampaignSerializer
    queryset = Campaign.objects.none()  # the schema's; get_queryset scopes to the user

    def get_queryset(self):
        return _campaigns(self.request.user).order_by("-created_at", "-pk")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        _progress_of(page)
        return page

    @extend_schema(
        summary="Staff: my campaigns",
        description=(
            "The campaigns of stratas where I send campaigns (a campaign to several stratas "
            "only if I send for each), newest first, with their progress."
        ),
        responses={200: StaffCampaignSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffCampaignDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        summary="Staff: one of my campaigns",
        description="Its status and progress, counted from its outbox rows as they are sent.",
        responses={200: StaffCampaignSerializer, **READ_ERRORS},
        examples=[OpenApiExample("Sending", value=CAMPAIGN_EXAMPLE, response_only=True)],
    )
    def get(self, request, campaign_uuid):
        campaign = _campaigns(request.user).filter(uuid=campaign_uuid).first()
        if campaign is None:
            raise Http404
        campaign.progress = campaign_progress(campaign).as_dict()
        return Response(StaffCampaignSerializer(campaign).data)
