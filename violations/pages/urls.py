"""The resident pages of violations (docs/residents.md): server-rendered, mobile-first, on the
shared layout ``stratatracker/templates/resident/base.html``."""

from django.urls import path

from violations.pages import cases, charges, files, links

urlpatterns = [
    path("r/", links.case_link_enter, name="case_link_enter"),
    path("r/<str:token>/", links.case_link_open, name="case_link_open"),
    path("r/<str:token>/fresh/", links.case_link_fresh, name="case_link_fresh"),
    path("my/", cases.resident_home, name="resident_home"),
    path("my/cases/<uuid:case_uuid>/", cases.resident_case, name="resident_case"),
    path(
        "my/cases/<uuid:case_uuid>/respond/",
        cases.resident_case_respond,
        name="resident_case_respond",
    ),
    path(
        "my/cases/<uuid:case_uuid>/hearing/",
        cases.resident_case_hearing,
        name="resident_case_hearing",
    ),
    path(
        "my/cases/<uuid:case_uuid>/letters/<uuid:letter_uuid>/pdf/",
        files.resident_letter_pdf,
        name="resident_letter_pdf",
    ),
    path(
        "my/cases/<uuid:case_uuid>/evidence/<uuid:evidence_uuid>/",
        files.resident_evidence_file,
        name="resident_evidence_file",
    ),
    path("my/charges/", charges.resident_charges_page, name="resident_charges"),
]
