"""Cases in the staff admin (DESIGN §6, §9): the list, filing a case, and the case page with
the transitions this user may start now as buttons.

Nothing here writes a case directly: filing calls ``violation_report`` (or
``violation_add_complaint`` when staff choose an open case of the same unit and bylaw), and
each button opens a small form whose one service decides and says why not. Rows come from
``cases_visible_to_staff``, so a recused staff member never sees the case; the strata
switcher narrows them further. Letter PDFs leave only through the permission-checked view here.
"""

from types import SimpleNamespace

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_base import StrataScopedAdmin
from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, scope_to_stratas
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_zone
from communications.admin.rendering import html_frame
from properties.models import Unit
from violations import letters, services, serving
from violations.access import cases_visible_to_staff, has_case_right, is_recused
from violations.admin.case_files import CaseFileAdminMixin
from violations.admin.case_forms import (
    FORMS,
    CaseReportForm,
    ComplaintFields,
    EvidenceForm,
    PrepareNoticeForm,
    WarnForm,
    attach_errors,
    service_attempt,
)
from violations.admin.case_page import case_sections
from violations.admin.continuing import remedy_cost_view
from violations.evidence import evidence_add
from violations.guards import decision_refusal
from violations.models import (
    CaseParty,
    Hearing,
    LetterKind,
    Service,
    ServiceMethod,
    ServiceStatus,
    Violation,
    ViolationCategory,
)
from violations.selectors import allowed_transitions, open_cases_for, unserved_parties_q
from violations.workflow import OPEN_STATUSES, SERVED_STATUSES, TRANSITIONS

# The service each button's form feeds, by transition name.
SERVICES = {
    "add_complaint": services.violation_add_complaint,
    "reject": services.violation_reject,
    "warn": services.violation_warn,
    "prepare_notice": services.violation_prepare_notice,
    "approve_notice": services.violation_approve_notice,
    "send_notice": services.violation_send_notice,
    "record_service": services.violation_record_service,
    "reserve": services.violation_reserve,
    "record_response": services.violation_record_response,
    "receive_hearing_request": services.violation_receive_hearing_request,
    "schedule_hearing": services.violation_schedule_hearing,
    "record_hearing_outcome": services.violation_record_hearing_outcome,
    "record_decision": services.violation_record_decision,
    "withdraw": services.violation_withdraw,
    "close": services.violation_close,
}
TEMPLATES = "admin/violations/violation"
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


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by().values("case").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def with_service_counts(queryset):
    """``parties_required`` and ``parties_served``: required parties, and those whose latest
    service of the issued notice was sent (as ``serving.current_services`` counts them)."""
    latest_notice_service = Subquery(
        Service.objects.filter(
            party=OuterRef("pk"), letter__kind=LetterKind.NOTICE, letter__issued_at__isnull=False
        )
        .order_by("-created_at", "-id")
        .values("status")[:1]
    )
    required = CaseParty.objects.filter(case=OuterRef("pk"), required=True)
    served = required.annotate(notice_service=latest_notice_service).filter(
        notice_service=ServiceStatus.SENT
    )
    return queryset.annotate(parties_required=_count(required), parties_served=_count(served))


# --- filters -------------------------------------------------------------------------------


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
    """Open cases council should have decided (the response deadline has passed), or whose
    requested hearing was not held by its hold-by date (SPA s.34.1)."""

    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        late_hearing = Hearing.objects.filter(outcome="", hold_by__lt=timezone.localdate())
        return queryset.filter(status__in=OPEN_STATUSES, decision__isnull=True).filter(
            Q(response_deadline__lt=timezone.now()) | Q(pk__in=late_hearing.values("case_id"))
        )


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


@admin.register(Violation)
class ViolationAdmin(CaseFileAdminMixin, StrataScopedAdmin):
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
        return case.response_deadline.astimezone(strata_zone(case.strata)).date()

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

            context.update(
                case_sections(
                    obj,
                    request.user,
                    transition_url=transition_url,
                    letter_url=letter_url,
                    names=FORMS,
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
        found = open_cases_for(data["unit"], data["bylaws"])
        visible = set(
            cases_visible_to_staff(request.user)
            .filter(pk__in=[c.pk for c in found])
            .values_list("pk", flat=True)
        )
        open_cases = [c for c in found if c.pk in visible]
        choice = data["file_as"]
        if open_cases and choice not in ("new", *(str(c.uuid) for c in open_cases)):
            form.offer(open_cases)
            if choice:
                form.add_error("file_as", _("Choose one of the cases listed."))
            return None
        target = next((c for c in open_cases if str(c.uuid) == choice), None)
        context = AuditContext.from_request(request)
        try:
            if target is None:
                case = services.violation_report(
                    actor=request.user, context=context, **form.report_kwargs()
                )
                message = _("Filed %(case)s.") % {"case": case.reference}
            else:
                services.violation_add_complaint(
                    case=target, actor=request.user, context=context, complaint=form.complaint()
                )
                case = target
                message = _("Added the complaint to %(case)s.") % {"case": case.reference}
        except ValidationError as error:
            attach_errors(form, error)
            if open_cases:
                form.offer(open_cases)
            return None
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self._case_url(case))

    # --- transitions ------------------------------------------------------------------------
    def transition_view(self, request, object_id, name):
        case = self._case(request, object_id)
        if name not in FORMS:
            raise Http404(_("No such action on a case."))
        if name not in {t.name for t in allowed_transitions(case, request.user)}:
            raise PermissionDenied
        transition = TRANSITIONS[name]
        extra = {}
        # Dates and times staff type are the strata's, wherever the server or browser is.
        with timezone.override(strata_zone(case.strata)):
            form = self._transition_form(request, case, name)
            if request.method == "POST" and form.is_valid():
                if isinstance(form, WarnForm) and "_preview" in request.POST:
                    form, extra["preview"] = self._warn_preview(request, case, form)
                elif service_attempt(request, form, SERVICES[name]):
                    case.refresh_from_db(fields=["status"])
                    self.message_user(
                        request,
                        _("%(action)s: done. %(case)s is now “%(status)s”.")
                        % {
                            "action": transition.label,
                            "case": case.reference,
                            "status": case.get_status_display(),
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._case_url(case))
        context = self._context(
            request,
            case,
            f"{transition.label} — {case.reference}",
            transition=transition,
            form=form,
            media=self.media + form.media,
            **self._transition_extras(case, name),
            **extra,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"{TEMPLATES}/transition.html", context)

    # --- evidence ---------------------------------------------------------------------------
    @staticmethod
    def _may_add_evidence(request, case) -> bool:
        return has_case_right(request.user, Right.FILE_CASES, case) and not is_recused(
            request.user, case
        )

    def evidence_add_view(self, request, object_id):
        """Upload files to the case: all are checked (type, size, count, scan) before any is
        stored. Not a transition: the status does not change, an event still records it."""
        case = self._case(request, object_id)
        if not self._may_add_evidence(request, case):
            raise PermissionDenied
        form = EvidenceForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            case=case,
            user=request.user,
        )
        if (
            request.method == "POST"
            and form.is_valid()
            and service_attempt(request, form, evidence_add)
        ):
            count = len(form.cleaned_data["files"])
            self.message_user(
                request,
                _("%(count)d file(s) added to %(case)s.")
                % {"count": count, "case": case.reference},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._case_url(case))
        action = SimpleNamespace(
            name="add_evidence",
            label=_("Add evidence"),
            guard=_(
                "files of an accepted kind within their size limits, and at most the case's "
                "number of files"
            ),
        )
        context = self._context(
            request,
            case,
            f"{action.label} — {case.reference}",
            transition=action,
            form=form,
            media=self.media + form.media,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"{TEMPLATES}/transition.html", context)

    def _transition_form(self, request, case, name):
        kwargs = {"case": case, "user": request.user}
        if FORMS[name] is PrepareNoticeForm:
            kwargs["draft"] = self._draft_notice(case)
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        return FORMS[name](data, files, **kwargs)

    def _warn_preview(self, request, case, form):
        """The warning letter as it will go; staff may edit it in the box below."""
        html = form.cleaned_data["html"] if form.cleaned_data["html"].strip() else form.preview()
        data = request.POST.copy()
        data["html"] = html
        form = WarnForm(data, case=case, user=request.user)
        form.is_valid()
        return form, html_frame(html, title=_("Warning letter"))

    @staticmethod
    def _draft_notice(case):
        return (
            case.letters.filter(kind=LetterKind.NOTICE, issued_at__isnull=True)
            .order_by("-id")
            .first()
        )

    def _transition_extras(self, case, name) -> dict:
        """What each form's page shows beside the form."""
        extras = {}
        if name in ("prepare_notice", "approve_notice", "send_notice"):
            draft = self._draft_notice(case)
            if draft is not None:
                extras["draft"] = draft
                extras["draft_frame"] = html_frame(draft.html, title=_("Draft notice"))
                extras["approvals"] = list(draft.approvals.select_related("approver"))
                extras["approvals_required"] = case.strata.notice_approvals_required
        if name == "send_notice":
            extras["serve_plan"] = [
                {
                    "party": party,
                    "method": ServiceMethod.EMAIL.label
                    if party.person.email_for_notices
                    else ServiceMethod.MAIL.label,
                    "address": party.person.email_for_notices
                    or serving.postal_address(party.person, case.unit),
                }
                for party in case.parties.filter(required=True).select_related("person")
            ]
        if name == "record_decision":
            extras["refusal"] = decision_refusal(case)
        return extras

    # --- letters ----------------------------------------------------------------------------
    def _letter(self, request, object_id, letter_uuid):
        case = self._case(request, object_id)
        letter = case.letters.filter(uuid=letter_uuid).first()
        if letter is None:
            raise Http404(_("No such letter on this case."))
        return case, letter

    def letter_view(self, request, object_id, letter):
        case, letter = self._letter(request, object_id, letter)
        context = self._context(
            request,
            case,
            f"{letter.get_kind_display()} — {case.reference}",
            letter=letter,
            frame=html_frame(letter.html, title=letter.get_kind_display()),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"{TEMPLATES}/letter.html", context)

    def letter_pdf_view(self, request, object_id, letter):
        """The PDF as issued: an attachment the browser never renders as a page of ours."""
        case, letter = self._letter(request, object_id, letter)
        if not letter.pdf:
            raise Http404(_("This letter is a draft: it has no PDF yet."))
        response = FileResponse(
            letter.pdf.open("rb"),
            as_attachment=True,
            filename=f"{case.reference}-{letter.kind}.pdf",
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
