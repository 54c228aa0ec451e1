"""The project's URLs plus one view that refuses with a reason (tests of the 403 page)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from stratatracker.urls import handler403
from stratatracker.urls import urlpatterns as project_urlpatterns

REASON = "Only this strata's managers can edit its letters."


def refused_with_a_reason(request):
    raise PermissionDenied(REASON)


urlpatterns = [path("refused/", refused_with_a_reason), *project_urlpatterns]

__all__ = ["handler403", "urlpatterns"]
