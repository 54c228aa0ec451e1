"""URL routes: the staff admin, password reset, the API and its documentation, health."""

from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from accounts.password_reset import OutboxPasswordResetForm
from stratatracker import health

urlpatterns = [
    path("api/health", health.health, name="health"),
    path("api/health/live", health.live, name="health-live"),
    path("api/v1/", include("stratatracker.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Password reset emails go through the outbox, queued by a task (accounts.password_reset).
    path(
        "admin/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="admin_password_reset",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    # A role given to an existing account is accepted there, signed in (accounts.views).
    path(
        "accounts/memberships/<uuid:membership_uuid>/accept/",
        accounts_views.membership_accept_view,
        name="membership_accept",
    ),
    path(
        "accounts/memberships/sign-in/",
        accounts_views.AcceptLoginView.as_view(),
        name="membership_accept_login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # Resident pages (docs/residents.md): personal case links, sign-in, my cases and units.
    path("", include("violations.pages.urls")),
    path("", include("properties.pages.urls")),
    path("admin/", admin.site.urls),
    path("files/", include("violations.urls")),
    path("files/", include("properties.urls")),
    # Providers' bounce, complaint, open and click webhooks (communications.webhooks), behind
    # basic auth (docs/operations.md). Only the provider we support is mounted: anymail's
    # other views answer 500 without their own settings. Another provider's tracking view
    # goes beside it under the same name pattern.
    path(
        "email/webhooks/",
        include(
            (
                [
                    path(
                        "postmark/tracking/",
                        PostmarkTrackingWebhookView.as_view(),
                        name="postmark_tracking_webhook",
                    )
                ],
                "anymail",
            )
        ),
    ),
    # The signed links in an email: unsubscribe, open pixel, click redirect (no sign-in).
    path("email/", include("communications.urls")),
]

# A refused step says why and links back (stratatracker.errors).
handler403 = "stratatracker.errors.permission_denied"
