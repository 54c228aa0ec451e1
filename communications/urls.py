"""The links in an email, mounted at ``email/`` (communications.views)."""

from django.urls import path

from communications import views

urlpatterns = [
    path("unsubscribe/<str:token>/", views.email_unsubscribe, name="email_unsubscribe"),
    path("o/<str:token>.gif", views.email_open, name="email_open"),
    path("c/<str:token>/", views.email_click, name="email_click"),
]
