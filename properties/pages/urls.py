"""The resident pages of properties (docs/residents.md): server-rendered, mobile-first, on the
shared layout ``stratatracker/templates/resident/base.html``."""

from django.urls import path

from properties.pages import preferences, sign_in, units

urlpatterns = [
    path("my/sign-in/", sign_in.resident_sign_in, name="resident_sign_in"),
    path(
        "my/sign-in/<str:token>/",
        sign_in.resident_sign_in_confirm,
        name="resident_sign_in_confirm",
    ),
    path("my/sign-out/", sign_in.resident_sign_out, name="resident_sign_out"),
    path("my/units/", units.resident_units_page, name="resident_units"),
    path("my/preferences/", preferences.resident_preferences_page, name="resident_preferences"),
]
