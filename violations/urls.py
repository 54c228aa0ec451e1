"""File routes, mounted under ``files/``: evidence by its uuid, never by an integer id."""

from django.urls import path

from violations import views as file_views

app_name = "violations"

urlpatterns = [
    path("evidence/<uuid:uuid>/", file_views.evidence_download, name="evidence-download"),
]
