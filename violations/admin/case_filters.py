"""The case list's filters: category and unit of the user's stratas, overdue, and unserved."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, scope_to_stratas
from properties.models import Unit
from violations.domain.workflow import SERVED_STATUSES
from violations.models import (
    ViolationCategory,
)
from violations.selectors.overdue import case_overdue_q
from violations.selectors.serving import unserved_parties_q


class ScopedChoiceFilter(admin.SimpleListFilter):
    """Choices from the user's stratas (narrowed by the switcher): one query, however many
    cases there are."""

    model = None

    def choices_queryset(self, request):
        queryset = scope_to_stratas(self.model.objects.all(), request.user, Right.VIEW_CASES)
        current = request.session.get(SESSION_STRATA_ID)
        return queryset.filter(strata_id=current) if current else queryset

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.parameter_name}_id": int(value)})
        return queryset


class CategoryFilter(ScopedChoiceFilter):
    title = gettext_lazy("category")
    parameter_name = "category"
    model = ViolationCategory

    def lookups(self, request, model_admin):
        rows = self.choices_queryset(request).order_by("name", "strata__name")
        return [(str(pk), name) for pk, name in rows.values_list("pk", "name")]


class UnitFilter(ScopedChoiceFilter):
    title = gettext_lazy("unit")
    parameter_name = "unit"
    model = Unit

    def lookups(self, request, model_admin):
        rows = self.choices_queryset(request).filter(archived_at__isnull=True)
        rows = rows.order_by("strata__name", "unit_number")
        return [
            (str(pk), _("%(unit)s, %(strata)s") % {"unit": number, "strata": strata})
            for pk, number, strata in rows.values_list("pk", "unit_number", "strata__name")
        ]


class OverdueFilter(admin.SimpleListFilter):
    """Open cases council should have decided, or whose hearing is overdue
    (``overdue.case_overdue_q``)."""

    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(case_overdue_q())


class UnservedFilter(admin.SimpleListFilter):
    """Cases whose notice has gone out but not yet reached every required party: a
    decision waits for them (SPA s.135)."""

    title = gettext_lazy("service")
    parameter_name = "unserved"

    def lookups(self, request, model_admin):
        return [("yes", _("A party not yet served"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(unserved_parties_q(), status__in=SERVED_STATUSES)


# --- the admin -----------------------------------------------------------------------------
