"""The register endpoints (docs/api.md): me and my preferences, my units and the people on
them, the register of a staff member's stratas, and asking for a sign-in link."""

from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.permissions import IsStaffMember, resident_only
from accounts.api.views import error_responses
from accounts.permissions import Right, is_staff_member, scope_to_stratas
from accounts.request_meta import AuditContext
from properties.api.serializers import (
    DetailSerializer,
    MeSerializer,
    PreferencesOutSerializer,
    PreferencesSerializer,
    RegisterFilterSerializer,
    SignInLinkSerializer,
    StaffPersonSerializer,
    StaffUnitSerializer,
    UnitSerializer,
)
from properties.link_throttle import sign_in_request_allowed
from properties.models import Unit
from properties.resident_access import preferences_set
from properties.selectors import (
    current_occupancies,
    people_on_units,
    persons_of,
    persons_visible_to,
    resident_units,
    units_visible_to,
)
from properties.tasks import sign_in_link_task

LIST_ERRORS = error_responses(401, 403, 404, 429)


def staff_filters(searched: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter("strata", OpenApiTypes.UUID, description="Only this strata's records."),
        OpenApiParameter("q", OpenApiTypes.STR, description=f"Part of {searched}."),
    ]


class MeApi(APIView):
    @extend_schema(
        summary="Who I am",
        description="The signed-in user and the register records they speak for.",
        responses={200: MeSerializer, **error_responses(401, 403, 429)},
    )
    def get(self, request):
        user = request.user
        me = {
            "uuid": user.uuid,
            "email": user.email,
            "full_name": user.full_name,
            "is_staff_member": is_staff_member(user) and not resident_only(request),
            "persons": persons_of(user).order_by("strata__name", "full_name", "pk"),
        }
        return Response(MeSerializer(me).data)


class PreferencesApi(APIView):
    def _person(self, request, person_uuid):
        person = persons_of(request.user).filter(uuid=person_uuid).first()
        if person is None:
            raise Http404
        return person

    @extend_schema(
        summary="My preferences as one register person",
        responses={200: PreferencesOutSerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, person_uuid):
        return Response(PreferencesOutSerializer(self._person(request, person_uuid)).data)

    @extend_schema(
        summary="Change my preferences",
        description=(
            "Newsletters on or off (notices are never affected), and the address for the "
            "service of notices (SPA s.61): dated today in the strata, audited, and the "
            "strata's managers told. A blank address withdraws it."
        ),
        request=PreferencesSerializer,
        responses={200: PreferencesOutSerializer, **error_responses(400, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "Give an address for notices",
                value={"email_for_notices": "jane@example.com"},
                request_only=True,
            ),
            OpenApiExample("No newsletters", value={"newsletters": False}, request_only=True),
        ],
    )
    def patch(self, request, person_uuid):
        person = self._person(request, person_uuid)
        form = PreferencesSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        person = preferences_set(
            person=person,
            actor=request.user,
            newsletters=data.get("newsletters"),
            notice_address=data.get("email_for_notices"),
            context=AuditContext.from_request(request),
        )
        return Response(PreferencesOutSerializer(person).data)


def _my_units(user):
    return resident_units(user).prefetch_related(
        Prefetch("occupancies", queryset=people_on_units(resident_units(user)), to_attr="people")
    )


class UnitListApi(generics.ListAPIView):
    serializer_class = UnitSerializer

    def get_queryset(self):
        return _my_units(self.request.user)

    @extend_schema(
        summary="My units",
        description="The units I own or live on, with the names and roles of the people there.",
        responses={200: UnitSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnitDetailApi(generics.RetrieveAPIView):
    serializer_class = UnitSerializer
    lookup_field = "uuid"
    lookup_url_kwarg = "unit_uuid"

    def get_queryset(self):
        return _my_units(self.request.user)

    @extend_schema(
        summary="One of my units",
        responses={200: UnitSerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffRegisterApi(generics.ListAPIView):
    """The register of the stratas where the user reads it as staff (not their own units as a
    resident), narrowed by ``?strata=`` and ``?q=``."""

    permission_classes = [IsStaffMember]

    def filters(self) -> dict:
        form = RegisterFilterSerializer(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        return form.validated_data


class StaffUnitListApi(StaffRegisterApi):
    serializer_class = StaffUnitSerializer
    queryset = Unit.objects.none()  # the schema's; get_queryset scopes to the user

    def get_queryset(self):
        user = self.request.user
        occupants = (
            current_occupancies()
            .filter(person__archived_at__isnull=True)
            .select_related("person")
            .order_by("role", "person__full_name", "pk")
        )
        units = (
            scope_to_stratas(units_visible_to(user), user, Right.VIEW_REGISTER)
            .select_related("strata")
            .prefetch_related(Prefetch("occupancies", queryset=occupants, to_attr="current"))
            .order_by("strata__name", "unit_number", "pk")
        )
        filters = self.filters()
        if "strata" in filters:
            units = units.filter(strata__uuid=filters["strata"])
        if filters.get("q"):
            units = units.filter(unit_number__icontains=filters["q"])
        return units

    @extend_schema(
        summary="Staff: the units of my stratas",
        description="Current occupants with their roles and dates.",
        parameters=staff_filters("a unit number"),
        responses={200: StaffUnitSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffPersonListApi(StaffRegisterApi):
    serializer_class = StaffPersonSerializer

    def get_queryset(self):
        user = self.request.user
        units = (
            current_occupancies()
            .filter(unit__archived_at__isnull=True)
            .select_related("unit")
            .order_by("unit__unit_number", "role", "pk")
        )
        persons = (
            scope_to_stratas(persons_visible_to(user), user, Right.VIEW_REGISTER)
            .select_related("strata")
            .prefetch_related(Prefetch("occupancies", queryset=units, to_attr="current"))
            .order_by("strata__name", "full_name", "pk")
        )
        filters = self.filters()
        if "strata" in filters:
            persons = persons.filter(strata__uuid=filters["strata"])
        if filters.get("q"):
            persons = persons.filter(
                Q(full_name__icontains=filters["q"]) | Q(email__icontains=filters["q"])
            )
        return persons

    @extend_schema(
        summary="Staff: the persons of my stratas",
        description="Current units with their roles.",
        parameters=staff_filters("a name or an email address"),
        responses={
            200: StaffPersonSerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SignInLinkApi(APIView):
    """The same answer whether or not the address is known: the lookup runs in a task after
    the answer has gone."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "sign_in"
    # JSON only: a form post from another site cannot make a browser ask for links.
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Email me a sign-in link",
        description=(
            "A single-use link, valid for a few minutes, goes to the address if a current "
            "person of the register has it. The answer is the same either way."
        ),
        auth=[],
        request=SignInLinkSerializer,
        responses={202: DetailSerializer, **error_responses(400, 429)},
        examples=[
            OpenApiExample("Ask", value={"email": "jane@example.com"}, request_only=True),
        ],
    )
    def post(self, request):
        form = SignInLinkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        address = form.validated_data["email"]
        # The page's counter too: per address from this client and from everyone.
        if not sign_in_request_allowed(request, address):
            raise exceptions.Throttled()
        transaction.on_commit(lambda: sign_in_link_task.delay(address))
        return Response(
            {"detail": _("If that address is in our records, a sign-in link is on its way.")},
            status=status.HTTP_202_ACCEPTED,
        )
