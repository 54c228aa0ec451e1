"""Staff admin for the register: units (with occupancies and facilities inline), persons,
occupancies, stalls and lockers, with CSV/XLSX import and export."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from accounts.admin_base import StrataScopedAdmin, StrataScopedInline, strata_filter
from accounts.permissions import Right, strata_ids_with
from accounts.request_meta import AuditContext
from properties import register_io
from properties.form_k_admin import FormKAdminMixin
from properties.import_admin import RegisterImportMixin
from properties.models import BikeLocker, Occupancy, ParkingSpot, Person, StorageLocker, Unit
from properties.selectors import current_occupancy_q
from properties.services import (
    person_login_linkable_by,
    register_record_archive,
    register_record_check_edit,
    register_record_save,
)


class RegisterAdmin(RegisterImportMixin, ImportExportMixin, StrataScopedAdmin):
    """A register admin: saves through the register service, imports (bounded: properties.
    import_admin) and exports CSV/XLSX."""

    formats = [CSV, XLSX]

    def save_record(self, request, record, changed_fields, before):
        register_record_save(
            record=record,
            actor=request.user,
            changed_fields=changed_fields,
            before=before,
            context=AuditContext.from_request(request),
        )

    # ImportExportMixin comes before StrataScopedAdmin in the MRO; the role rules must decide,
    # not its defaults.
    has_import_permission = StrataScopedAdmin.has_import_permission
    has_export_permission = StrataScopedAdmin.has_export_permission

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Refuse a change the user may not make (a move to another strata: superusers only)
        as a form error, before the save; the service asks again when it saves."""
        form_class = super().get_form(request, obj, change, **kwargs)
        actor = request.user

        class RegisterRecordForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    register_record_check_edit(record=self.instance, actor=actor)
                except PermissionDenied as error:
                    self.add_error(None, str(error))

        return RegisterRecordForm

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user, "context": AuditContext.from_request(request)}

    @admin.action(description=_("Archive selected records"))
    def archive_selected(self, request, queryset):
        archived = 0
        for record in queryset:
            if self.run_service(request, register_record_archive, record=record):
                archived += 1
        if archived:
            self.message_user(request, _("Archived %(n)d records.") % {"n": archived})


class CurrentFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Ended or not started"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(current_occupancy_q())
        if self.value() == "no":
            return queryset.exclude(current_occupancy_q())
        return queryset


# The stratas where the user reads the register (one query of the strata table), rather than
# the stratas found by scanning the register table.
RegisterStrataFilter = strata_filter(Right.VIEW_REGISTER, "strata", _("strata"))


class ArchivedFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", _("Active")), ("yes", _("Archived"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        return queryset


OCCUPANCY_INLINE_FIELDS = (
    "person",
    "role",
    "starts_on",
    "ends_on",
    "landlord",
    "form_k_received_on",
    "is_primary_contact",
    "receives_newsletters",
)


class CurrentOccupancyInline(StrataScopedInline):
    """A unit's occupancies, dates and flags editable in place (end one by setting its end).

    Who and in what role are fixed once recorded; a change of landlord is made on the
    occupancy's own page. Showing them as text keeps the page at a fixed number of queries:
    each autocomplete widget would fetch its selected person, one query per row.
    """

    model = Occupancy
    fk_name = "unit"
    fields = OCCUPANCY_INLINE_FIELDS
    readonly_fields = ("person", "role", "landlord")
    verbose_name_plural = _("occupancies")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "person", "landlord")

    def has_add_permission(self, request, obj=None):
        return False


class OccupancyInline(StrataScopedInline):
    """Add-only rows for new occupancies of the unit, choosing persons by autocomplete."""

    model = Occupancy
    fk_name = "unit"
    fields = OCCUPANCY_INLINE_FIELDS
    autocomplete_fields = ("person", "landlord")
    verbose_name = _("new occupancy")
    verbose_name_plural = _("add occupancies")
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class FacilityInlineFormSet(BaseInlineFormSet):
    """Stalls and lockers added on the unit page take the unit's strata, where identifiers are
    unique: a duplicate (in the strata, or twice on the page) is a form error, never a 500 from
    the database. The inline form has no strata field, so the model's constraint, which names
    the strata, is not checked by the form itself."""

    def clean(self):
        super().clean()
        strata_id = self.instance.strata_id
        if strata_id is None:
            return
        seen = set()
        for form in self.forms:
            identifier = (form.cleaned_data or {}).get("identifier")
            if not identifier or not form.has_changed():
                continue
            key = identifier.strip().lower()
            taken = (
                self.model._default_manager.filter(strata_id=strata_id, identifier__iexact=key)
                .exclude(pk=form.instance.pk)
                .exists()
            )
            if key in seen or taken:
                form.add_error("identifier", _("This strata already has one with this identifier."))
            seen.add(key)


class FacilityInline(StrataScopedInline):
    fields = ("identifier", "notes")
    formset = FacilityInlineFormSet


class ParkingInline(FacilityInline):
    model = ParkingSpot


class StorageInline(FacilityInline):
    model = StorageLocker


class BikeInline(FacilityInline):
    model = BikeLocker


@admin.register(Unit)
class UnitAdmin(RegisterAdmin):
    resource_classes = [register_io.UnitResource]
    list_display = (
        "unit_number",
        "strata_lot_number",
        "floor",
        "is_townhouse",
        "strata_name",
        "current_occupants",
    )
    list_select_related = ("strata",)
    list_filter = (ArchivedFilter, "is_townhouse", RegisterStrataFilter)
    search_fields = ("unit_number", "strata__plan_number", "occupancies__person__full_name")
    autocomplete_fields = ("strata",)
    fields = (
        "strata",
        "unit_number",
        "strata_lot_number",
        "floor",
        "is_townhouse",
        "phone",
        "notes",
        "archived_at",
    )
    readonly_fields = ("archived_at",)
    inlines = (CurrentOccupancyInline, OccupancyInline, ParkingInline, StorageInline, BikeInline)
    actions = ("archive_selected",)
    ordering = ("strata__name", "unit_number")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                occupant_count=Count("occupancies", filter=current_occupancy_q("occupancies__"))
            )
        )

    @admin.display(description=_("strata"), ordering="strata__name")
    def strata_name(self, unit):
        return unit.strata.name

    @admin.display(description=_("current occupancies"), ordering="occupant_count")
    def current_occupants(self, unit):
        return unit.occupant_count

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            # Facilities added inline belong to the unit's strata.
            if hasattr(inline_form.instance, "identifier") and not inline_form.instance.strata_id:
                inline_form.instance.strata = form.instance.strata
        super().save_formset(request, form, formset, change)


class PersonOccupancyInline(StrataScopedInline):
    """A person's units, read here and edited on the unit page."""

    model = Occupancy
    fk_name = "person"
    fields = ("unit", "role", "starts_on", "ends_on", "is_primary_contact")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "person")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(RegisterAdmin):
    resource_classes = [register_io.PersonOccupancyResource]
    list_display = ("full_name", "email", "phone", "notice_by_email", "unit_numbers", "strata_name")
    list_select_related = ("strata",)
    list_filter = (ArchivedFilter, RegisterStrataFilter)
    search_fields = ("full_name", "email", "phone", "occupancies__unit__unit_number")
    autocomplete_fields = ("strata", "user")
    fields = (
        "strata",
        "full_name",
        "email",
        "phone",
        "postal_address",
        "email_for_notices",
        "email_for_notices_given_on",
        "pets",
        "user",
        "archived_at",
    )
    readonly_fields = ("archived_at",)
    inlines = (PersonOccupancyInline,)
    actions = ("archive_selected",)

    def get_readonly_fields(self, request, obj=None):
        if person_login_linkable_by(request.user):
            return self.readonly_fields
        return (*self.readonly_fields, "user")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "occupancies",
                    queryset=Occupancy.objects.filter(current_occupancy_q()).select_related("unit"),
                    to_attr="current_occupancies",
                )
            )
        )

    def get_export_queryset(self, request):
        return (
            register_io.PersonOccupancyResource(user=request.user)
            .get_queryset()
            .filter(person__in=super().get_export_queryset(request).values("pk"))
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The person's charges in the fines ledger, for those who read that strata's ledger.
        pk = unquote(object_id)
        ledger_stratas = strata_ids_with(request.user, Right.VIEW_LEDGER)
        if pk.isdigit() and (
            ledger_stratas is None
            or Person.objects.filter(pk=pk, strata_id__in=ledger_stratas).exists()
        ):
            url = reverse(
                "admin:violations_charge_person_ledger", args=[pk], current_app=self.admin_site.name
            )
            extra_context = {"ledger_url": url, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("strata"), ordering="strata__name")
    def strata_name(self, person):
        return person.strata.name

    @admin.display(description=_("notices by email"), boolean=True)
    def notice_by_email(self, person):
        return bool(person.email_for_notices)

    @admin.display(description=_("current units"))
    def unit_numbers(self, person):
        return ", ".join(
            f"{o.unit.unit_number} ({o.get_role_display()})" for o in person.current_occupancies
        )


@admin.register(Occupancy)
class OccupancyAdmin(FormKAdminMixin, RegisterAdmin):
    strata_path = "unit__strata"
    resource_classes = [register_io.PersonOccupancyResource]
    list_display = ("person", "unit", "role", "starts_on", "ends_on", "is_primary_contact")
    list_select_related = ("person", "unit", "unit__strata")
    list_filter = (
        CurrentFilter,
        "role",
        strata_filter(Right.VIEW_REGISTER, "unit__strata", _("strata")),
    )
    search_fields = ("person__full_name", "person__email", "unit__unit_number")
    autocomplete_fields = ("unit", "person", "landlord")
    date_hierarchy = "starts_on"
    fields = (
        "unit",
        "person",
        "role",
        "starts_on",
        "ends_on",
        "landlord",
        "form_k_received_on",
        "form_k_file",
        "is_primary_contact",
        "receives_newsletters",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(Q(unit__archived_at__isnull=True))


class FacilityAdmin(RegisterAdmin):
    list_display = ("identifier", "unit", "strata_name", "notes")
    list_select_related = ("strata", "unit")
    list_filter = (RegisterStrataFilter, ("unit", admin.EmptyFieldListFilter))
    search_fields = ("identifier", "unit__unit_number", "notes")
    autocomplete_fields = ("strata", "unit")
    fields = ("strata", "identifier", "unit", "notes")

    @admin.display(description=_("strata"), ordering="strata__name")
    def strata_name(self, facility):
        return facility.strata.name


@admin.register(ParkingSpot)
class ParkingSpotAdmin(FacilityAdmin):
    resource_classes = [register_io.ParkingSpotResource]


@admin.register(StorageLocker)
class StorageLockerAdmin(FacilityAdmin):
    resource_classes = [register_io.StorageLockerResource]


@admin.register(BikeLocker)
class BikeLockerAdmin(FacilityAdmin):
    resource_classes = [register_io.BikeLockerResource]
