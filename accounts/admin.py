"""Staff admin for stratas, users, memberships (invitations) and the audit log."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.admin_base import (
    SelectorScopedAdmin,
    StrataScopedAdmin,
    strata_filter,
    strata_time_column,
)
from accounts.audit import ACTION_NAMESPACES
from accounts.middleware import SESSION_STRATA_ID
from accounts.models import AuditLog, Strata, StrataMembership, User
from accounts.permissions import Right, is_superuser, scope_to_stratas
from accounts.request_meta import AuditContext
from accounts.selectors import audit_log_visible_to
from accounts.services import (
    membership_check_grantee,
    membership_end,
    membership_invite,
    strata_save,
)


@admin.register(Strata)
class StrataAdmin(StrataScopedAdmin):
    view_right = Right.VIEW_REGISTER
    edit_right = Right.EDIT_STRATA
    list_display = ("name", "plan_number", "time_zone", "notice_approvals_required")
    search_fields = ("name", "plan_number")
    list_filter = ("time_zone",)
    readonly_fields = ("archived_at",)
    fieldsets = (
        (None, {"fields": ("name", "plan_number", "time_zone", "address", "archived_at")}),
        (
            _("Letters and email"),
            {
                "fields": (
                    "postal_address",
                    "reply_email",
                    "letter_signature",
                    "sender_name",
                    "contact_line",
                ),
            },
        ),
        (
            _("Enforcement rules (BC: Strata Property Act and Regulation)"),
            {
                "fields": (
                    "max_fine_bylaw",
                    "max_fine_rule",
                    "response_window_days",
                    "continuing_interval_days",
                    "hearing_deadline_days",
                    "decision_deadline_days",
                    "fine_payable_within_days",
                    "notice_approvals_required",
                    "reminder_lead_days",
                ),
            },
        ),
    )

    def get_queryset(self, request):
        queryset = scope_to_stratas(
            admin.ModelAdmin.get_queryset(self, request), request.user, self.view_right, via="pk"
        )
        current = request.session.get(SESSION_STRATA_ID)
        return queryset.filter(pk=current) if current else queryset

    def _obj_strata(self, obj):
        return None if obj is None else obj.pk

    def has_add_permission(self, request):
        return is_superuser(request.user)

    def save_record(self, request, record, changed_fields, before):
        strata_save(
            strata=record,
            actor=request.user,
            changed_fields=changed_fields,
            before=before,
            context=AuditContext.from_request(request),
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Logins. Only the firm's administrators manage them; managers invite staff instead."""

    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_superuser", "last_login")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "created_at")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "phone")}),
        (_("Access"), {"fields": ("is_active", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "created_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    filter_horizontal = ()
    show_full_result_count = False

    def has_module_permission(self, request):
        return is_superuser(request.user)

    def has_view_permission(self, request, obj=None):
        return is_superuser(request.user)

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return is_superuser(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


# The same words whether or not the address already has an account (and whatever its name or
# state): an invitation reveals nothing about other accounts.
INVITED_MESSAGE = _(
    "%(email)s is invited as %(role)s of %(strata)s. The role starts once they accept the "
    "invitation sent to that address."
)


class InvitationForm(forms.ModelForm):
    """Invite someone to a staff role; they accept it from the email sent to the address."""

    email = forms.EmailField(
        label=_("Email"),
        help_text=_(
            "The invitation goes to this address; the role starts once its owner accepts it."
        ),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        help_text=_("How the email greets them if the address has no account name yet."),
    )

    actor = None  # the signed-in user (StrataMembershipAdmin.get_form)

    class Meta:
        model = StrataMembership
        fields = ("strata", "role", "starts_on")

    def clean(self):
        cleaned = super().clean()
        email, strata, role = cleaned.get("email"), cleaned.get("strata"), cleaned.get("role")
        if email:
            membership_check_grantee(actor=self.actor, email=email)
        if (
            email
            and strata
            and role
            and StrataMembership.objects.filter(
                user__email__iexact=email, strata=strata, role=role, ends_on__isnull=True
            ).exists()
        ):
            raise ValidationError({"email": _("This person already has this role here.")})
        return cleaned

    def validate_unique(self):
        """The user is chosen by the invitation service, so the model's checks come later."""


@admin.register(StrataMembership)
class StrataMembershipAdmin(StrataScopedAdmin):
    view_right = Right.MANAGE_MEMBERSHIPS
    edit_right = Right.MANAGE_MEMBERSHIPS
    list_display = (
        "user_email",
        "user_name",
        "role",
        "strata",
        "starts_on",
        "ends_on",
        "accepted_at",
    )
    list_select_related = ("user", "strata")
    list_filter = (
        "role",
        strata_filter(Right.MANAGE_MEMBERSHIPS, "strata", _("strata")),
        ("ends_on", admin.EmptyFieldListFilter),
    )
    search_fields = ("user__email", "user__full_name")
    readonly_fields = (
        "user_email",
        "user_name",
        "strata",
        "role",
        "starts_on",
        "ends_on",
        "ended_at",
    )
    actions = ("end_selected",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = InvitationForm
        form_class = super().get_form(request, obj, **kwargs)
        if obj is None:
            form_class.actor = request.user  # a class made for this request by the factory
        return form_class

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("email", "full_name", "strata", "role", "starts_on")
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        membership = membership_invite(
            strata=form.cleaned_data["strata"],
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            starts_on=form.cleaned_data.get("starts_on"),
            actor=request.user,
            context=AuditContext.from_request(request),
        )
        obj.pk, obj.user = membership.pk, membership.user

    def response_add(self, request, obj, post_url_continue=None):
        """One message for every address (Django's names the account's user)."""
        self.message_user(
            request,
            INVITED_MESSAGE
            % {"email": obj.user.email, "role": obj.get_role_display(), "strata": obj.strata.name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:accounts_stratamembership_changelist", current_app=self.admin_site.name)
        )

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, membership):
        return membership.user.email

    @admin.display(description=_("name"), ordering="user__full_name")
    def user_name(self, membership):
        # An account's name is shown once its holder accepted: before, it would tell the
        # inviter who already uses the address.
        if membership.accepted_at is None:
            return _("(invitation not accepted yet)")
        return membership.user.full_name

    @admin.action(description=_("End selected memberships today"))
    def end_selected(self, request, queryset):
        ended = sum(
            1
            for membership in queryset
            if self.run_service(request, membership_end, membership=membership)
        )
        if ended:
            self.message_user(request, _("Ended %(n)d memberships.") % {"n": ended})


class ActionFilter(admin.SimpleListFilter):
    """Entries by their action's namespace, from the fixed list of namespaces: no page asks
    the log for the actions it holds (a SELECT DISTINCT over the whole log)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(ACTION_NAMESPACES.items())

    def queryset(self, request, queryset):
        if self.value() in ACTION_NAMESPACES:
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


@admin.register(AuditLog)
class AuditLogAdmin(SelectorScopedAdmin):
    view_right = Right.READ_AUDIT
    edit_right = Right.READ_AUDIT
    selector = staticmethod(audit_log_visible_to)
    list_display = ("created", "action", "actor_label", "target_label", "strata", "ip_address")
    list_select_related = ("strata",)
    # Fixed choices only: a date hierarchy would list the log's distinct days on every page.
    list_filter = (
        ActionFilter,
        strata_filter(Right.READ_AUDIT, "strata", _("strata")),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("action", "actor_label", "target_label", "=target_uuid")
    readonly_fields = (
        "created_at",
        "action",
        "actor",
        "actor_label",
        "strata",
        "target_type",
        "target_uuid",
        "target_label",
        "changes",
        "ip_address",
        "user_agent",
    )
    fields = readonly_fields

    created = strata_time_column("created_at", _("created at"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
