"""The staff admin site: membership-based access, the strata switcher and the dashboard."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.middleware import SESSION_STRATA_ID, SESSION_STRATA_TZ
from accounts.permissions import Right, can, is_staff_member
from accounts.resident_session import is_resident_only
from accounts.selectors import stratas_visible_to
from campaigns.selectors import current_announcements
from communications.selectors import outbox_stats_for
from properties.selectors import register_counts_for
from stratatracker.scheduling.selectors import scheduled_job_list
from violations.models import Status
from violations.selectors.cases import (
    case_counts_for,
    cases_awaiting_council_for,
    hearings_due_for,
    may_see_cases_awaiting_council,
)
from violations.selectors.ledger import outstanding_balances_for

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
# The dashboard's cases panel: the statuses it counts in columns, in workflow order; the rest
# (decided, rejected, withdrawn, closed) are summed as "finished".
CASE_PANEL_STATUSES = (
    Status.REPORTED,
    Status.WARNED,
    Status.NOTICE_PENDING_APPROVAL,
    Status.NOTICE_SENT,
    Status.RESPONDED,
    Status.HEARING_REQUESTED,
    Status.HEARING_SCHEDULED,
    Status.AWAITING_DECISION,
)
DASHBOARD_HEARINGS = 10  # the soonest hearings due the dashboard lists
DASHBOARD_ANNOUNCEMENTS = 10  # the most urgent current announcements the dashboard shows


def case_change_url(case, current_app: str) -> str:
    return reverse("admin:violations_violation_change", args=[case.pk], current_app=current_app)


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
        # A session a resident link started is resident only, whoever the account is.
        return (
            request.user.is_active
            and is_staff_member(request.user)
            and not is_resident_only(request)
        )

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
            "scheduled_jobs": self.scheduled_jobs_panel(request),
            **self.cases_panel(request),
            "outstanding_balances": self.ledger_panel(request),
            "repeat_offenders": self.repeat_offenders_panel(request),
            **self.announcements_panel(request),
        }
        return super().index(request, extra_context)

    def announcements_panel(self, request) -> dict:
        """The announcements shown now in the user's stratas, the most urgent first, as their
        residents see them; each links to its page for those who post them. One query."""
        user = request.user
        found = list(
            current_announcements(stratas_visible_to(user).values("pk"))[
                : DASHBOARD_ANNOUNCEMENTS + 1
            ]
        )
        shown = found[:DASHBOARD_ANNOUNCEMENTS]
        for announcement in shown:
            if can(user, Right.POST_ANNOUNCEMENTS, announcement.strata_id):
                announcement.admin_url = reverse(
                    "admin:campaigns_announcement_change",
                    args=[announcement.pk],
                    current_app=self.name,
                )
        return {
            "announcements": shown,
            "announcements_more": len(found) > DASHBOARD_ANNOUNCEMENTS,
            "can_post_announcements": can(user, Right.POST_ANNOUNCEMENTS),
        }

    def repeat_offenders_panel(self, request) -> dict | None:
        from violations.admin.repeat_offenders import repeat_offenders_panel

        return repeat_offenders_panel(request.user)

    def get_app_list(self, request, app_label=None):
        """Admins may name their entry apart from their model (``app_list_name``): the print
        queue lists ``LetterDelivery`` rows but is not every service record."""
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for entry in app["models"]:
                name = getattr(self._registry.get(entry["model"]), "app_list_name", None)
                if name:
                    entry["name"] = name
        return app_list

    def cases_panel(self, request) -> dict:
        """The dashboard's cases (DESIGN §9) for those who see cases: counts by status per
        strata, notices awaiting approval or service, responses awaiting decision, hearings
        due with days left. Three queries, however many cases."""
        if not can(request.user, Right.VIEW_CASES):
            return {"case_counts": None}
        counts = case_counts_for(request.user)
        for row in counts:
            row["columns"] = [row["statuses"][s] for s in CASE_PANEL_STATUSES]
            row["finished"] = row["total"] - sum(row["columns"])
        hearings = hearings_due_for(request.user, limit=DASHBOARD_HEARINGS)
        for hearing in hearings:
            hearing.case.case_url = case_change_url(hearing.case, self.name)
        return {
            "case_counts": counts,
            "case_status_labels": [s.label for s in CASE_PANEL_STATUSES],
            "hearings_due": hearings,
            "hearings_due_more": max(0, sum(r["hearings_due"] for r in counts) - len(hearings)),
            "can_see_awaiting_council": may_see_cases_awaiting_council(request.user),
            "can_see_print_queue": can(request.user, Right.REVIEW_CASES),
        }

    def ledger_panel(self, request) -> list[dict] | None:
        """What is owing per strata, each linking to its ledger, for those who read the
        ledger (VIEW_LEDGER). One query, however many charges."""
        if not can(request.user, Right.VIEW_LEDGER):
            return None
        rows = outstanding_balances_for(request.user)
        for row in rows:
            row["url"] = reverse(
                "admin:violations_charge_strata_ledger",
                args=[row["strata_id"]],
                current_app=self.name,
            )
        return rows

    def cases_awaiting_council(self, request):
        """A plain page of what council has to act on, per strata (DESIGN §9)."""
        if not may_see_cases_awaiting_council(request.user):
            raise PermissionDenied
        sections = cases_awaiting_council_for(
            request.user, strata_id=request.session.get(SESSION_STRATA_ID)
        )
        for section in sections:
            for key in ("approvals", "ready", "waiting", "unserved"):
                for case in section[key]:
                    case.case_url = case_change_url(case, self.name)
            for hearing in section["hearings"]:
                hearing.case.case_url = case_change_url(hearing.case, self.name)
        context = {
            **self.each_context(request),
            "title": _("Cases awaiting council"),
            "sections": sections,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/cases_awaiting_council.html", context)

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

    def scheduled_jobs_panel(self, request) -> list[dict] | None:
        """Every scheduled job with its last run and next due time, a late or failed one
        flagged, for those who look after the outbox (the jobs keep email moving). One query."""
        if not can(request.user, Right.MANAGE_OUTBOX):
            return None
        return scheduled_job_list()

    def repeat_offenders(self, request):
        # Imported here: violations.admin registers its admins on this site when imported.
        from violations.admin.repeat_offenders import repeat_offenders_view

        return repeat_offenders_view(self, request)

    def get_urls(self):
        # Imported here: violations.admin registers its admins on this site when imported.
        from violations.admin.meetings import urls as meeting_urls

        return [
            path("switch-strata/", self.admin_view(self.switch_strata), name="switch_strata"),
            *meeting_urls(self),
            path(
                "cases-awaiting-council/",
                self.admin_view(self.cases_awaiting_council),
                name="cases_awaiting_council",
            ),
            path(
                "repeat-offenders/",
                self.admin_view(self.repeat_offenders),
                name="repeat_offenders",
            ),
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
