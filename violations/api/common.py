"""What the case endpoints share: the documented error answers, content negotiation for
files, and a resident's own case or a 404."""

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from accounts.api.views import error_responses
from violations.selectors.resident import (
    resident_case_get,
)

READ_ERRORS = error_responses(401, 403, 404, 429)
ANSWER_ERRORS = error_responses(400, 401, 403, 404, 429)
ANSWER_THROTTLES = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]


class AnyAccept(DefaultContentNegotiation):
    """A file endpoint answers its file (or a JSON error) whatever the client accepts."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


def my_case(request, case_uuid):
    case = resident_case_get(request.user, case_uuid)
    if case is None:
        raise Http404
    return case
