"""CSV/XLSX import and export of the register (django-import-export resources).

Every imported row is saved through ``register_record_save`` (permission, same-strata
validation, audit), inside the import's transaction: a file with any bad row imports nothing
and the admin shows each row's errors (for a file too large to preview, the background job's
page does: properties.import_run). Stratas are named by plan number, units by number within
their strata, persons by uuid (or, for a new row, by name and email within the strata). Cells
are formula-safe on export and unescaped on import (accounts.csv_safety).
"""

import decimal
import uuid

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from accounts.csv_safety import escape_cell, unescape_cell
from accounts.models import Strata
from accounts.permissions import Right, scope_to_stratas
from accounts.request_meta import AuditContext
from properties.models import BikeLocker, Occupancy, ParkingSpot, Person, StorageLocker, Unit
from properties.services import register_record_check_edit, register_record_save


class StrataWidget(widgets.ForeignKeyWidget):
    """A strata by plan number, among those the importing user may edit."""

    def __init__(self, user):
        super().__init__(Strata, field="plan_number")
        self.user = user

    def clean(self, value, row=None, **kwargs):
        if not value:
            raise ValueError(_("The strata plan number is missing."))
        queryset = scope_to_stratas(
            Strata.objects.all(), self.user, Right.IMPORT_REGISTER, via="pk"
        )
        strata = queryset.filter(plan_number__iexact=str(value).strip()).first()
        if strata is None:
            raise ValueError(
                _("No strata with plan number %(plan)s that you may import into.") % {"plan": value}
            )
        return strata


class UnitWidget(widgets.ForeignKeyWidget):
    """A unit by its number within the row's strata (the ``strata`` column)."""

    def __init__(self, strata_widget, *, required=True):
        super().__init__(Unit, field="unit_number")
        self.strata_widget = strata_widget
        self.required = required

    def clean(self, value, row=None, **kwargs):
        if not value:
            if self.required:
                raise ValueError(_("The unit number is missing."))
            return None
        strata = self.strata_widget.clean(row.get("strata"), row)
        unit = Unit.objects.filter(
            strata=strata, unit_number__iexact=str(value).strip(), archived_at__isnull=True
        ).first()
        if unit is None:
            raise ValueError(
                _("%(strata)s has no unit %(unit)s.")
                % {"strata": strata.plan_number, "unit": value}
            )
        return unit

    def render(self, value, obj=None, **kwargs):
        return value.unit_number if value else ""


class RegisterDiff(resources.Diff):
    """The import preview's cells, read as the export writes them (unescaped).

    The stock diff reads each field's attribute only, so columns filled by a ``dehydrate_``
    method (a persons-with-occupancies row's strata and person) would be blank. A record not
    filled in yet (a new row, before the import) has no unit or person: those cells are empty.
    """

    def __init__(self, resource, instance, new):
        self.left = self.cells(resource, instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = self.cells(resource, instance)

    @staticmethod
    def cells(resource, instance) -> list:
        fields_ = resource.get_import_fields()
        if instance is None:
            return [""] * len(fields_)
        return [resource.preview_field(field, instance) for field in fields_]


class RegisterResource(resources.ModelResource):
    """Shared behaviour: the user's scope, audited saves, formula-safe cells."""

    strata_path = "strata"

    def __init__(self, user=None, context: AuditContext | None = None, on_row=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.context = context or AuditContext()
        self.on_row = on_row  # called with each row's number once it is imported
        self.strata_widget = StrataWidget(user)
        if "strata" in self.fields:
            self.fields["strata"].widget = self.strata_widget

    def get_queryset(self):
        return scope_to_stratas(
            super().get_queryset(), self.user, Right.VIEW_REGISTER, via=self.strata_path
        )

    def get_instance(self, instance_loader, row):
        """An unknown strata or unit here is reported by ``import_instance`` as a cell error,
        beside every other row's errors, rather than as a one-line import failure."""
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))

    def get_diff_class(self):
        return RegisterDiff

    def preview_field(self, field, instance):
        """A cell as the import preview shows it: the value itself, not escaped."""
        try:
            return super().export_field(field, instance)
        except ObjectDoesNotExist:  # a new row's occupancy before its unit and person are set
            return ""

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except decimal.InvalidOperation as error:
            # The number widgets parse with Decimal; say which cell is wrong, in words.
            raise ValueError(
                _("%(value)s is not a number.") % {"value": row.get(field.column_name)}
            ) from error

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        if self.on_row is not None:
            self.on_row(kwargs["row_number"])
        return result

    def before_import_row(self, row, **kwargs):
        for key, value in list(row.items()):
            row[key] = unescape_cell(value.strip() if isinstance(value, str) else value)

    def import_instance(self, instance, row, **kwargs):
        """Fill the record from the row, then refuse the row unless the user may make the change
        (``register_record_check_edit``: the edit right in the strata the record is in now and
        in the one the row puts it in; a move between stratas by a superuser only). A refused row
        is a row error in the preview, before anything of it is written."""
        super().import_instance(instance, row, **kwargs)
        try:
            register_record_check_edit(record=instance, actor=self.user)
        except PermissionDenied as error:
            raise ValidationError({NON_FIELD_ERRORS: [str(error)]}) from error

    def do_instance_save(self, instance, is_create):
        register_record_save(
            record=instance,
            actor=self.user,
            changed_fields=[f.attribute for f in self.get_import_fields() if f.attribute],
            context=self.context,
        )


class UnitResource(RegisterResource):
    strata = fields.Field(attribute="strata", column_name="strata")

    class Meta:
        model = Unit
        name = _("Units")
        fields = (
            "strata",
            "unit_number",
            "strata_lot_number",
            "floor",
            "is_townhouse",
            "phone",
            "notes",
        )
        import_id_fields = ("strata", "unit_number")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True).select_related("strata")


class FacilityResource(RegisterResource):
    """Stall and locker assignments: identifier and the unit number it belongs to (or blank)."""

    strata = fields.Field(attribute="strata", column_name="strata")
    unit = fields.Field(attribute="unit", column_name="unit")

    class Meta:
        fields = ("strata", "identifier", "unit", "notes")
        import_id_fields = ("strata", "identifier")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget = UnitWidget(self.strata_widget, required=False)

    def get_queryset(self):
        return super().get_queryset().select_related("strata", "unit")


class ParkingSpotResource(FacilityResource):
    class Meta(FacilityResource.Meta):
        model = ParkingSpot
        name = _("Parking stalls")


class StorageLockerResource(FacilityResource):
    class Meta(FacilityResource.Meta):
        model = StorageLocker
        name = _("Storage lockers")


class BikeLockerResource(FacilityResource):
    class Meta(FacilityResource.Meta):
        model = BikeLocker
        name = _("Bike lockers")


PERSON_COLUMNS = (
    "full_name",
    "email",
    "phone",
    "postal_address",
    "email_for_notices",
    "email_for_notices_given_on",
)


class PersonOccupancyResource(RegisterResource):
    """Persons with their occupancies: one row per occupancy, the person's details beside it.

    A row with a ``person_uuid`` updates that person; without one, a person of the same strata
    with the same name and email is reused (someone owning two units appears on two rows), or
    a new person is created.
    """

    strata_path = "unit__strata"
    occupancy_uuid = fields.Field(attribute="uuid", column_name="occupancy_uuid")
    strata = fields.Field(column_name="strata")
    unit = fields.Field(attribute="unit", column_name="unit")
    person_uuid = fields.Field(column_name="person_uuid")
    landlord_uuid = fields.Field(column_name="landlord_uuid")
    full_name = fields.Field(column_name="full_name")
    email = fields.Field(column_name="email")
    phone = fields.Field(column_name="phone")
    postal_address = fields.Field(column_name="postal_address")
    email_for_notices = fields.Field(column_name="email_for_notices")
    email_for_notices_given_on = fields.Field(column_name="email_for_notices_given_on")

    class Meta:
        model = Occupancy
        name = _("Persons with occupancies")
        fields = (
            "occupancy_uuid",
            "strata",
            "unit",
            "role",
            "starts_on",
            "ends_on",
            "person_uuid",
            *PERSON_COLUMNS,
            "landlord_uuid",
            "form_k_received_on",
            "is_primary_contact",
            "receives_newsletters",
        )
        import_id_fields = ("occupancy_uuid",)
        clean_model_instances = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget = UnitWidget(self.strata_widget)
        self._new_persons: dict[tuple, Person] = {}

    def get_queryset(self):
        return super().get_queryset().select_related("unit__strata", "person", "landlord")

    def get_instance(self, instance_loader, row):
        if not row.get("occupancy_uuid"):
            return None
        return super().get_instance(instance_loader, row)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "uuid" and not row.get("occupancy_uuid"):
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        strata = instance.unit.strata
        instance.person = self._person_for(row, strata)
        landlord_ref = row.get("landlord_uuid")
        instance.landlord = (
            self._existing_person(landlord_ref, strata, "landlord_uuid") if landlord_ref else None
        )

    def _existing_person(self, ref, strata, column) -> Person:
        person = Person.objects.filter(uuid=_uuid_or_error(ref, column), strata=strata).first()
        if person is None:
            raise ValidationError({column: _("No person %(ref)s in this strata.") % {"ref": ref}})
        return person

    def _person_for(self, row, strata) -> Person:
        ref = row.get("person_uuid")
        if ref:
            person = self._existing_person(ref, strata, "person_uuid")
        else:
            key = (
                strata.pk,
                (row.get("full_name") or "").lower(),
                (row.get("email") or "").lower(),
            )
            person = (
                self._new_persons.get(key)
                or Person.objects.filter(
                    strata=strata,
                    full_name__iexact=key[1],
                    email__iexact=key[2],
                    archived_at__isnull=True,
                ).first()
                or Person(strata=strata)
            )
            self._new_persons[key] = person
        before = {name: getattr(person, name) for name in PERSON_COLUMNS}
        for name in PERSON_COLUMNS:
            setattr(person, name, row.get(name) or "")
        given_on = row.get("email_for_notices_given_on")
        person.email_for_notices_given_on = (
            widgets.DateWidget().clean(given_on) if given_on else None
        )
        changed = [name for name in PERSON_COLUMNS if getattr(person, name) != before[name]]
        if person.pk is None or changed:
            try:
                register_record_save(
                    record=person,
                    actor=self.user,
                    changed_fields=changed,
                    before=before,
                    context=self.context,
                )
            except ValidationError as error:
                raise ValidationError(
                    {"full_name": _("Person: %(errors)s") % {"errors": "; ".join(error.messages)}}
                ) from error
        return person

    def dehydrate_strata(self, occupancy):
        return occupancy.unit.strata.plan_number

    def dehydrate_person_uuid(self, occupancy):
        return str(occupancy.person.uuid)

    def dehydrate_landlord_uuid(self, occupancy):
        return str(occupancy.landlord.uuid) if occupancy.landlord_id else ""

    def dehydrate_full_name(self, occupancy):
        return occupancy.person.full_name

    def dehydrate_email(self, occupancy):
        return occupancy.person.email

    def dehydrate_phone(self, occupancy):
        return occupancy.person.phone

    def dehydrate_postal_address(self, occupancy):
        return occupancy.person.postal_address

    def dehydrate_email_for_notices(self, occupancy):
        return occupancy.person.email_for_notices

    def dehydrate_email_for_notices_given_on(self, occupancy):
        given = occupancy.person.email_for_notices_given_on
        return given.isoformat() if given else ""


# The resources a background import may run, by the name its job stores.
RESOURCES = {
    resource.__name__: resource
    for resource in (
        UnitResource,
        PersonOccupancyResource,
        ParkingSpotResource,
        StorageLockerResource,
        BikeLockerResource,
    )
}


def _uuid_or_error(value, column):
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise ValidationError(
            {column: _("%(value)s is not a valid id.") % {"value": value}}
        ) from error
