"""Continuing fines to confirm, and remedy costs, in the staff admin (DESIGN §6, §9).

The list shows the fine proposals of the cases the user reviews (REVIEW_CASES, not recused),
oldest due first, narrowed by the strata switcher. Nothing is added, changed or deleted here:
each open proposal has a Confirm page (who saw the contravention continue, when, what, and
evidence of the case) and a Dismiss page (a reason), whose forms call the services and show
their refusals on the fields. ``remedy_cost_view`` is the case page's "Record remedy cost".
"""

from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin_base import StrataScopedAdmin, strata_filter
from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, can
from accounts.strata_time import strata_today, strata_zone
from violations.admin.form_parts import service_attempt, textarea
from violations.models import Bylaw, Evidence, FineProposal, ProposalStatus
from violations.selectors import letters
from violations.selectors.access import has_case_right, is_recused, may_record_remedy_cost
from violations.selectors.continuing import fine_proposals_visible_to
from violations.services.charging import remedy_cost_charge
from violations.services.continuing import fine_proposal_confirm, fine_proposal_dismiss

TITLE = gettext_lazy("Continuing fines to confirm")
TEMPLATE = "admin/violations/violation/transition.html"


class ConfirmProposalForm(forms.Form):
    observed_by = forms.CharField(label=gettext_lazy("Seen continuing by"), max_length=200)
    observed_at = forms.SplitDateTimeField(
        label=gettext_lazy("Seen at (strata time)"), widget=AdminSplitDateTime
    )
    observation = forms.CharField(label=gettext_lazy("What was seen"), widget=textarea())
    evidence = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Evidence"),
        queryset=Evidence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, proposal: FineProposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.fields["evidence"].queryset = proposal.case.evidence.order_by("created_at", "id")
        self.fields["evidence"].label_from_instance = lambda item: item.original_name

    def service_kwargs(self) -> dict:
        return {"proposal": self.proposal, **self.cleaned_data}


class DismissProposalForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=textarea())

    def __init__(self, *args, proposal: FineProposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal

    def service_kwargs(self) -> dict:
        return {"proposal": self.proposal, **self.cleaned_data}


class RemedyCostForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), max_digits=10, decimal_places=2, min_value=0
    )
    charged_on = forms.DateField(label=gettext_lazy("Date"), widget=AdminDateWidget)
    description = forms.CharField(
        label=gettext_lazy("What the cost was for"), max_length=300, widget=textarea(3)
    )
    bylaw = forms.ModelChoiceField(
        label=gettext_lazy("Bylaw"), queryset=Bylaw.objects.none(), required=False
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["bylaw"].queryset = case.bylaws.all()
        self.initial.setdefault("charged_on", strata_today(case.strata))

    def service_kwargs(self) -> dict:
        return {"case": self.case, **self.cleaned_data}


# What each page's form is, says and needs (the transition page's words).
ACTIONS = {
    "confirm": SimpleNamespace(
        name="confirm_fine",
        label=gettext_lazy("Confirm the continuing fine"),
        guard=gettext_lazy(
            "who saw the contravention continue, when (on or after the due date) and what; "
            "the fine is charged and its notice served on the parties"
        ),
        form=ConfirmProposalForm,
        service=fine_proposal_confirm,
    ),
    "dismiss": SimpleNamespace(
        name="dismiss_fine",
        label=gettext_lazy("Dismiss the continuing fine"),
        guard=gettext_lazy("a reason; the next fine is proposed an interval later"),
        form=DismissProposalForm,
        service=fine_proposal_dismiss,
    ),
}
REMEDY_COST = SimpleNamespace(
    name="remedy_cost",
    label=gettext_lazy("Record remedy cost"),
    guard=gettext_lazy(
        "an upheld decision; what the strata spent on damage or clean-up (SPA s.133), in "
        "dollars and cents, charged to the respondent with a notice"
    ),
)


def _page(model_admin, request, case, action, form, **extra):
    """The transition page of the case admin, for an action that is not a transition."""
    case_url = reverse(
        "admin:violations_violation_change",
        args=[case.pk],
        current_app=model_admin.admin_site.name,
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{action.label} — {case.reference}",
        "subtitle": None,
        "opts": case._meta,
        "case": case,
        "case_url": case_url,
        "case_zone": case.strata.time_zone,
        "transition": action,
        "form": form,
        "media": model_admin.media + form.media,
        **extra,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, TEMPLATE, context)


ReviewStrataFilter = strata_filter(Right.REVIEW_CASES, "case__strata", gettext_lazy("strata"))


class ProposalStatusFilter(admin.SimpleListFilter):
    """Open proposals unless another status (or all) is chosen: the list is a work queue."""

    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*ProposalStatus.choices, ("all", gettext_lazy("All"))]

    def choices(self, changelist):
        current = self.value() or ProposalStatus.PROPOSED
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or ProposalStatus.PROPOSED
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(FineProposal)
class FineProposalAdmin(StrataScopedAdmin):
    """Continuing fines proposed by the daily job, to confirm or dismiss."""

    strata_path = "case__strata"
    view_right = Right.REVIEW_CASES
    edit_right = Right.REVIEW_CASES
    list_display = (
        "due_on",
        "case_column",
        "unit",
        "terms",
        "status",
        "observed",
        "actions_column",
    )
    list_select_related = ("case__strata", "case__unit", "decision", "decided_by")
    list_filter = (ProposalStatusFilter, ReviewStrataFilter)
    search_fields = ("case__reference", "case__unit__unit_number")
    ordering = ("due_on", "id")
    list_per_page = 100
    fields = (
        "case",
        "due_on",
        "status",
        "terms",
        "observed_by",
        "observed_at",
        "observation",
        "dismissed_reason",
        "decided_by",
        "decided_at",
    )
    readonly_fields = fields
    app_list_name = TITLE

    def get_queryset(self, request):
        return fine_proposals_visible_to(
            request.user, strata_id=request.session.get(SESSION_STRATA_ID)
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": TITLE, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # --- columns ------------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("case"), ordering="case__reference")
    def case_column(self, proposal):
        case = proposal.case
        url = reverse(
            "admin:violations_violation_change", args=[case.pk], current_app=self.admin_site.name
        )
        return format_html('<a href="{}">{} ({})</a>', url, case.reference, case.strata.name)

    @admin.display(description=gettext_lazy("unit"))
    def unit(self, proposal):
        return proposal.case.unit

    @admin.display(description=gettext_lazy("terms"))
    def terms(self, proposal):
        return _("%(amount)s every %(days)d days until compliance") % {
            "amount": letters.money(proposal.decision.fine_amount),
            "days": proposal.decision.continuing_every_days,
        }

    @admin.display(description=gettext_lazy("seen continuing"))
    def observed(self, proposal):
        if proposal.observed_at is None:
            return "—"
        local = timezone.localtime(proposal.observed_at, strata_zone(proposal.case.strata))
        return f"{local:%Y-%m-%d %H:%M}, {proposal.observed_by}"

    @admin.display(description="")
    def actions_column(self, proposal):
        if proposal.status != ProposalStatus.PROPOSED:
            return ""
        name = self.admin_site.name
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:violations_fineproposal_confirm", args=[proposal.pk], current_app=name),
            _("Confirm"),
            reverse("admin:violations_fineproposal_dismiss", args=[proposal.pk], current_app=name),
            _("Dismiss"),
        )

    # --- confirm and dismiss ------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/confirm/",
                view(self.action_view),
                {"action": "confirm"},
                name="violations_fineproposal_confirm",
            ),
            path(
                "<path:object_id>/dismiss/",
                view(self.action_view),
                {"action": "dismiss"},
                name="violations_fineproposal_dismiss",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request, object_id, action):
        if not can(request.user, Right.REVIEW_CASES):
            raise PermissionDenied
        proposal = self.get_object(request, unquote(object_id))
        if proposal is None:
            raise Http404(_("No such continuing fine of yours."))
        case = proposal.case
        list_url = reverse(
            "admin:violations_fineproposal_changelist", current_app=self.admin_site.name
        )
        if proposal.status != ProposalStatus.PROPOSED:
            self.message_user(
                request,
                _("The fine due on %(due)s is already %(status)s.")
                % {"due": proposal.due_on, "status": proposal.get_status_display().lower()},
                messages.WARNING,
            )
            return HttpResponseRedirect(list_url)
        spec = ACTIONS[action]
        with timezone.override(strata_zone(case.strata)):
            form = spec.form(request.POST if request.method == "POST" else None, proposal=proposal)
            if (
                request.method == "POST"
                and form.is_valid()
                and service_attempt(request, form, spec.service)
            ):
                self.message_user(
                    request,
                    _("%(action)s: done for %(case)s (due %(due)s).")
                    % {"action": spec.label, "case": case.reference, "due": proposal.due_on},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(list_url)
        return _page(self, request, case, spec, form)


def remedy_cost_view(model_admin, request, object_id):
    """The case admin's "Record remedy cost" page (``RECORD_DECISIONS``, not recused)."""
    case = model_admin.get_object(request, unquote(object_id))
    if case is None or not model_admin.has_view_permission(request, case):
        raise Http404(_("No such case of yours."))
    if not has_case_right(request.user, Right.RECORD_DECISIONS, case) or is_recused(
        request.user, case
    ):
        raise PermissionDenied
    with timezone.override(strata_zone(case.strata)):
        form = RemedyCostForm(request.POST if request.method == "POST" else None, case=case)
        if (
            request.method == "POST"
            and form.is_valid()
            and service_attempt(request, form, remedy_cost_charge)
        ):
            model_admin.message_user(
                request,
                _("Remedy cost of %(amount)s charged on %(case)s; its notice was served.")
                % {"amount": letters.money(form.cleaned_data["amount"]), "case": case.reference},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(
                    "admin:violations_violation_change",
                    args=[case.pk],
                    current_app=model_admin.admin_site.name,
                )
            )
    refusal = None
    if not may_record_remedy_cost(request.user, case):
        refusal = _("Not yet: council has not upheld this case.")
    return _page(model_admin, request, case, REMEDY_COST, form, refusal=refusal)
