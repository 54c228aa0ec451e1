"""One error shape for every API answer that is not a success (docs/api.md):
``{"detail": "a sentence", "code": "machine_code", "fields": {"field": ["message"]}}``."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    """The error shape, for the schema."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _flat(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flat(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flat(value)]
    return [str(detail)]


def _fields(detail, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                fields.update(_fields(value, f"{name}."))
            else:
                fields[name] = _flat(value)
    elif detail:
        fields["non_field_errors"] = _flat(detail)
    return fields


def exception_handler(exc, context):
    """DRF's handler, reshaped. Django's own ``ValidationError`` (raised by services) becomes
    a 400 with its field messages and its code (``TransitionRefused``: ``state``, ``role``,
    ``guard``...)."""
    django_code = None
    if isinstance(exc, DjangoValidationError):
        django_code = getattr(exc, "code", None)
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        if set(fields) == {"non_field_errors"}:
            detail = " ".join(fields["non_field_errors"])
        else:
            detail = "Some fields need attention."
        code = django_code or "invalid"
    else:
        detail = (
            str(exc.detail)
            if not isinstance(exc.detail, (list, dict))
            else " ".join(_flat(exc.detail))
        )
        fields = {}
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    response.data = {"detail": detail, "code": code, "fields": fields}
    return response
