"""Bylaws, rules and their categories in the staff admin, and the bylaw import.

Every staff member reads them (``Right.VIEW_REGISTER``); a strata's managers and council edit
and import (``Right.EDIT_BYLAWS``). Saves go through ``violations.services.bylaws``; nothing is
deleted (a bylaw that no longer applies is made inactive, and its revisions stay).

The import is two steps: the upload is parsed and previewed without writing; the preview
carries the file back signed, and confirming parses it again and applies it in one transaction.
"""

import base64
import copy
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_base import StrataScopedAdmin, StrataScopedInline
from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, can, scope_to_stratas
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from violations.admin.bylaw_import_forms import (
    IMPORT_SALT,
    BylawImportConfirmForm,
    BylawImportForm,
    import_initial,
)
from violations.domain.bylaw_parsing import MAX_FILE_BYTES
from violations.models import Bylaw, BylawCategory, BylawKind, BylawRevision, ViolationCategory
from violations.selectors.cases import bylaw_editing_today
from violations.services.bylaws import (
    ImportMode,
    ImportOutcome,
    bylaw_category_save,
    bylaw_import_apply,
    bylaw_import_plan,
    bylaw_problems,
    bylaw_save,
    violation_category_save,
)


@admin.display(description=gettext_lazy("strata"), ordering="strata__name")
def strata_name(record):
    return record.strata.name


# --- bylaws ----------------------------------------------------------------------------------


class BylawForm(forms.ModelForm):
    effective_on = forms.DateField(
        label=gettext_lazy("Text in force from"),
        widget=AdminDateWidget,
        help_text=gettext_lazy(
            "When the text is new or changed, the date this wording takes effect (for a bylaw, "
            "usually its Land Title Office filing date). Earlier incidents keep the earlier text."
        ),
    )

    class Meta:
        model = Bylaw
        fields = (
            "strata",
            "kind",
            "number",
            "title",
            "category",
            "part_number",
            "part_title",
            "is_active",
            "text",
            "fine_amount",
            "continuing_interval_days",
            "is_short_term_rental",
            "filed_on",
            "ratified_on",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "effective_on" in self.fields and self.instance.strata_id:
            self.fields["effective_on"].initial = strata_today(self.instance.strata)

    def clean(self):
        """The Reg 7.1 caps and same-strata rules as field errors, before the database sees
        them (its constraints would only say which constraint failed)."""
        cleaned = super().clean()
        probe = copy.copy(self.instance)
        for field in Bylaw._meta.concrete_fields:
            if field.name in cleaned:
                setattr(probe, field.name, cleaned[field.name])
        if probe.strata_id:
            text_changed = self.instance.pk is None or "text" in self.changed_data
            revision_on = cleaned.get("effective_on") if text_changed else None
            for name, message in bylaw_problems(probe, revision_on=revision_on).items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned


class BylawRevisionInline(StrataScopedInline):
    """Every wording the bylaw has had, newest first; revisions are written by saves only."""

    model = BylawRevision
    fields = ("effective_on", "text", "saved_by", "created_at")
    readonly_fields = fields
    ordering = ("-effective_on", "-id")
    show_change_link = False
    verbose_name_plural = gettext_lazy("texts in force (newest first)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bylaw", "created_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("saved by"))
    def saved_by(self, revision):
        return revision.created_by.email if revision.created_by_id else _("system")


@admin.register(Bylaw)
class BylawAdmin(StrataScopedAdmin):
    form = BylawForm
    edit_right = Right.EDIT_BYLAWS
    list_display = ("number", "title", "kind", "part", "fine", "is_active", strata_name)
    list_display_links = ("number", "title")
    list_select_related = ("strata",)
    list_filter = (
        "kind",
        "part_title",
        ("category", admin.RelatedOnlyFieldListFilter),
        "is_active",
    )
    search_fields = ("number", "title", "text")
    autocomplete_fields = ("strata", "category")
    ordering = ("strata__name", "kind", "number")
    inlines = (BylawRevisionInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "strata",
                    "kind",
                    "number",
                    "title",
                    "category",
                    "part_number",
                    "part_title",
                    "is_active",
                )
            },
        ),
        (gettext_lazy("Wording"), {"fields": ("text", "effective_on")}),
        (
            gettext_lazy("Fines (blank: the strata's settings)"),
            {"fields": ("fine_amount", "continuing_interval_days", "is_short_term_rental")},
        ),
        (gettext_lazy("Adoption"), {"fields": ("filed_on", "ratified_on")}),
    )

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="violations_bylaw_import",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fieldsets
        # Read-only: "in force from" belongs to an edit and is shown in the revisions.
        return [
            (title, {**box, "fields": tuple(f for f in box["fields"] if f != "effective_on")})
            for title, box in self.fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return ("strata",) if obj is not None else ()

    def get_changeform_initial_data(self, request):
        """A new bylaw's text is in force from today in its strata's time."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("effective_on", bylaw_editing_today(request.user, initial.get("strata")))
        return initial

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_import": can(request.user, Right.EDIT_BYLAWS),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        bylaw_save(
            bylaw=obj,
            actor=request.user,
            effective_on=form.cleaned_data.get("effective_on"),
            context=AuditContext.from_request(request),
        )

    @admin.display(description=gettext_lazy("part"), ordering="part_number")
    def part(self, bylaw):
        return " ".join(filter(None, [bylaw.part_number, bylaw.part_title])) or "—"

    @admin.display(description=gettext_lazy("fine"), ordering="fine_amount")
    def fine(self, bylaw):
        if bylaw.fine_amount is None:
            return _("strata maximum")
        if bylaw.is_short_term_rental and bylaw.continuing_interval_days == 1:
            return _("$%(amount)s, daily") % {"amount": bylaw.fine_amount}
        return f"${bylaw.fine_amount}"

    # --- import ---------------------------------------------------------------------------
    def import_view(self, request):
        if not can(request.user, Right.EDIT_BYLAWS):
            raise PermissionDenied
        if request.method == "POST" and "_confirm" in request.POST:
            return self._import_confirm(request)
        if request.method == "POST":
            form = BylawImportForm(request.POST, request.FILES, user=request.user)
            if form.is_valid():
                return self._import_preview(request, form)
        else:
            form = BylawImportForm(user=request.user, initial=import_initial(request))
        return self._render(
            request, "admin/violations/bylaw_import.html", _("Import bylaws"), {"form": form}
        )

    def _import_preview(self, request, form):
        data = form.cleaned_data
        plan = bylaw_import_plan(
            strata=data["strata"],
            sections=form.sections,
            mode=data["mode"],
            effective_on=data["effective_on"],
        )
        payload = signing.dumps(
            {
                "user": request.user.pk,
                "strata": data["strata"].pk,
                "file_format": data["file_format"],
                "kind": data["kind"],
                "mode": data["mode"],
                "effective_on": data["effective_on"].isoformat(),
                "content": base64.b64encode(form.content).decode("ascii"),
            },
            salt=IMPORT_SALT,
            compress=True,
        )
        counts = Counter(row.outcome for row in plan)
        context = {
            "strata": data["strata"],
            "kind_label": BylawKind(data["kind"]).label,
            "mode_label": ImportMode(data["mode"]).label,
            "effective_on": data["effective_on"],
            "plan": plan,
            "counts": [(outcome.label, counts[outcome]) for outcome in ImportOutcome],
            "writes": counts[ImportOutcome.NEW] + counts[ImportOutcome.CHANGED],
            "problems": sum(1 for row in plan if row.problem),
            "confirm_form": BylawImportConfirmForm(initial={"payload": payload}, user=request.user),
        }
        return self._render(
            request,
            "admin/violations/bylaw_import_preview.html",
            _("Import bylaws: preview"),
            context,
        )

    def _import_confirm(self, request):
        confirm = BylawImportConfirmForm(request.POST, user=request.user)
        if confirm.is_valid():
            result = self.run_service(request, bylaw_import_apply, **confirm.import_args)
            if result is not None:
                self.message_user(
                    request,
                    _(
                        "Imported into %(strata)s: %(created)d new, %(updated)d updated, "
                        "%(unchanged)d unchanged, %(skipped)d skipped."
                    )
                    % {"strata": confirm.import_args["strata"].name, **vars(result)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:violations_bylaw_changelist"))
        else:
            for message in confirm.errors.get("payload", []):
                self.message_user(request, message, messages.ERROR)
        form = BylawImportForm(user=request.user, initial=import_initial(request))
        return self._render(
            request, "admin/violations/bylaw_import.html", _("Import bylaws"), {"form": form}
        )

    def _render(self, request, template, title, context):
        form = context.get("form") or context.get("confirm_form")
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "media": self.media + form.media,
            "max_kb": MAX_FILE_BYTES // 1000,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)


# --- categories ------------------------------------------------------------------------------


class CategoryAdmin(StrataScopedAdmin):
    """Categories: read by all staff, edited by those who edit bylaws; a category stays in
    its strata."""

    edit_right = Right.EDIT_BYLAWS
    # Explicit: the bylaw count's GROUP BY drops Meta.ordering, and autocomplete pages need one.
    ordering = ("strata__name", "name")
    list_select_related = ("strata",)
    list_filter = (("strata", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "description")
    autocomplete_fields = ("strata",)

    def get_readonly_fields(self, request, obj=None):
        return ("strata",) if obj is not None else ()

    def get_changeform_initial_data(self, request):
        """A new bylaw's text is in force from today in its strata's time."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("effective_on", bylaw_editing_today(request.user, initial.get("strata")))
        return initial


@admin.register(BylawCategory)
class BylawCategoryAdmin(CategoryAdmin):
    list_display = ("name", strata_name, "bylaw_count")
    fields = ("strata", "name", "description")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(bylaw_count=Count("bylaws"))

    @admin.display(description=gettext_lazy("bylaws"), ordering="bylaw_count")
    def bylaw_count(self, category):
        return category.bylaw_count

    def save_record(self, request, record, changed_fields, before):
        bylaw_category_save(
            category=record, actor=request.user, context=AuditContext.from_request(request)
        )


class ViolationCategoryForm(forms.ModelForm):
    class Meta:
        model = ViolationCategory
        fields = ("strata", "name", "description", "default_bylaws", "is_active")

    def clean(self):
        cleaned = super().clean()
        strata = cleaned.get("strata") or (self.instance.strata if self.instance.pk else None)
        bylaws = cleaned.get("default_bylaws") or []
        if strata is not None and any(bylaw.strata_id != strata.pk for bylaw in bylaws):
            self.add_error("default_bylaws", _("Choose bylaws of this category's strata only."))
        return cleaned


@admin.register(ViolationCategory)
class ViolationCategoryAdmin(CategoryAdmin):
    form = ViolationCategoryForm
    list_display = ("name", strata_name, "bylaw_numbers", "is_active")
    list_filter = ("is_active", *CategoryAdmin.list_filter)
    fields = ("strata", "name", "description", "default_bylaws", "is_active")
    filter_horizontal = ("default_bylaws",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("default_bylaws")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        field = form.base_fields.get("default_bylaws")
        if field is not None:
            # A category's bylaws come from its own strata (or, for a new one, the user's).
            bylaws = scope_to_stratas(Bylaw.objects.all(), request.user, Right.EDIT_BYLAWS)
            if obj is not None:
                bylaws = bylaws.filter(strata=obj.strata_id)
            elif request.session.get(SESSION_STRATA_ID):
                bylaws = bylaws.filter(strata=request.session[SESSION_STRATA_ID])
            field.queryset = bylaws.order_by("kind", "number")
        return form

    @admin.display(description=gettext_lazy("default bylaws"))
    def bylaw_numbers(self, category):
        return ", ".join(bylaw.number for bylaw in category.default_bylaws.all()) or "—"

    def save_model(self, request, obj, form, change):
        violation_category_save(
            category=obj,
            actor=request.user,
            default_bylaws=form.cleaned_data.get("default_bylaws"),
            context=AuditContext.from_request(request),
        )

    def save_related(self, request, form, formsets, change):
        """Nothing left to save: the service has set the default bylaws."""
