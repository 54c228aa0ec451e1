"""Suppressions in the staff admin: addresses that get no more non-legal email.

A suppression is address-wide, not per strata: an address that unsubscribed, bounced or
complained gets no campaign (or, for ``all``, no non-legal email) from any strata; legal notices
are never suppressed (a bounce on one is a paper-service task on its case). So:

- who: managers (``Right.MANAGE_OUTBOX`` in some strata) and superusers;
- seeing: a manager sees the suppressions of addresses held by persons of their stratas (the
  register's emails and notice addresses), superusers all of them;
- adding: through ``suppression_add`` (adding an existing address and scope updates its reason
  and note). Because a suppression stops mail from every strata, a manager may only stop
  newsletters to an address a person of their stratas holds; suppressing all email, or an
  address no person of theirs holds, is a superuser's act (docs/security.md);
- changing: nobody. Lifting (deleting) one: superusers only, audited
  (``suppression_remove``) — it re-subscribes someone who asked to be left alone.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy

from accounts.admin_base import strata_time_column
from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, can, is_superuser
from accounts.request_meta import AuditContext
from communications.models import Suppression
from communications.selectors import address_held_in_register_of, suppressions_visible_to
from communications.services import (
    ADDRESS_NOT_HELD,
    SCOPE_ALL_REFUSED,
    suppression_add,
    suppression_remove,
)


class SuppressionForm(forms.ModelForm):
    class Meta:
        model = Suppression
        fields = ("address", "reason", "scope", "note")

    actor = None  # set by the admin: whose stratas' addresses may be suppressed

    def clean_address(self):
        address = self.cleaned_data["address"].strip().lower()
        if not address_held_in_register_of(self.actor, address):
            raise forms.ValidationError(ADDRESS_NOT_HELD)
        return address

    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        if scope != Suppression.Scope.NEWSLETTERS and not is_superuser(self.actor):
            raise forms.ValidationError(SCOPE_ALL_REFUSED)
        return scope

    # suppression_add updates the row of an address and scope that exists already.
    def validate_unique(self):
        pass

    def validate_constraints(self):
        pass


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    form = SuppressionForm
    list_display = ("address", "scope", "reason", "note", "created", "updated")
    list_filter = ("scope", "reason")
    search_fields = ("address", "note")
    show_full_result_count = False
    fields = ("address", "reason", "scope", "note")

    # Address-wide, of no strata: the current zone (the switcher's strata, else the site's).
    created = strata_time_column("created_at", gettext_lazy("created at"), strata_path=None)
    updated = strata_time_column("updated_at", gettext_lazy("updated at"), strata_path=None)

    def get_queryset(self, request):
        queryset = suppressions_visible_to(
            request.user, strata_id=request.session.get(SESSION_STRATA_ID)
        )
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.fields, "created_at", "updated_at")

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else (*self.fields, "created_at", "updated_at")

    def has_module_permission(self, request):
        return can(request.user, Right.MANAGE_OUTBOX)

    def has_view_permission(self, request, obj=None):
        # Which rows: get_queryset. A suppression outside it answers as a missing one.
        return can(request.user, Right.MANAGE_OUTBOX)

    def has_add_permission(self, request):
        return can(request.user, Right.MANAGE_OUTBOX)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_superuser(request.user)

    def delete_model(self, request, obj):
        suppression_remove(
            suppression=obj, actor=request.user, context=AuditContext.from_request(request)
        )

    def delete_queryset(self, request, queryset):
        for suppression in queryset:
            self.delete_model(request, suppression)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        saved = suppression_add(
            address=form.cleaned_data["address"],
            reason=form.cleaned_data["reason"],
            scope=form.cleaned_data["scope"],
            note=form.cleaned_data["note"],
            actor=request.user,
            context=AuditContext.from_request(request),
        )
        obj.pk, obj.address = saved.pk, saved.address
        obj._state.adding = False
