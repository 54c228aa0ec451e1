"""A resident's charges and what they owe in all."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.views import error_responses
from violations.api.common import READ_ERRORS
from violations.api.serializers import (
    BalanceSerializer,
    ChargeSerializer,
)
from violations.selectors.resident import (
    resident_balance,
    resident_charges,
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
