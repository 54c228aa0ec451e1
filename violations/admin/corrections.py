"""Correcting a recorded entry from the case page: each response, recorded paper service,
payment, hearing outcome, observation and compliance date has a "Correct" link to a small form
(void it, or amend it, with a reason) that calls ``services.corrections``.

``CorrectionAdminMixin`` serves ``ViolationAdmin``, whose ``_case``, ``_case_url`` and
``_context`` it uses. The form opens for those with the right that records the entry (a
payment: the strata's managers; the rest: managers and council), never for a recused member
(whose case is not found).
"""

from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.strata_time import strata_zone
from violations.admin.case_forms import PAPER_METHOD_CHOICES
from violations.admin.form_parts import service_attempt, textarea
from violations.models import (
    HearingOutcome,
    LetterDelivery,
    Payment,
    PaymentMethod,
    Response,
    ResponseChannel,
    Violation,
)
from violations.selectors.access import has_case_right, is_recused
from violations.services.corrections import (
    KINDS,
    correctable,
    entry_amend,
    entry_void,
)

TEMPLATES = "admin/violations/violation"


def correction_entry(case: Violation, kind: str, uuid):
    """The entry of ``kind`` on ``case`` that may be corrected (``corrections.correctable``),
    or None."""
    match kind:
        case "response":
            found = Response.objects.filter(case=case, uuid=uuid).first()
        case "service":
            found = LetterDelivery.objects.filter(letter__case=case, uuid=uuid).first()
        case "payment":
            found = Payment.objects.filter(charge__case=case, uuid=uuid).first()
        case "hearing_outcome":
            found = case.hearings.filter(uuid=uuid).first()
        case "observation":
            found = case.fine_proposals.filter(uuid=uuid).first()
        case "compliance":
            found = case if str(case.uuid) == str(uuid) else None
        case _:
            found = None
    return found if found is not None and correctable(kind, found) else None


def may_correct(user, case: Violation, kind: str) -> bool:
    return has_case_right(user, KINDS[kind].right, case) and not is_recused(user, case)


def correction_url(case: Violation, kind: str, entry, site_name: str = "admin") -> str:
    return reverse(
        "admin:violations_violation_correct",
        args=[case.pk, kind, entry.uuid],
        current_app=site_name,
    )


# --- forms ---------------------------------------------------------------------------------


class CorrectionForm(forms.Form):
    """Void or amend, and why; a subclass adds the entry's fields, filled in as recorded."""

    action = forms.ChoiceField(
        label=gettext_lazy("Correction"),
        choices=[
            ("amend", gettext_lazy("Amend: record the corrected values below")),
            ("void", gettext_lazy("Void: it should not have been recorded")),
        ],
        widget=forms.RadioSelect,
        initial="amend",
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=textarea(3),
        help_text=gettext_lazy("Kept on the record with the correction, and in the case file."),
    )
    required_to_amend: tuple[str, ...] = ()

    def __init__(self, *args, entry, case: Violation, **kwargs):
        self.entry, self.case = entry, case
        super().__init__(*args, **kwargs)
        for name in self.fields:
            if name not in ("action", "reason"):
                self.fields[name].required = False
        self.initial.update(self.recorded())

    def recorded(self) -> dict:
        """The entry's values as recorded, to start from."""
        return {}

    def clean(self):
        data = super().clean()
        if data.get("action") == "amend":
            for name in self.required_to_amend:
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, _("Give the corrected value."))
        return data

    def service(self, **kwargs):
        if self.cleaned_data["action"] == "void":
            return entry_void(**kwargs)
        return entry_amend(**kwargs)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        values = {}
        if data["action"] == "amend":
            values = {name: data[name] for name in self.fields if name not in ("action", "reason")}
        return {"entry": self.entry, "reason": data["reason"], **values}


class ResponseCorrectionForm(CorrectionForm):
    received_at = forms.SplitDateTimeField(
        label=gettext_lazy("Received at (strata time)"), widget=AdminSplitDateTime
    )
    channel = forms.ChoiceField(label=gettext_lazy("Received by"), choices=ResponseChannel.choices)
    text = forms.CharField(label=gettext_lazy("What the response says"), widget=textarea(8))
    declines_hearing = forms.BooleanField(
        label=gettext_lazy("The party declines a hearing in writing")
    )
    required_to_amend = ("received_at", "channel", "text")

    def recorded(self) -> dict:
        e = self.entry
        return {
            "received_at": timezone.localtime(e.received_at),
            "channel": e.channel,
            "text": e.text,
            "declines_hearing": e.declines_hearing,
        }


class ServiceCorrectionForm(CorrectionForm):
    method = forms.ChoiceField(
        label=gettext_lazy("Served by"), choices=PAPER_METHOD_CHOICES, widget=forms.RadioSelect
    )
    on_date = forms.DateField(
        label=gettext_lazy("Served on (handed, left or mailed)"), widget=AdminDateWidget
    )
    delivered_by = forms.CharField(label=gettext_lazy("Who served it"), max_length=200)
    address = forms.CharField(label=gettext_lazy("Mailed to"), widget=textarea(3))
    required_to_amend = ("method", "on_date")

    def recorded(self) -> dict:
        e = self.entry
        return {
            "method": e.method,
            "on_date": timezone.localtime(e.sent_at).date(),
            "delivered_by": e.delivered_by,
            "address": e.address,
        }


class PaymentCorrectionForm(CorrectionForm):
    amount = forms.DecimalField(label=gettext_lazy("Amount ($)"), max_digits=10)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=AdminDateWidget)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=100)
    required_to_amend = ("amount", "paid_on", "method")

    def recorded(self) -> dict:
        e = self.entry
        return {
            "amount": e.amount,
            "paid_on": e.paid_on,
            "method": e.method,
            "reference": e.reference,
        }


class HearingOutcomeCorrectionForm(CorrectionForm):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[(o.value, o.label) for o in (HearingOutcome.HELD, HearingOutcome.NO_SHOW)],
    )
    minutes = forms.CharField(label=gettext_lazy("Minutes"), widget=textarea(8))
    required_to_amend = ("outcome",)

    def recorded(self) -> dict:
        return {"outcome": self.entry.outcome, "minutes": self.entry.minutes}


class ObservationCorrectionForm(CorrectionForm):
    observed_by = forms.CharField(label=gettext_lazy("Seen continuing by"), max_length=200)
    observed_at = forms.SplitDateTimeField(
        label=gettext_lazy("Seen at (strata time)"), widget=AdminSplitDateTime
    )
    observation = forms.CharField(label=gettext_lazy("What was seen"), widget=textarea(4))
    required_to_amend = ("observed_by", "observed_at", "observation")

    def recorded(self) -> dict:
        e = self.entry
        return {
            "observed_by": e.observed_by,
            "observed_at": timezone.localtime(e.observed_at),
            "observation": e.observation,
        }


class ComplianceCorrectionForm(CorrectionForm):
    compliance_on = forms.DateField(label=gettext_lazy("Compliance date"), widget=AdminDateWidget)
    required_to_amend = ("compliance_on",)

    def recorded(self) -> dict:
        return {"compliance_on": self.entry.compliance_on}


FORMS = {
    "response": ResponseCorrectionForm,
    "service": ServiceCorrectionForm,
    "payment": PaymentCorrectionForm,
    "hearing_outcome": HearingOutcomeCorrectionForm,
    "observation": ObservationCorrectionForm,
    "compliance": ComplianceCorrectionForm,
}


# --- the page ------------------------------------------------------------------------------


class CorrectionAdminMixin:
    def correction_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/correct/<str:kind>/<uuid:entry>/",
                self.admin_site.admin_view(self.correction_view),
                name="{}_{}_correct".format(*info),
            )
        ]

    def correction_view(self, request, object_id, kind, entry):
        case = self._case(request, object_id)
        if kind not in KINDS:
            raise Http404(_("No such entry on this case."))
        found = correction_entry(case, kind, entry)
        if found is None:
            raise Http404(_("No such entry on this case, or it was voided."))
        if not may_correct(request.user, case, kind):
            raise PermissionDenied
        label = _("Correct the %(entry)s") % {"entry": KINDS[kind].label}
        # Dates and times staff type are the strata's, wherever the server or browser is.
        with timezone.override(strata_zone(case.strata)):
            form = FORMS[kind](
                request.POST if request.method == "POST" else None, entry=found, case=case
            )
            if (
                request.method == "POST"
                and form.is_valid()
                and service_attempt(request, form, form.service)
            ):
                self.message_user(
                    request,
                    _("%(action)s: done. The original stays on the record of %(case)s.")
                    % {"action": label, "case": case.reference},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._case_url(case))
        action = SimpleNamespace(
            name="correct",
            label=label,
            guard=_(
                "a reason; the original stays on the record, marked voided, beside any "
                "amendment; an amended date is checked as when it was recorded; a correction "
                "that would leave a later step (council's decision) without its basis is refused"
            ),
        )
        context = self._context(
            request,
            case,
            f"{label} — {case.reference}",
            transition=action,
            form=form,
            media=self.media + form.media,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"{TEMPLATES}/transition.html", context)
