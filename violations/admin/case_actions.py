"""The case page's actions: each transition's form, adding evidence and sharing it with the
parties, and a letter as issued (its page and its PDF, leaving only through this
permission-checked view).

``CaseActionsMixin`` serves ``ViolationAdmin``, whose ``_case``, ``_case_url`` and
``_context`` it uses; the service behind each form decides and says why not.
"""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_zone
from communications.admin.rendering import fitted_frame
from violations import services
from violations.admin.case_forms import FORMS, EvidenceForm, PrepareNoticeForm, WarnForm
from violations.admin.form_parts import service_attempt
from violations.domain.workflow import TRANSITIONS
from violations.models import (
    DeliveryMethod,
)
from violations.selectors import serving
from violations.selectors.access import counted_approvals, has_case_right, is_recused
from violations.selectors.cases import allowed_transitions
from violations.selectors.drafts import draft_get
from violations.selectors.guards import decision_refusal
from violations.services.evidence import evidence_add, evidence_share_set

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


class CaseActionsMixin:
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
        beside_form = self._transition_extras(case, name)
        # Said once: when the service gave the reason shown above the form, it is on the form.
        if beside_form.get("refusal") and beside_form["refusal"] in form.non_field_errors():
            del beside_form["refusal"]
        context = self._context(
            request,
            case,
            f"{transition.label} — {case.reference}",
            transition=transition,
            form=form,
            media=self.media + form.media,
            **beside_form,
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

    @staticmethod
    def _may_share_evidence(request, case) -> bool:
        return has_case_right(request.user, Right.REVIEW_CASES, case) and not is_recused(
            request.user, case
        )

    def evidence_share_view(self, request, object_id, evidence):
        """Share one file with the parties, or stop sharing it (``shared`` 1 or 0): a button
        of the case page's Evidence table, answered with a message on the case page."""
        case = self._case(request, object_id)
        item = case.evidence.filter(uuid=evidence).first()
        if item is None:
            raise Http404(_("No such evidence on this case."))
        if not self._may_share_evidence(request, case):
            raise PermissionDenied
        shared = {"1": True, "0": False}.get(request.POST.get("shared", ""))
        if shared is None:
            return HttpResponseBadRequest(_("Say whether to share the file: shared=1 or 0."))
        names = {"name": item.original_name, "case": case.reference}
        try:
            changed = evidence_share_set(
                evidence=item,
                actor=request.user,
                shared=shared,
                context=AuditContext.from_request(request),
            )
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
        else:
            if changed and shared:
                message = _("“%(name)s” is now shared with the parties to %(case)s.")
            elif changed:
                message = _("“%(name)s” is no longer shared with the parties to %(case)s.")
            elif shared:
                message = _("“%(name)s” was already shared with the parties; nothing changed.")
            else:
                message = _("“%(name)s” was not shared with the parties; nothing changed.")
            level = messages.SUCCESS if changed else messages.INFO
            self.message_user(request, message % names, level)
        return HttpResponseRedirect(f"{self._case_url(case)}#case-evidence")

    def _transition_form(self, request, case, name):
        kwargs = {"case": case, "user": request.user}
        if FORMS[name] is PrepareNoticeForm:
            kwargs["draft"] = draft_get(case)
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
        return form, fitted_frame(html, title=_("Warning letter"))

    def _transition_extras(self, case, name) -> dict:
        """What each form's page shows beside the form."""
        extras = {}
        if name in ("prepare_notice", "approve_notice", "send_notice"):
            draft = draft_get(case)
            if draft is not None:
                extras["draft"] = draft
                extras["draft_frame"] = fitted_frame(draft.html, title=_("Draft notice"))
                extras["approvals"] = list(
                    counted_approvals(draft.approvals.all()).select_related("approver")
                )
                extras["approvals_required"] = case.strata.notice_approvals_required
        if name == "send_notice":
            extras["serve_plan"] = [
                {
                    "party": party,
                    "method": DeliveryMethod.EMAIL.label
                    if party.person.email_for_notices
                    else DeliveryMethod.MAIL.label,
                    # Empty: "address needed" (the person has no postal address or unit).
                    "address": party.person.email_for_notices
                    or serving.mailing_address(party.person),
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
            frame=fitted_frame(letter.html, title=letter.get_kind_display()),
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
