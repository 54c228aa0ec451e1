"""What the outbox's admins share: selector-scoped rows and a strata filter of one's own."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import gettext_lazy as _

from accounts.admin_base import SelectorScopedAdmin
from accounts.models import Strata
from accounts.permissions import Right, is_superuser, scope_to_stratas


class DeferringChangeList(ChangeList):
    """A changelist that leaves the admin's ``list_defer`` columns (bodies) in the database."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.defer(*self.model_admin.list_defer)


class ReadOnlyAdmin(SelectorScopedAdmin):
    """Records no admin form writes: the outbox writes emails and events, the template editor
    (a view of its own) saves template versions through the service."""

    list_defer = ()

    def get_changelist(self, request, **kwargs):
        return DeferringChangeList

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StrataFilter(admin.SimpleListFilter):
    """The stratas the user manages the outbox of (and system mail, for superusers).

    One query for the choices, however large the outbox: unlike RelatedOnlyFieldListFilter it
    does not scan the rows for the stratas they use.
    """

    title = _("strata")
    parameter_name = "strata"
    field_path = "strata"
    NONE = "none"

    def lookups(self, request, model_admin):
        stratas = scope_to_stratas(
            Strata.objects.order_by("name"), request.user, Right.MANAGE_OUTBOX, via="pk"
        )
        choices = [(str(pk), name) for pk, name in stratas.values_list("pk", "name")]
        if is_superuser(request.user):
            choices.append((self.NONE, _("No strata (system mail)")))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.NONE:
            return queryset.filter(**{f"{self.field_path}__isnull": True})
        if value and value.isdigit():
            return queryset.filter(**{f"{self.field_path}_id": int(value)})
        return queryset


class EmailStrataFilter(StrataFilter):
    field_path = "email__strata"
