"""File routes, mounted under ``files/``: a Form K by its occupancy's uuid, never an integer id."""

from django.urls import path

from properties import file_views

app_name = "properties"

urlpatterns = [
    path("form-k/<uuid:uuid>/", file_views.form_k_download, name="form-k-download"),
]
