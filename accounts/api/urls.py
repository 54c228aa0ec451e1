"""The token endpoints of the REST API (docs/api.md), routed by ``stratatracker.api``."""

from django.urls import path

from accounts.api.views import TokenListCreateApi, TokenRevokeApi

urlpatterns = [
    path("auth/tokens/", TokenListCreateApi.as_view(), name="api-token-list"),
    path("auth/tokens/<uuid:token_uuid>/", TokenRevokeApi.as_view(), name="api-token-detail"),
]
