"""What the case endpoints show and take. A resident's case carries the particulars as served
and never the description, the complaint, the complainant, notes or votes; a staff case is
the staff view of a case the user is not recused from. Serializers read; the views call the
services that write."""

import datetime as dt
import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from properties.api.serializers import StrataRefSerializer
from violations.domain.resident_words import status_words, step_words
from violations.models import (
    Bylaw,
    Charge,
    Complaint,
    Evidence,
    Hearing,
    Letter,
    Response,
    Status,
    Violation,
    ViolationCategory,
)
from violations.selectors.letters import html_to_text

MONEY = {"max_digits": 12, "decimal_places": 2}


class UnitRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    unit_number = serializers.CharField()


class BylawRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.Field):
    """A day (``2026-12-10``) or a moment (``2026-12-10T19:00:00-08:00``)."""

    def to_representation(self, value):
        if isinstance(value, dt.datetime):
            return serializers.DateTimeField().to_representation(value)
        return value.isoformat()


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "23:30"}
)
class LocalTimeField(serializers.TimeField):
    """A time of day in the strata's own zone, so without an offset (``23:30``)."""


class NextDateSerializer(serializers.Serializer):
    label = serializers.CharField()
    at = DateOrDateTimeField(help_text=_("A date, or a date and time."))


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    label = serializers.SerializerMethodField()

    def get_label(self, event) -> str:
        return str(step_words(event))


class CaseSerializer(serializers.ModelSerializer):
    """A case where one of my persons is a party: the particulars as served, where it
    stands, and the steps I am told of (never the complaint or who made it)."""

    strata = StrataRefSerializer()
    unit = UnitRefSerializer()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.SerializerMethodField(help_text=_("In plain words."))
    bylaws = BylawRefSerializer(many=True)
    next_date = NextDateSerializer(source="next_date_info", allow_null=True)
    may_respond = serializers.BooleanField(source="answers.respond")
    may_request_hearing = serializers.BooleanField(source="answers.request_hearing")
    events = EventSerializer(many=True, source="timeline")

    def get_status_label(self, case) -> str:
        return str(status_words(case))

    class Meta:
        model = Violation
        fields = [
            "uuid",
            "reference",
            "strata",
            "unit",
            "status",
            "status_label",
            "incident_on",
            "bylaws",
            "next_date",
            "may_respond",
            "may_request_hearing",
            "events",
        ]


class LetterSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    text = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Letter
        fields = ["uuid", "kind", "kind_label", "issued_at", "text", "pdf_url"]

    def get_text(self, letter) -> str:
        return html_to_text(letter.html)

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, letter) -> str | None:
        return self.context["file_url"](letter) if letter.pdf else None


class EvidenceSerializer(serializers.ModelSerializer):
    """The resident copy only: no file name, hash, size or capture metadata."""

    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["uuid", "kind", "description", "created_at", "file_url"]

    def get_file_url(self, evidence) -> str:
        return self.context["file_url"](evidence)


class FilesField(serializers.ListField):
    child = serializers.FileField()


class ResponseCreateSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_("What you answer to the notice."))
    declines_hearing = serializers.BooleanField(
        default=False, help_text=_("You do not want a hearing (in writing).")
    )
    files = FilesField(required=False, default=list, help_text=_("Photos or documents."))


class ResponseCreatedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = ["uuid", "received_at", "channel"]


class HearingRequestCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text=_("Why you ask for a hearing."))
    files = FilesField(required=False, default=list, help_text=_("Photos or documents."))


class HearingRequestCreatedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hearing
        fields = ["uuid", "requested_on", "hold_by"]


class ChargeSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference")
    amount = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    waived = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY)

    class Meta:
        model = Charge
        fields = [
            "uuid",
            "case_reference",
            "charged_on",
            "description",
            "amount",
            "paid",
            "waived",
            "balance",
        ]


class BalanceSerializer(serializers.Serializer):
    balance = serializers.DecimalField(**MONEY)


# --- staff -----------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "uuid"})
class ByUuidField(serializers.Field):
    """A record named by its uuid among ``queryset`` (the caller's scope, set by the
    serializer): one outside it is as unknown as one that does not exist."""

    default_error_messages = {"unknown": _("Unknown {name}.")}

    def __init__(self, *, name: str, **kwargs):
        self.name = name
        self.queryset = None
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            key = uuid.UUID(str(data))
        except ValueError:
            self.fail("unknown", name=self.name)
        found = self.queryset.filter(uuid=key).first()
        if found is None:
            self.fail("unknown", name=self.name)
        return found

    def to_representation(self, value):
        return str(value.uuid)


class ComplaintFileSerializer(serializers.Serializer):
    """A complaint filed from a phone or an integration, as the admin's form files it.
    Records are named by uuid among the stratas where you file cases."""

    unit = ByUuidField(name=_("unit"))
    category = ByUuidField(name=_("category"), required=False, allow_null=True, default=None)
    bylaws = serializers.ListField(
        child=ByUuidField(name=_("bylaw")), allow_empty=False, max_length=20
    )
    incident_on = serializers.DateField()
    incident_time = LocalTimeField(required=False, allow_null=True, default=None)
    incident_place = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    description = serializers.CharField(help_text=_("What happened."))
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices)
    received_on = serializers.DateField()
    complainant = ByUuidField(name=_("person"), required=False, allow_null=True, default=None)
    complainant_name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    details = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("What the complainant said.")
    )
    disclosure_warned = serializers.BooleanField(default=False)
    file_as = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "When an open case of the unit and bylaw exists: its uuid to add the complaint "
            "to it, or `new` to open a new case anyway."
        ),
    )
    photos = FilesField(required=False, default=list)

    def __init__(self, *args, scopes: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, queryset in (scopes or {}).items():
            field = self.fields[name]
            (field.child if isinstance(field, serializers.ListField) else field).queryset = queryset


class StaffBylawSerializer(serializers.ModelSerializer):
    strata = StrataRefSerializer()

    class Meta:
        model = Bylaw
        # A bylaw and a rule may share a number: ``kind`` tells them apart.
        fields = ["uuid", "strata", "kind", "number", "title"]


class StaffCategorySerializer(serializers.ModelSerializer):
    strata = StrataRefSerializer()
    default_bylaws = serializers.SerializerMethodField(
        help_text=_("The uuids of the bylaws this category suggests, as `bylaws` takes them.")
    )

    class Meta:
        model = ViolationCategory
        fields = ["uuid", "strata", "name", "description", "default_bylaws"]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_default_bylaws(self, category) -> list[str]:
        return [str(bylaw.uuid) for bylaw in category.default_bylaws.all()]


class StrataFilterSerializer(serializers.Serializer):
    strata = serializers.UUIDField(required=False)


class StaffBylawFilterSerializer(StrataFilterSerializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("Part of a number or title.")
    )


class FiledSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices)

    class Meta:
        model = Violation
        fields = ["uuid", "reference", "status"]


class StaffCaseSerializer(serializers.ModelSerializer):
    strata = StrataRefSerializer()
    unit = UnitRefSerializer()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    bylaws = BylawRefSerializer(many=True)

    class Meta:
        model = Violation
        fields = [
            "uuid",
            "reference",
            "strata",
            "unit",
            "status",
            "status_label",
            "incident_on",
            "bylaws",
            "response_deadline",
            "created_at",
        ]


class PartySerializer(serializers.Serializer):
    uuid = serializers.UUIDField(source="person.uuid")
    full_name = serializers.CharField(source="person.full_name")
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    required = serializers.BooleanField()


class IncidentSerializer(serializers.Serializer):
    on = serializers.DateField(source="incident_on")
    time = LocalTimeField(source="incident_time", allow_null=True)
    place = serializers.CharField(source="incident_place")
    description = serializers.CharField()


class DeadlinesSerializer(serializers.Serializer):
    stated_deadline = serializers.DateTimeField(allow_null=True)
    response_deadline = serializers.DateTimeField(allow_null=True)
    compliance_on = serializers.DateField(allow_null=True)
    hearing_hold_by = serializers.DateField(allow_null=True, source="hearing.hold_by")
    hearing_scheduled_for = serializers.DateTimeField(
        allow_null=True, source="hearing.scheduled_for"
    )


class StaffCaseDetailSerializer(StaffCaseSerializer):
    category = serializers.CharField(source="category.name", allow_null=True)
    incident = IncidentSerializer(source="*")
    parties = PartySerializer(many=True)
    deadlines = DeadlinesSerializer(source="*")

    class Meta(StaffCaseSerializer.Meta):
        fields = [
            *StaffCaseSerializer.Meta.fields,
            "category",
            "incident",
            "parties",
            "deadlines",
            "closed_at",
        ]


class StaffCaseFilterSerializer(serializers.Serializer):
    strata = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    unit = serializers.UUIDField(required=False)
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text=_("Part of a reference.")
    )
