"""The campaigns endpoints of the REST API (docs/api.md), routed by ``stratatracker.api``."""

from django.urls import path

from campaigns.api import views

urlpatterns = [
    path("announcements/", views.AnnouncementListApi.as_view(), name="api-announcement-list"),
    path("staff/campaigns/", views.StaffCampaignListApi.as_view(), name="api-staff-campaign-list"),
    path(
        "staff/campaigns/<uuid:campaign_uuid>/",
        views.StaffCampaignDetailApi.as_view(),
        name="api-staff-campaign-detail",
    ),
]
