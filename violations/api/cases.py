"""A resident's cases (docs/api.md): the cases where they are a party, the letters served on
them and the evidence shared with them (files leave as attachments, the resident copy only)."""

import mimetypes
from pathlib import PurePosixPath

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from uploads.serving import private_attachment
from violations.api.common import READ_ERRORS, AnyAccept, my_case
from violations.api.serializers import (
    CaseSerializer,
    EvidenceSerializer,
    LetterSerializer,
)
from violations.models import (
    Evidence,
    Letter,
)
from violations.selectors.resident import (
    may_answer_each,
    next_dates,
    resident_cases,
    resident_events_each,
    resident_evidence,
    resident_letters,
)


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
        return resident_letters(my_case(self.request, self.kwargs["case_uuid"]), self.request.user)

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
        case = my_case(request, case_uuid)
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
        case = my_case(self.request, self.kwargs["case_uuid"])
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
        case = my_case(request, case_uuid)
        evidence = resident_evidence(case, request.user).filter(uuid=evidence_uuid).first()
        if evidence is None:
            raise Http404
        stored = evidence.resident_copy
        content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
        filename = f"{case.reference}-{evidence.uuid}{PurePosixPath(stored.name).suffix}"
        return private_attachment(stored, filename=filename, content_type=content_type)
