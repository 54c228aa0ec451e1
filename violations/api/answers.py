"""A party's written answer and hearing request, through the same services as staff
recording them (SPA s.135, s.34.1)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_meta import AuditContext
from violations.api.common import ANSWER_ERRORS, ANSWER_THROTTLES, my_case
from violations.api.serializers import (
    HearingRequestCreatedSerializer,
    HearingRequestCreateSerializer,
    ResponseCreatedSerializer,
    ResponseCreateSerializer,
)
from violations.services.responses import resident_request_hearing, resident_respond


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
        case = my_case(request, case_uuid)
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
        case = my_case(request, case_uuid)
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
