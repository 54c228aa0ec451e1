"""Bearer tokens of apps (docs/api.md): made from the current session or from an email and
password, listed (never their secret), revoked. Also the schema helper every app's endpoints
use to document the one error shape."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.errors import ErrorSerializer
from accounts.api.permissions import resident_only
from accounts.login_tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken
from accounts.permissions import is_staff_member
from accounts.request_meta import AuditContext
from accounts.selectors import api_tokens_of

_MEANINGS = {
    400: "The request was refused: `fields` says which field and why.",
    401: "Not signed in: give a bearer token, or sign in.",
    403: "Signed in, but not allowed (a resident-only token on a staff endpoint, or CSRF).",
    404: "No such record among yours (another person's record looks the same).",
    429: "Too many requests: wait and try again.",
}


def error_responses(*statuses: int) -> dict:
    """The error answers an endpoint documents, all in the one error shape."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=_MEANINGS[code]) for code in statuses
    }


@csrf_exempt
def api_not_found(request, path=""):
    """Any path under /api/v1/ that no endpoint matches, a malformed uuid included: the error
    shape, not the site's HTML page (exempt from CSRF as every API view is: it changes
    nothing)."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found", "fields": {}}, status=404)


class TokenSerializer(serializers.ModelSerializer):
    """A token as listed: its prefix, never its secret or hash."""

    class Meta:
        model = ApiToken
        fields = [
            "uuid",
            "name",
            "prefix",
            "resident_only",
            "created_at",
            "last_used_at",
            "expires_at",
        ]


class TokenCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    password = serializers.CharField(
        required=False, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")

    def validate(self, attrs):
        if ("email" in attrs) != ("password" in attrs):
            raise serializers.ValidationError(
                _("Give both an email and a password, or neither to use the current sign-in.")
            )
        return attrs


class TokenCreatedSerializer(serializers.ModelSerializer):
    token = serializers.CharField(help_text=gettext_lazy("The secret, shown this once only."))

    class Meta:
        model = ApiToken
        fields = ["token", "uuid", "name", "expires_at", "resident_only"]


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class TokenListCreateApi(generics.ListAPIView):
    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()  # the schema's; get_queryset gives the caller's own
    throttle_scope = "sign_in"

    def get_permissions(self):
        # Making a token is how an app signs in: credentials stand in for a session.
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(ScopedRateThrottle())
        return throttles

    def get_queryset(self):
        return api_tokens_of(self.request.user)

    @extend_schema(
        summary="List my API tokens",
        description="Live tokens of the signed-in user: the prefix only, never the secret.",
        responses={200: TokenSerializer(many=True), **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Make an API token",
        description=(
            "From the current session or token (no body but an optional name), or from an "
            "email and password. A token made from a resident sign-in, or for a user with "
            "no staff role, is resident-only: staff endpoints refuse it. The secret is in "
            "this answer only."
        ),
        request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer, **error_responses(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "With a password",
                value={"email": "jane@example.com", "password": "correct horse", "name": "Phone"},
                request_only=True,
            ),
            OpenApiExample("From this session", value={"name": "Phone"}, request_only=True),
            OpenApiExample(
                "Made",
                value={
                    "token": "st_Zk3...",
                    "uuid": "0b5c3e64-52d4-4b51-9d4c-4c1f0b0f3a11",
                    "name": "Phone",
                    "expires_at": "2027-02-23T18:00:00Z",
                    "resident_only": True,
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request, *args, **kwargs):
        form = TokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if "email" in data:
            # The DRF request, so a lockout comes back here instead of axes' own page.
            user = authenticate(request=request, username=data["email"], password=data["password"])
            if user is None and getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                raise LockedOut(
                    _("Too many failed sign-ins: try again in %(minutes)s minutes.")
                    % {"minutes": minutes}
                )
            if user is None:
                raise DjangoValidationError(
                    _("That email and password do not match an account."),
                    code="invalid_credentials",
                )
            only_resident = not is_staff_member(user)
        elif request.user.is_authenticated:
            user = request.user
            only_resident = resident_only(request) or not is_staff_member(user)
        else:
            raise exceptions.NotAuthenticated()
        token, raw = api_token_create(
            user=user,
            name=data["name"],
            resident_only=only_resident,
            context=AuditContext.from_request(request),
        )
        token.token = raw
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    @extend_schema(
        summary="Revoke one of my API tokens",
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request, token_uuid):
        token = get_object_or_404(api_tokens_of(request.user), uuid=token_uuid)
        api_token_revoke(token=token, context=AuditContext.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
