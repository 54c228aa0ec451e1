"""What the register endpoints show: a resident's own records and units (names and roles of
the people on them, never their contact details), and the register of a staff member's
stratas. Serializers read; the views call the services that write."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from properties.models import Occupancy, Person, Unit


class StrataRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()


class PersonSerializer(serializers.ModelSerializer):
    """One of the resident's own register records and their choices."""

    strata = StrataRefSerializer()

    class Meta:
        model = Person
        fields = [
            "uuid",
            "full_name",
            "strata",
            "newsletters",
            "email_for_notices",
            "email_for_notices_given_on",
        ]


class MeSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    is_staff_member = serializers.BooleanField(
        help_text=_("Whether this sign-in may use the staff endpoints.")
    )
    persons = PersonSerializer(many=True)


class PreferencesSerializer(serializers.Serializer):
    """A person's choices: newsletters, and the address for notices (a legal act: dated
    when given, audited, and the strata's managers told)."""

    newsletters = serializers.BooleanField(required=False)
    email_for_notices = serializers.EmailField(required=False, allow_blank=True, max_length=254)


class PreferencesOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["uuid", "newsletters", "email_for_notices", "email_for_notices_given_on"]


class PersonOnUnitSerializer(serializers.Serializer):
    full_name = serializers.CharField(source="person.full_name")
    role = serializers.ChoiceField(choices=Occupancy.Role.choices)
    role_label = serializers.CharField(source="get_role_display")


class UnitSerializer(serializers.ModelSerializer):
    """A resident's own unit and who lives on it or owns it."""

    strata = StrataRefSerializer()
    people = PersonOnUnitSerializer(many=True)

    class Meta:
        model = Unit
        fields = ["uuid", "unit_number", "strata_lot_number", "strata", "people"]


class OccupantSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(source="person.uuid")
    full_name = serializers.CharField(source="person.full_name")
    role = serializers.ChoiceField(choices=Occupancy.Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)


class StaffUnitSerializer(serializers.ModelSerializer):
    strata = StrataRefSerializer()
    occupants = OccupantSerializer(many=True, source="current")

    class Meta:
        model = Unit
        fields = [
            "uuid",
            "unit_number",
            "strata_lot_number",
            "floor",
            "is_townhouse",
            "strata",
            "occupants",
        ]


class PersonUnitSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(source="unit.uuid")
    unit_number = serializers.CharField(source="unit.unit_number")
    role = serializers.ChoiceField(choices=Occupancy.Role.choices)
    role_label = serializers.CharField(source="get_role_display")


class StaffPersonSerializer(serializers.ModelSerializer):
    strata = StrataRefSerializer()
    units = PersonUnitSerializer(many=True, source="current")

    class Meta:
        model = Person
        fields = [
            "uuid",
            "full_name",
            "email",
            "phone",
            "email_for_notices",
            "newsletters",
            "strata",
            "units",
        ]


class RegisterFilterSerializer(serializers.Serializer):
    strata = serializers.UUIDField(required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class SignInLinkSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
