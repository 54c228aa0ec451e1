"""The REST API under ``/api/v1/`` (docs/api.md): each app's ``api/urls.py``, routed here."""

from django.urls import include, path, re_path

from accounts.api.views import api_not_found

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("properties.api.urls")),
    path("", include("violations.api.urls")),
    path("", include("campaigns.api.urls")),
    # Anything else under /api/v1/ (a malformed uuid too) is a 404 in the error shape.
    re_path(r"^(?P<path>.*)$", api_not_found),
]
