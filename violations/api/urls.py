"""The violations endpoints of the REST API (docs/api.md), routed by ``stratatracker.api``."""

from django.urls import path

from violations.api import answers, cases, charges, staff

CASE = "cases/<uuid:case_uuid>/"

urlpatterns = [
    path("cases/", cases.CaseListApi.as_view(), name="api-case-list"),
    path(CASE, cases.CaseDetailApi.as_view(), name="api-case-detail"),
    path(f"{CASE}letters/", cases.LetterListApi.as_view(), name="api-letter-list"),
    path(
        f"{CASE}letters/<uuid:letter_uuid>/pdf/",
        cases.LetterPdfApi.as_view(),
        name="api-letter-pdf",
    ),
    path(f"{CASE}evidence/", cases.EvidenceListApi.as_view(), name="api-evidence-list"),
    path(
        f"{CASE}evidence/<uuid:evidence_uuid>/file/",
        cases.EvidenceFileApi.as_view(),
        name="api-evidence-file",
    ),
    path(f"{CASE}responses/", answers.ResponseCreateApi.as_view(), name="api-response-create"),
    path(
        f"{CASE}hearing-requests/",
        answers.HearingRequestCreateApi.as_view(),
        name="api-hearing-request-create",
    ),
    path("charges/", charges.ChargeListApi.as_view(), name="api-charge-list"),
    path("charges/balance/", charges.BalanceApi.as_view(), name="api-charge-balance"),
    path(
        "staff/complaints/",
        staff.StaffComplaintCreateApi.as_view(),
        name="api-staff-complaint-create",
    ),
    path("staff/bylaws/", staff.StaffBylawListApi.as_view(), name="api-staff-bylaw-list"),
    path(
        "staff/categories/",
        staff.StaffCategoryListApi.as_view(),
        name="api-staff-category-list",
    ),
    path("staff/cases/", staff.StaffCaseListApi.as_view(), name="api-staff-case-list"),
    path(
        "staff/cases/<uuid:case_uuid>/",
        staff.StaffCaseDetailApi.as_view(),
        name="api-staff-case-detail",
    ),
]
