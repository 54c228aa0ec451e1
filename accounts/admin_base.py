"""What every strata-scoped ModelAdmin shares: role rules, strata scoping and audited saves.

Rows, foreign-key choices and autocomplete results are limited to the stratas where the user
has the admin's rights (accounts.permissions), then narrowed to the strata chosen in the
switcher. Nothing is deleted from the admin: records are archived or ended by services.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.utils import dateformat

from accounts.middleware import SESSION_STRATA_ID
from accounts.models import Strata
from accounts.permissions import Right, can, is_superuser, scope_to_stratas
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_localtime

# A time in a list: "2026-11-25 10:00 PST" (the zone's abbreviation says which zone).
LIST_TIME_FORMAT = "Y-m-d H:i T"


def strata_id_of(obj: Model, path: str) -> int | None:
    """Follow ``path`` (``strata`` or ``unit__strata``) from ``obj`` to a strata id."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def strata_of(obj: Model, path: str) -> Strata | None:
    """Follow ``path`` from ``obj`` to its strata (loaded with it: list_select_related)."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, last) if getattr(obj, f"{last}_id", None) is not None else None


def strata_time_column(field: str, description, strata_path: str | None = "strata"):
    """A list column showing ``field`` in its row's strata's zone, labelled with the zone's
    abbreviation, whichever strata the switcher picked (a list of all one's stratas mixes
    zones). A row of no strata, or a model without one (``strata_path=None``), is shown in the
    current zone: the switcher's strata, else settings.TIME_ZONE. The admin's
    ``list_select_related`` must reach the strata, so no row costs a query."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        value = getattr(obj, field)
        if value is None:
            return self.get_empty_value_display()
        strata = strata_of(obj, strata_path) if strata_path else None
        return dateformat.format(strata_localtime(value, strata), LIST_TIME_FORMAT)

    return column


def scope_foreign_key_choices(db_field, user, right: Right, kwargs: dict) -> None:
    """Offer only stratas, and records of stratas, where ``user`` has ``right``."""
    related = db_field.related_model
    if related is Strata:
        kwargs["queryset"] = scope_to_stratas(
            Strata.objects.filter(archived_at__isnull=True), user, right, via="pk"
        )
    elif any(f.name == "strata" for f in related._meta.get_fields()):
        queryset = scope_to_stratas(related._default_manager.all(), user, right)
        if any(f.name == "archived_at" for f in related._meta.get_fields()):
            queryset = queryset.filter(archived_at__isnull=True)
        kwargs["queryset"] = queryset.select_related("strata")


def strata_filter(right: Right, strata_path: str, label: str) -> type[admin.SimpleListFilter]:
    """A "strata" list filter offering only the stratas where the user holds ``right`` (one
    query, never another strata's name), filtering rows by ``<strata_path>_id``."""

    class StrataFilter(admin.SimpleListFilter):
        title = label
        parameter_name = "strata"

        def lookups(self, request, model_admin):
            stratas = scope_to_stratas(
                Strata.objects.order_by("name"), request.user, right, via="pk"
            )
            return [(str(pk), name) for pk, name in stratas.values_list("pk", "name")]

        def queryset(self, request, queryset):
            value = self.value()
            if value and value.isdigit():
                return queryset.filter(**{f"{strata_path}_id": int(value)})
            return queryset

    return StrataFilter


class StrataScopedAdmin(admin.ModelAdmin):
    """Base for admins of models that belong to a strata."""

    strata_path = "strata"
    view_right = Right.VIEW_REGISTER
    edit_right = Right.EDIT_REGISTER
    show_full_result_count = False

    # --- rows -----------------------------------------------------------------------------
    def get_queryset(self, request):
        queryset = scope_to_stratas(
            super().get_queryset(request), request.user, self.view_right, via=self.strata_path
        )
        current = request.session.get(SESSION_STRATA_ID)
        if current:
            queryset = queryset.filter(**{f"{self.strata_path}_id": current})
        return queryset

    # --- rights ---------------------------------------------------------------------------
    def _obj_strata(self, obj):
        return None if obj is None else strata_id_of(obj, self.strata_path)

    def has_module_permission(self, request):
        return can(request.user, self.view_right)

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.view_right, self._obj_strata(obj)) or (
            self.has_change_permission(request, obj)
        )

    def has_add_permission(self, request):
        return can(request.user, self.edit_right)

    def has_change_permission(self, request, obj=None):
        return can(request.user, self.edit_right, self._obj_strata(obj))

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return can(request.user, Right.IMPORT_REGISTER)

    def has_export_permission(self, request):
        return can(request.user, self.view_right)

    # --- choices --------------------------------------------------------------------------
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope_foreign_key_choices(db_field, request.user, self.edit_right, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        """An add form's strata starts at the one the user works in (default_strata_id)."""
        initial = super().get_changeform_initial_data(request)
        if "strata" not in initial and self._has_strata_field():
            strata_id = self.default_strata_id(request)
            if strata_id is not None:
                initial["strata"] = strata_id
        return initial

    def default_strata_id(self, request) -> int | None:
        """The strata picked in the switcher, else the user's only (unarchived) strata where
        this admin lets them add; None when they add in several and picked none."""
        current = request.session.get(SESSION_STRATA_ID)
        if current:
            return current if can(request.user, self.edit_right, current) else None
        stratas = scope_to_stratas(
            Strata.objects.filter(archived_at__isnull=True), request.user, self.edit_right, via="pk"
        )
        ids = list(stratas.values_list("pk", flat=True)[:2])
        return ids[0] if len(ids) == 1 else None

    def _has_strata_field(self) -> bool:
        field = next((f for f in self.model._meta.fields if f.name == "strata"), None)
        return field is not None and field.related_model is Strata

    # --- writes go through services -------------------------------------------------------
    def save_record(self, request, record, changed_fields, before):
        """Persist one record through the app's service. Subclasses name the service."""
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        before = {name: form.initial.get(name) for name in form.changed_data}
        self.save_record(request, obj, form.changed_data, before)

    def save_formset(self, request, form, formset, change):
        """Save each changed inline row through the service; nothing is deleted inline."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed():
                continue
            is_new = inline_form.instance.pk is None
            record = inline_form.save(commit=False)
            before = {name: inline_form.initial.get(name) for name in inline_form.changed_data}
            self.save_record(request, record, inline_form.changed_data, before)
            inline_form.save_m2m()
            if is_new:
                formset.new_objects.append(record)
            else:
                formset.changed_objects.append((record, inline_form.changed_data))

    def run_service(self, request, service, **kwargs):
        """Call a service for an admin action and report each refusal as a message."""
        try:
            return service(actor=request.user, context=AuditContext.from_request(request), **kwargs)
        except (PermissionDenied, ValidationError) as error:
            text = "; ".join(getattr(error, "messages", [str(error)]))
            self.message_user(request, text, level="error")
            return None


class SelectorScopedAdmin(StrataScopedAdmin):
    """Rows come from ``selector(user)``, narrowed to the strata chosen in the switcher.

    The selector is where rows hidden from the user besides other stratas' are left out (a
    recused member's case mail and audit entries). Rows of no strata (system mail, the
    administrators' audit entries) belong to superusers only, whatever ``can()`` says about
    "some strata".
    """

    selector = None  # staticmethod(<app>.selectors.<things>_visible_to)

    def get_queryset(self, request):
        queryset = self.selector(request.user)
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        current = request.session.get(SESSION_STRATA_ID)
        if current:
            queryset = queryset.filter(**{f"{self.strata_path}_id": current})
        return queryset

    def has_view_permission(self, request, obj=None):
        if obj is not None and strata_id_of(obj, self.strata_path) is None:
            return is_superuser(request.user)
        return can(request.user, self.view_right, self._obj_strata(obj))


class StrataScopedInline(admin.TabularInline):
    """An inline on a strata-scoped parent: the parent's strata decides the rights."""

    extra = 0
    can_delete = False
    show_change_link = True
    parent_strata_path = "strata"

    def _parent_strata(self, obj):
        return None if obj is None else strata_id_of(obj, self.parent_strata_path)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Right.VIEW_REGISTER, self._parent_strata(obj))

    def has_add_permission(self, request, obj=None):
        return can(request.user, Right.EDIT_REGISTER, self._parent_strata(obj))

    def has_change_permission(self, request, obj=None):
        return can(request.user, Right.EDIT_REGISTER, self._parent_strata(obj))

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope_foreign_key_choices(db_field, request.user, Right.EDIT_REGISTER, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
