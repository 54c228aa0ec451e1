"""The violations endpoints of the REST API (docs/api.md), routed by ``stratatracker.api``."""

from django.urls import path

from violations.api import views

CASE = "cases/<uuid:case_uuid>/"

urlpatterns = [
    path("cases/", views.CaseListApi.as_view(), name="api-case-list"),
    path(CASE, views.CaseDetailApi.as_view(), name="api-case-detail"),
    path(f"{CASE}letters/", views.LetterListApi.as_view(), name="api-letter-list"),
    path(
        f"{CASE}letters/<uuid:letter_uuid>/pdf/",
        views.LetterPdfApi.as_view(),
        name="api-letter-pdf",
    ),
    path(f"{CASE}evidence/", views.EvidenceListApi.as_view(), name="api-evidence-list"),
    path(
        f"{CASE}evidence/<uuid:evidence_uuid>/file/",
        views.EvidenceFileApi.as_view(),
        name="api-evidence-file",
    ),
    path(f"{CASE}responses/", views.ResponseCreateApi.as_view(), name="api-response-create"),
    path(
        f"{CASE}hearing-requests/",
        views.HearingRequestCreateApi.as_view(),
        name="api-hearing-request-create",
    ),
    path("charges/", views.ChargeListApi.as_view(), name="api-charge-list"),
    path("charges/balance/", views.BalanceApi.as_view(), name="api-charge-balance"),
    path(
        "staff/complaints/",
        views.StaffComplaintCreateApi.as_view(),
        name="api-staff-complaint-create",
    ),
    path("staff/bylaws/", views.StaffBylawListApi.as_view(), name="api-staff-bylaw-list"),
    path(
        "staff/categories/",
        views.StaffCategoryListApi.as_view(),
        name="api-staff-category-list",
    ),
    path("staff/cases/", views.StaffCaseListApi.as_view(), name="api-staff-case-list"),
    path(
        "staff/cases/<uuid:case_uuid>/",
        views.StaffCaseDetailApi.as_view(),
        name="api-staff-case-detail",
    ),
]
