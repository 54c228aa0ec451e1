"""The REST API under ``/api/v1/`` (docs/api.md): each app's ``api/urls.py``, routed here."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("properties.api.urls")),
    path("", include("violations.api.urls")),
]
