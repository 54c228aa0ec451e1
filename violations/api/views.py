"""The case endpoints (docs/api.md). A resident reads the cases where they are a party, their
letters and shared evidence (files leave as attachments, the resident copy only), answers in
writing and asks for a hearing through the same services as staff, and reads their charges.
Staff file complaints, look up the bylaws and categories a complaint names, and read the
cases of their stratas, less those they are recused from.
"""

import mimetypes
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.permissions import IsStaffMember
from accounts.api.views import error_responses
from accounts.request_meta import AuditContext
from uploads.serving import private_attachment
from violations.api.serializers import (
    BalanceSerializer,
    CaseSerializer,
    ChargeSerializer,
    ComplaintFileSerializer,
    EvidenceSerializer,
    FiledSerializer,
    HearingRequestCreatedSerializer,
    HearingRequestCreateSerializer,
    LetterSerializer,
    ResponseCreatedSerializer,
    ResponseCreateSerializer,
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
    Evidence,
    Hearing,
    Letter,
    Status,
    ViolationCategory,
)
from violations.selectors.access import cases_visible_to_staff
from violations.selectors.cases import filing_choices_for
from violations.selectors.resident import (
    may_answer_each,
    next_dates,
    resident_balance,
    resident_case_get,
    resident_cases,
    resident_charges,
    resident_events_each,
    resident_evidence,
    resident_letters,
)
from violations.services.filing import complaint_file
from violations.services.responses import resident_request_hearing, resident_respond

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


def _my_case(request, case_uuid):
    case = resident_case_get(request.user, case_uuid)
    if case is None:
        raise Http404
    return case


# --- a resident's cases ----------------------------------------------------------------------


def _case_rows(cases, user) -> list:
    """A page of cases with what each shows, read for the whole page at once."""
    cases = list(cases)
    dates, answers = next_dates(cases), may_answer_each(cases, user)
    timelines = resident_events_each(cases)
    for case in cases:
        case.next_date_info = dates[case.pk]
        case.answers = answers[case.pk]
        case.timeline = timelines[case.pk]
    return cases


class CaseListApi(generics.ListAPIView):
    serializer_class = CaseSerializer

    def get_queryset(self):
        return resident_cases(self.request.user).prefetch_related("bylaws")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = _case_rows(page, request.user)
        return self.get_paginated_response(CaseSerializer(rows, many=True).data)

    @extend_schema(
        summary="My cases",
        description=(
            "Cases where one of my register persons is a party, newest first: the "
            "particulars as served, where each stands, the next date that matters, and "
            "whether I may answer now."
        ),
        responses={200: CaseSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseDetailApi(APIView):
    @extend_schema(
        summary="One of my cases",
        responses={200: CaseSerializer, **READ_ERRORS},
    )
    def get(self, request, case_uuid):
        cases = resident_cases(request.user).prefetch_related("bylaws").filter(uuid=case_uuid)
        rows = _case_rows(cases, request.user)
        if not rows:
            raise Http404
        return Response(CaseSerializer(rows[0]).data)


class LetterListApi(generics.ListAPIView):
    serializer_class = LetterSerializer
    queryset = Letter.objects.none()  # the schema's; get_queryset scopes to the resident

    def get_queryset(self):
        return resident_letters(_my_case(self.request, self.kwargs["case_uuid"]), self.request.user)

    def get_serializer_context(self):
        case_uuid = self.kwargs["case_uuid"]

        def file_url(letter):
            return self.request.build_absolute_uri(
                reverse("api-letter-pdf", args=[case_uuid, letter.uuid])
            )

        return {**super().get_serializer_context(), "file_url": file_url}

    @extend_schema(
        summary="The letters of my case",
        description="The letters served on me, as text and as the PDF that was served.",
        responses={200: LetterSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LetterPdfApi(APIView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        summary="A letter's PDF, as served",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    def get(self, request, case_uuid, letter_uuid):
        case = _my_case(request, case_uuid)
        letter = resident_letters(case, request.user).filter(uuid=letter_uuid).first()
        if letter is None or not letter.pdf:
            raise Http404
        return private_attachment(
            letter.pdf,
            filename=f"{case.reference}-{letter.kind}.pdf",
            content_type="application/pdf",
        )


class EvidenceListApi(generics.ListAPIView):
    serializer_class = EvidenceSerializer
    queryset = Evidence.objects.none()  # the schema's; get_queryset scopes to the resident

    def get_queryset(self):
        case = _my_case(self.request, self.kwargs["case_uuid"])
        return resident_evidence(case, self.request.user)

    def get_serializer_context(self):
        case_uuid = self.kwargs["case_uuid"]

        def file_url(evidence):
            return self.request.build_absolute_uri(
                reverse("api-evidence-file", args=[case_uuid, evidence.uuid])
            )

        return {**super().get_serializer_context(), "file_url": file_url}

    @extend_schema(
        summary="The evidence of my case I may see",
        description=(
            "Evidence shared with the parties and what I sent myself, as copies without metadata."
        ),
        responses={200: EvidenceSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EvidenceFileApi(APIView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        summary="An evidence file (the copy without metadata)",
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            **READ_ERRORS,
        },
    )
    def get(self, request, case_uuid, evidence_uuid):
        case = _my_case(request, case_uuid)
        evidence = resident_evidence(case, request.user).filter(uuid=evidence_uuid).first()
        if evidence is None:
            raise Http404
        stored = evidence.resident_copy
        content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
        filename = f"{case.reference}-{evidence.uuid}{PurePosixPath(stored.name).suffix}"
        return private_attachment(stored, filename=filename, content_type=content_type)


class ResponseCreateApi(APIView):
    parser_classes = [MultiPartParser, JSONParser]
    throttle_classes = ANSWER_THROTTLES
    throttle_scope = "answer"

    @extend_schema(
        summary="Answer the notice in writing",
        description=(
            "Received now through the portal, exactly as if staff recorded it: the same "
            "guards, event and audit. Files go through the evidence checks; one refused file "
            "sends nothing."
        ),
        request={
            "multipart/form-data": ResponseCreateSerializer,
            "application/json": ResponseCreateSerializer,
        },
        responses={201: ResponseCreatedSerializer, **ANSWER_ERRORS},
        examples=[
            OpenApiExample(
                "An answer",
                value={
                    "text": "The music was from unit 204, not mine.",
                    "declines_hearing": False,
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request, case_uuid):
        case = _my_case(request, case_uuid)
        form = ResponseCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        response = resident_respond(
            case=case,
            actor=request.user,
            text=data["text"],
            declines_hearing=data["declines_hearing"],
            files=data["files"],
            context=AuditContext.from_request(request),
        )
        return Response(ResponseCreatedSerializer(response).data, status=status.HTTP_201_CREATED)


class HearingRequestCreateApi(APIView):
    parser_classes = [MultiPartParser, JSONParser]
    throttle_classes = ANSWER_THROTTLES
    throttle_scope = "answer"

    @extend_schema(
        summary="Ask for a hearing",
        description=(
            "Dated today in the strata: council must hold the hearing within the days the "
            "law gives (SPA s.34.1), shown as `hold_by`."
        ),
        request={
            "multipart/form-data": HearingRequestCreateSerializer,
            "application/json": HearingRequestCreateSerializer,
        },
        responses={201: HearingRequestCreatedSerializer, **ANSWER_ERRORS},
        examples=[
            OpenApiExample(
                "A request",
                value={"reason": "I want to explain in person what happened."},
                request_only=True,
            ),
        ],
    )
    def post(self, request, case_uuid):
        case = _my_case(request, case_uuid)
        form = HearingRequestCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        hearing = resident_request_hearing(
            case=case,
            actor=request.user,
            reason=form.validated_data["reason"],
            files=form.validated_data["files"],
            context=AuditContext.from_request(request),
        )
        return Response(
            HearingRequestCreatedSerializer(hearing).data, status=status.HTTP_201_CREATED
        )


class ChargeListApi(generics.ListAPIView):
    serializer_class = ChargeSerializer

    def get_queryset(self):
        return resident_charges(self.request.user)

    @extend_schema(
        summary="My charges",
        description="Fines and costs I am liable for, with what was paid, waived and is owed.",
        responses={200: ChargeSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BalanceApi(APIView):
    @extend_schema(
        summary="What I owe in all",
        responses={200: BalanceSerializer, **error_responses(401, 403, 429)},
    )
    def get(self, request):
        return Response(BalanceSerializer({"balance": resident_balance(request.user)}).data)


# --- staff -----------------------------------------------------------------------------------


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
