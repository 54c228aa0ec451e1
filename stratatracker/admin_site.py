"""The staff admin site: membership-based access, the strata switcher and the dashboard."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.middleware import SESSION_STRATA_ID, SESSION_STRATA_TZ
from accounts.permissions import Right, can, is_staff_member
from accounts.selectors import stratas_visible_to
from communications.selectors import outbox_stats_for
from properties.selectors import register_counts_for

# The dashboard's outbox panel (DESIGN §7): figure, label, and the status its link filters by.
OUTBOX_PANEL = (
    ("queued", _("Queued"), "queued"),
    ("sent", _("Sent"), "sent"),
    ("failed", _("Failed"), "failed"),
    ("suppressed", _("Suppressed"), "suppressed"),
    ("duplicates", _("Duplicates prevented"), "duplicate"),
    ("unknown", _("Unknown (worker lost mid-send)"), "unknown"),
    ("retries", _("Retries after temporary errors"), None),
    ("recipients", _("Unique recipients of sent email"), None),
)


class StaffAuthenticationForm(AdminAuthenticationForm):
    """Admin login for superusers and anyone with a current strata membership."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct email address and password for a staff account. "
            "Both fields may be case-sensitive."
        ),
    }

    def confirm_login_allowed(self, user):
        forms.Form.clean(self)
        if not user.is_active or not is_staff_member(user):
            raise forms.ValidationError(
                _("This account has no current staff role in any strata."), code="invalid_login"
            )


class StaffAdminSite(admin.AdminSite):
    site_header = _("StrataTracker")
    site_title = _("StrataTracker staff")
    index_title = _("Dashboard")
    login_form = StaffAuthenticationForm
    index_template = "admin/dashboard.html"
    site_url = None  # there is no public site root; residents arrive by emailed links

    def has_permission(self, request):
        return request.user.is_active and is_staff_member(request.user)

    def each_context(self, request):
        context = super().each_context(request)
        if getattr(request, "user", None) is not None and self.has_permission(request):
            context["switcher_stratas"] = stratas_visible_to(request.user)
            context["current_strata_id"] = request.session.get(SESSION_STRATA_ID)
        return context

    def index(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "register_counts": register_counts_for(request.user),
            "outbox_stats": self.outbox_panel(request),
        }
        return super().index(request, extra_context)

    def outbox_panel(self, request) -> list[dict] | None:
        """The outbox's figures for the last 24 hours and 7 days, for those who manage it."""
        if not can(request.user, Right.MANAGE_OUTBOX):
            return None
        stats = outbox_stats_for(request.user)
        changelist = reverse("admin:communications_outboundemail_changelist", current_app=self.name)
        return [
            {
                "key": key,
                "label": label,
                "day": stats["day"][key],
                "week": stats["week"][key],
                "url": f"{changelist}?status__exact={status}" if status else "",
            }
            for key, label, status in OUTBOX_PANEL
        ]

    def get_urls(self):
        return [
            path("switch-strata/", self.admin_view(self.switch_strata), name="switch_strata"),
            *super().get_urls(),
        ]

    @staticmethod
    @require_POST
    def switch_strata(request):
        """Narrow every changelist to one strata (or back to all), kept in the session."""
        choice = request.POST.get("strata", "")
        strata = stratas_visible_to(request.user).filter(uuid=choice).first() if choice else None
        if choice and strata is None:
            messages.error(request, _("You have no role in that strata."))
        elif strata is None:
            request.session.pop(SESSION_STRATA_ID, None)
            request.session.pop(SESSION_STRATA_TZ, None)
            messages.info(request, _("Showing all your stratas."))
        else:
            request.session[SESSION_STRATA_ID] = strata.pk
            request.session[SESSION_STRATA_TZ] = strata.time_zone
            messages.info(request, _("Showing %(strata)s only.") % {"strata": strata.name})
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = "../"
        return HttpResponseRedirect(next_url)
