"""The properties endpoints of the REST API (docs/api.md), routed by ``stratatracker.api``."""

from django.urls import path

from properties.api import views

urlpatterns = [
    path("auth/sign-in-link/", views.SignInLinkApi.as_view(), name="api-sign-in-link"),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path(
        "me/preferences/<uuid:person_uuid>/",
        views.PreferencesApi.as_view(),
        name="api-preferences",
    ),
    path("units/", views.UnitListApi.as_view(), name="api-unit-list"),
    path("units/<uuid:unit_uuid>/", views.UnitDetailApi.as_view(), name="api-unit-detail"),
    path("staff/units/", views.StaffUnitListApi.as_view(), name="api-staff-unit-list"),
    path("staff/persons/", views.StaffPersonListApi.as_view(), name="api-staff-person-list"),
]
