"""Staff endpoints for phones and integrations: file a complaint with photos, look up the
bylaws and categories a complaint names, and read the cases of their stratas, less those
they are recused from."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import IsStaffMember
from accounts.api.views import error_responses
from accounts.request_meta import AuditContext
from violations.api.common import READ_ERRORS
from violations.api.serializers import (
    ComplaintFileSerializer,
    FiledSerializer,
    StaffBylawFilterSerializer,
    StaffBylawSerializer,
    StaffCaseDetailSerializer,
    StaffCaseFilterSerializer,
    StaffCaseSerializer,
    StaffCategorySerializer,
    StrataFilterSerializer,
)
from violations.models import (
    Bylaw,
    CaseParty,
    Hearing,
    Status,
    ViolationCategory,
)
from violations.selectors.access import cases_visible_to_staff
from violations.selectors.cases import filing_choices_for
from violations.services.filing import complaint_file


def _under_photos(error: DjangoValidationError) -> DjangoValidationError:
    """The service names a complaint's files ``evidence_files``, the admin form's field; this
    endpoint takes them as ``photos``, so a refused file is reported where the client sent it."""
    if "evidence_files" not in getattr(error, "error_dict", {}):
        return error
    fields = {
        "photos" if name == "evidence_files" else name: messages
        for name, messages in error.error_dict.items()
    }
    return type(error)(fields)


class StaffComplaintCreateApi(APIView):
    permission_classes = [IsStaffMember]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        summary="Staff: file a complaint with photos",
        description=(
            "As the admin's form does: a new case, or, when an open case of the unit and "
            "bylaw exists, refused unless `file_as` names it (to add the complaint to it) or "
            "is `new`. Units, bylaws, categories and persons are named by uuid among your "
            "stratas; any other is unknown."
        ),
        request={
            "multipart/form-data": ComplaintFileSerializer,
            "application/json": ComplaintFileSerializer,
        },
        responses={201: FiledSerializer, **error_responses(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "A complaint by email",
                value={
                    "unit": "5a0f3b8e-6a43-4c53-9b0e-6a9a1d6f2c11",
                    "bylaws": ["9d3e0c52-7b7c-4d0f-a1c4-2b1f0e8d6a22"],
                    "incident_on": "2026-11-24",
                    "incident_time": "23:30",
                    "incident_place": "Balcony",
                    "description": "Loud music past midnight.",
                    "channel": "email",
                    "received_on": "2026-11-25",
                    "complainant_name": "Neighbour in 102",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        form = ComplaintFileSerializer(data=request.data, scopes=filing_choices_for(request.user))
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            case, _added = complaint_file(
                actor=request.user,
                file_as=data["file_as"],
                context=AuditContext.from_request(request),
                unit=data["unit"],
                category=data["category"],
                bylaws=data["bylaws"],
                incident_on=data["incident_on"],
                incident_time=data["incident_time"],
                incident_place=data["incident_place"],
                description=data["description"],
                complaint={
                    "channel": data["channel"],
                    "received_on": data["received_on"],
                    "complainant": data["complainant"],
                    "complainant_name": data["complainant_name"],
                    "details": data["details"],
                    "disclosure_warned": data["disclosure_warned"],
                },
                evidence_files=data["photos"],
            )
        except DjangoValidationError as error:
            raise _under_photos(error) from None
        return Response(FiledSerializer(case).data, status=status.HTTP_201_CREATED)


class StaffFilingListApi(generics.ListAPIView):
    """What a complaint names by uuid, listed from what filing accepts
    (``filing_choices_for``), so a client is offered exactly what it may file with."""

    permission_classes = [IsStaffMember]
    filter_serializer = StrataFilterSerializer

    def filters(self) -> dict:
        form = self.filter_serializer(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        return form.validated_data


class StaffBylawListApi(StaffFilingListApi):
    serializer_class = StaffBylawSerializer
    filter_serializer = StaffBylawFilterSerializer
    queryset = Bylaw.objects.none()  # the schema's; get_queryset scopes to the user

    def get_queryset(self):
        bylaws = (
            filing_choices_for(self.request.user)["bylaws"]
            .select_related("strata")
            .order_by("strata__name", "number", "pk")
        )
        filters = self.filters()
        if "strata" in filters:
            bylaws = bylaws.filter(strata__uuid=filters["strata"])
        if filters.get("q"):
            bylaws = bylaws.filter(
                Q(number__icontains=filters["q"]) | Q(title__icontains=filters["q"])
            )
        return bylaws

    @extend_schema(
        summary="Staff: the bylaws I may file a complaint under",
        description=(
            "The active bylaws and rules of the stratas where you file cases, by strata and "
            "number: a complaint names them by `uuid` in `bylaws`."
        ),
        parameters=[
            OpenApiParameter("strata", OpenApiTypes.UUID, description="Only this strata's."),
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of a number or title."),
        ],
        responses={
            200: StaffBylawSerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffCategoryListApi(StaffFilingListApi):
    serializer_class = StaffCategorySerializer
    queryset = ViolationCategory.objects.none()  # the schema's; get_queryset scopes to the user

    def get_queryset(self):
        scopes = filing_choices_for(self.request.user)
        defaults = scopes["bylaws"].order_by("number", "pk")
        categories = (
            scopes["category"]
            .select_related("strata")
            .prefetch_related(Prefetch("default_bylaws", queryset=defaults))
            .order_by("strata__name", "name", "pk")
        )
        filters = self.filters()
        if "strata" in filters:
            categories = categories.filter(strata__uuid=filters["strata"])
        return categories

    @extend_schema(
        summary="Staff: the case categories I may file a complaint under",
        description=(
            "The active categories of the stratas where you file cases, by strata and name: a "
            "complaint names one by `uuid` in `category`. `default_bylaws` are the active "
            "bylaws the category suggests, to send in `bylaws`."
        ),
        parameters=[
            OpenApiParameter("strata", OpenApiTypes.UUID, description="Only this strata's."),
        ],
        responses={
            200: StaffCategorySerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffCaseListApi(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = StaffCaseSerializer

    def get_queryset(self):
        form = StaffCaseFilterSerializer(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        filters = form.validated_data
        cases = (
            cases_visible_to_staff(self.request.user)
            .select_related("strata", "unit")
            .prefetch_related("bylaws")
            .order_by("-created_at", "-pk")
        )
        if "strata" in filters:
            cases = cases.filter(strata__uuid=filters["strata"])
        if "status" in filters:
            cases = cases.filter(status=filters["status"])
        if "unit" in filters:
            cases = cases.filter(unit__uuid=filters["unit"])
        if filters.get("q"):
            cases = cases.filter(reference__icontains=filters["q"])
        return cases

    @extend_schema(
        summary="Staff: the cases of my stratas",
        description="Newest first; never a case you are recused from (SPA s.32).",
        parameters=[
            OpenApiParameter("strata", OpenApiTypes.UUID, description="Only this strata's."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Status.values),
            OpenApiParameter("unit", OpenApiTypes.UUID, description="Only this unit's."),
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of a reference."),
        ],
        responses={200: StaffCaseSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffCaseDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        summary="Staff: one case of my stratas",
        responses={200: StaffCaseDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, case_uuid):
        parties = CaseParty.objects.select_related("person").order_by(
            "role", "person__full_name", "pk"
        )
        case = (
            cases_visible_to_staff(request.user)
            .select_related("strata", "unit", "category")
            .prefetch_related(
                "bylaws",
                Prefetch("parties", queryset=parties),
                Prefetch("hearings", queryset=Hearing.objects.order_by("-pk"), to_attr="latest"),
            )
            .filter(uuid=case_uuid)
            .first()
        )
        if case is None:
            raise Http404
        case.hearing = case.latest[0] if case.latest else None
        return Response(StaffCaseDetailSerializer(case).data)
