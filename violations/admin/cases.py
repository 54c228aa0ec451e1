"""Cases in the staff admin (DESIGN §6, §9): the list, filing a case, and the case page with
the transitions this user may start now as buttons.

Nothing here writes a case directly: filing calls ``violation_report`` (or
``violation_add_complaint`` when staff choose an open case of the same unit and bylaw), and
each button opens a small form whose one service decides and says why not. Rows come from
``cases_visible_to_staff``, so a recused staff member never sees the case; the strata
switcher narrows them further. The list's filters are in ``case_filters``; the buttons' forms,
evidence and letters (whose PDFs leave only through its permission-checked view) in
``case_actions``.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.admin_base import StrataScopedAdmin
from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import local_date
from violations.admin.case_actions import TEMPLATES, CaseActionsMixin
from violations.admin.case_files import CaseFileAdminMixin
from violations.admin.case_filters import CategoryFilter, OverdueFilter, UnitFilter, UnservedFilter
from violations.admin.case_forms import FORMS
from violations.admin.case_page import case_sections
from violations.admin.complaint_forms import CaseReportForm, ComplaintFields
from violations.admin.continuing import remedy_cost_view
from violations.admin.corrections import CorrectionAdminMixin, correction_url, may_correct
from violations.admin.form_parts import attach_errors
from violations.models import (
    Violation,
)
from violations.selectors import letters
from violations.selectors.access import cases_visible_to_staff
from violations.selectors.cases import open_cases_for
from violations.selectors.serving import with_service_counts
from violations.services.filing import complaint_file

# The filing form's boxes, in order.
REPORT_SECTIONS = (
    (gettext_lazy("Unit and bylaws"), ("unit", "bylaws", "category")),
    (
        gettext_lazy("Incident"),
        ("incident_on", "incident_time", "incident_place", "description"),
    ),
    (gettext_lazy("The complaint"), tuple(ComplaintFields.base_fields)),
    (gettext_lazy("More about the incident"), CaseReportForm.INCIDENT_DETAILS),
)


@admin.register(Violation)
class ViolationAdmin(CaseActionsMixin, CaseFileAdminMixin, CorrectionAdminMixin, StrataScopedAdmin):
    view_right = Right.VIEW_CASES
    edit_right = Right.FILE_CASES
    list_display = (
        "reference",
        "unit",
        "strata_name",
        "category",
        "status",
        "incident_on",
        "deadline_column",
        "parties_served_column",
    )
    list_select_related = ("unit", "strata", "category")
    list_filter = ("status", CategoryFilter, UnitFilter, OverdueFilter, UnservedFilter)
    search_fields = ("reference", "description", "unit__unit_number")
    actions = ()
    change_form_template = f"{TEMPLATES}/change_form.html"
    fieldsets = (
        (
            None,
            {"fields": ("reference", "strata", "unit", "category", "bylaws", "status")},
        ),
        (
            gettext_lazy("Incident"),
            {
                "fields": (
                    "incident_on",
                    "incident_time",
                    "incident_place",
                    "description",
                    *CaseReportForm.INCIDENT_DETAILS,
                )
            },
        ),
        (
            gettext_lazy("Notice and deadlines"),
            {
                "fields": (
                    "respondent_label",
                    "fine_contemplated_label",
                    "continuing_interval_days",
                    "response_deadline",
                    "compliance_on",
                    "closed_at",
                )
            },
        ),
    )
    readonly_fields = tuple(name for _title, box in fieldsets for name in box["fields"])

    # --- rows and rights --------------------------------------------------------------------
    def get_queryset(self, request):
        queryset = cases_visible_to_staff(
            request.user, admin.ModelAdmin.get_queryset(self, request)
        )
        current = request.session.get(SESSION_STRATA_ID)
        if current:
            queryset = queryset.filter(strata_id=current)
        return with_service_counts(queryset)

    def has_change_permission(self, request, obj=None):
        return False  # every change is a transition, through its service

    def _case(self, request, object_id) -> Violation:
        case = self.get_object(request, unquote(object_id))
        if case is None or not self.has_view_permission(request, case):
            raise Http404(_("No such case of yours."))
        return case

    def _case_url(self, case) -> str:
        return reverse(
            "admin:violations_violation_change", args=[case.pk], current_app=self.admin_site.name
        )

    def _context(self, request, case, title, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "case": case,
            "case_url": self._case_url(case),
            "case_zone": case.strata.time_zone,
            **extra,
        }

    # --- the list ---------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("strata"), ordering="strata__name")
    def strata_name(self, case):
        return case.strata.name

    @admin.display(description=gettext_lazy("parties served"), ordering="parties_served")
    def parties_served_column(self, case):
        if not case.parties_required:
            return "—"
        return f"{case.parties_served}/{case.parties_required}"

    @admin.display(description=gettext_lazy("respondent"))
    def respondent_label(self, case):
        if case.respondent_role == Violation.RespondentRole.TENANT:
            return _("%(name)s (tenant)") % {"name": case.respondent}
        return case.get_respondent_role_display() or _("not chosen yet")

    # --- urls -------------------------------------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<path:object_id>/evidence/add/",
                view(self.evidence_add_view),
                name="{}_{}_evidence_add".format(*info),
            ),
            path(
                "<path:object_id>/evidence/<uuid:evidence>/share/",
                view(require_POST(self.evidence_share_view)),
                name="{}_{}_evidence_share".format(*info),
            ),
            path(
                "<path:object_id>/letters/<uuid:letter>/",
                view(self.letter_view),
                name="{}_{}_letter".format(*info),
            ),
            path(
                "<path:object_id>/letters/<uuid:letter>/pdf/",
                view(self.letter_pdf_view),
                name="{}_{}_letter_pdf".format(*info),
            ),
            path(
                "<path:object_id>/remedy-cost/",
                view(self.remedy_cost_view),
                name="{}_{}_remedy_cost".format(*info),
            ),
            *self.case_file_urls(),
            *self.correction_urls(),
            *super().get_urls(),
        ]

    def remedy_cost_view(self, request, object_id):
        return remedy_cost_view(self, request, object_id)

    @admin.display(description=gettext_lazy("fine contemplated"))
    def fine_contemplated_label(self, case):
        return "—" if case.fine_contemplated is None else letters.money(case.fine_contemplated)

    @admin.display(description=gettext_lazy("response deadline"), ordering="response_deadline")
    def deadline_column(self, case):
        """The deadline's date in the case's own strata, whatever strata is switched to."""
        if case.response_deadline is None:
            return "—"
        return local_date(case.strata, case.response_deadline)

    # --- the case page ----------------------------------------------------------------------
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            name = self.admin_site.name

            def transition_url(transition):
                return reverse(
                    "admin:violations_violation_transition",
                    args=[obj.pk, transition],
                    current_app=name,
                )

            def letter_url(letter, what):
                route = "letter_pdf" if what == "pdf" else "letter"
                return reverse(
                    f"admin:violations_violation_{route}",
                    args=[obj.pk, letter.uuid],
                    current_app=name,
                )

            def share_url(evidence):
                return reverse(
                    "admin:violations_violation_evidence_share",
                    args=[obj.pk, evidence.uuid],
                    current_app=name,
                )

            rights: dict[str, bool] = {}

            def correct_url(kind, entry):
                """The entry's "Correct" link, for those who may correct it."""
                if kind not in rights:
                    rights[kind] = may_correct(request.user, obj, kind)
                return correction_url(obj, kind, entry, name) if rights[kind] else ""

            context.update(
                case_sections(
                    obj,
                    request.user,
                    transition_url=transition_url,
                    letter_url=letter_url,
                    names=FORMS,
                    correct_url=correct_url,
                    share_url=share_url if self._may_share_evidence(request, obj) else None,
                ),
                title=f"{obj.reference} — {obj.get_status_display()}",
                case_zone=obj.strata.time_zone,
                evidence_add_url=reverse(
                    "admin:violations_violation_evidence_add", args=[obj.pk], current_app=name
                )
                if self._may_add_evidence(request, obj)
                else "",
                **self.case_file_context(request, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- filing -----------------------------------------------------------------------------
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CaseReportForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            user=request.user,
            strata_id=request.session.get(SESSION_STRATA_ID),
            admin_site=self.admin_site,
        )
        if request.method == "POST" and form.is_valid():
            redirect = self._file(request, form)
            if redirect is not None:
                return redirect
        context = {
            **self.admin_site.each_context(request),
            "title": _("File a case"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "sections": [
                (title, [form[name] for name in names]) for title, names in REPORT_SECTIONS
            ],
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"{TEMPLATES}/add_form.html", context)

    def _file(self, request, form):
        """File the complaint: a new case, or into the open case staff chose (DESIGN §6)."""
        data = form.cleaned_data
        try:
            case, added = complaint_file(
                actor=request.user,
                file_as=data["file_as"],
                context=AuditContext.from_request(request),
                **form.report_kwargs(),
            )
        except ValidationError as error:
            attach_errors(form, error)
            if open_cases := open_cases_for(data["unit"], data["bylaws"], user=request.user):
                form.offer(open_cases)
            return None
        if added is None:
            message = _("Filed %(case)s.") % {"case": case.reference}
        else:
            message = _("Added the complaint to %(case)s.") % {"case": case.reference}
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self._case_url(case))

    # --- transitions ------------------------------------------------------------------------
