"""The forms behind the case admin: filing a case, and one form per transition button.

Each transition form checks only the shape of its input; the service it feeds decides
whether the transition may happen and says why not. ``service_kwargs()`` is what the service
is called with (besides ``actor`` and ``context``).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.strata_time import strata_today
from properties.models import Occupancy, Person
from properties.selectors import current_occupancies
from violations.admin.complaint_forms import ComplaintFields, strata_persons
from violations.admin.form_parts import (
    DatePicker,
    DateTimePicker,
    MultipleFileField,
    PersonChoiceField,
    textarea,
)
from violations.domain import rule_pack
from violations.models import (
    Bylaw,
    CaseParty,
    DecisionOutcome,
    DeliveryMethod,
    DeliveryStatus,
    Evidence,
    HearingOutcome,
    LetterDelivery,
    LetterKind,
    RespondentRole,
    ResponseChannel,
    Violation,
)
from violations.selectors import letters
from violations.selectors.access import council_members

# --- transitions ---------------------------------------------------------------------------


class CaseForm(forms.Form):
    """A transition's input on one case."""

    def __init__(self, *args, case: Violation, user: User, **kwargs):
        self.case, self.user = case, user
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return {"case": self.case, **self.cleaned_data}


class AddComplaintForm(CaseForm, ComplaintFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complainant"].queryset = strata_persons(
            Person.objects.filter(strata=self.case.strata)
        )

    def service_kwargs(self) -> dict:
        return {
            "case": self.case,
            "complaint": self.complaint(),
            "evidence_files": self.cleaned_data["evidence_files"],
        }


class ReasonForm(CaseForm):
    reason = forms.CharField(label=_("Reason"), widget=textarea())


class RespondentForm(CaseForm):
    """Choosing the respondent: the owner(s), or one of the unit's current tenants."""

    respondent_role = forms.ChoiceField(
        label=_("Who is alleged to have contravened"),
        choices=RespondentRole.choices,
        widget=forms.RadioSelect,
    )
    respondent = PersonChoiceField(
        label=_("The tenant"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_(
            "Only when the respondent is a tenant: the tenant, the landlord and the "
            "owner(s) are all served."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.occupancies = list(
            current_occupancies().filter(unit=self.case.unit).select_related("person", "landlord")
        )
        tenants = [o.person_id for o in self.occupancies if o.role == Occupancy.Role.TENANT]
        self.fields["respondent"].queryset = Person.objects.filter(pk__in=tenants).order_by(
            "full_name"
        )
        self.initial.setdefault("respondent_role", self.case.respondent_role or None)
        self.initial.setdefault("respondent", self.case.respondent_id)

    def clean(self):
        data = super().clean()
        if data.get("respondent_role") == RespondentRole.TENANT and not data.get("respondent"):
            self.add_error("respondent", _("Choose the tenant."))
        if data.get("respondent_role") == RespondentRole.OWNERS:
            data["respondent"] = None
        return data

    def recipients(self) -> list[str]:
        """Who the letter is addressed to, by the rule pack (SPA s.135(1)(e))."""
        parties = rule_pack.parties_to_serve(
            respondent_role=self.cleaned_data["respondent_role"],
            respondent=self.cleaned_data["respondent"],
            occupancies=self.occupancies,
        )
        return [person.full_name for person, _role in parties]


class WarnForm(RespondentForm):
    """The warning letter is issued at once, so staff may preview it and edit the preview."""

    html = forms.CharField(
        label=_("Letter (HTML)"),
        required=False,
        strip=False,
        widget=textarea(18),
        help_text=_("Leave empty to send the letter as written from the template."),
    )

    def preview(self) -> str:
        context = letters.base_context(self.case, self.recipients())
        return letters.render(LetterKind.WARNING, self.case.strata, context)[0]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "case": self.case,
            "respondent_role": data["respondent_role"],
            "respondent": data["respondent"],
            "html": data["html"] if data["html"].strip() else None,
        }


class PrepareNoticeForm(RespondentForm):
    """Preparing drafts the notice; preparing again with an edited draft keeps the edit."""

    html = forms.CharField(
        label=_("The draft (HTML)"),
        required=False,
        strip=False,
        widget=textarea(18),
        help_text=_(
            "Edit the wording for this case. Left as it is, the notice is drafted again from "
            "the template (with the parties chosen above)."
        ),
    )

    def __init__(self, *args, draft=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft = draft
        if draft is None:
            del self.fields["html"]
        else:
            self.initial.setdefault("html", draft.html)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        html = data.get("html")
        keep = self.draft is not None and (html != self.draft.html or self.draft.edited)
        return {
            "case": self.case,
            "respondent_role": data["respondent_role"],
            "respondent": data["respondent"],
            "html": html if keep else None,
        }


class ConfirmForm(CaseForm):
    confirm = forms.BooleanField(label=_("I confirm"))

    def service_kwargs(self) -> dict:
        return {"case": self.case}


class ApproveNoticeForm(ConfirmForm):
    confirm = forms.BooleanField(label=_("I have read the notice and approve it"))


class SendNoticeForm(ConfirmForm):
    confirm = forms.BooleanField(
        label=_("Issue the notice and serve it on the parties listed above")
    )


# SPA s.61(1), in the words staff read when recording a paper service.
PAPER_METHOD_CHOICES = [
    (
        DeliveryMethod.HAND_PERSON,
        _("Handed to the person (SPA s.61(1)(a)(i), (b)(i)): given that day"),
    ),
    (
        DeliveryMethod.ADULT_OCCUPANT,
        _("Left with an adult occupant of their strata lot (s.61(1)(b)(ii)): given 4 days later"),
    ),
    (
        DeliveryMethod.UNDER_DOOR,
        _("Put under the door of their strata lot (s.61(1)(b)(iii)): given 4 days later"),
    ),
    (
        DeliveryMethod.MAIL_SLOT,
        _("Put through their mail slot or in their mailbox (s.61(1)(b)(v)): given 4 days later"),
    ),
    (
        DeliveryMethod.MAIL,
        _(
            "Mailed to the address they gave, else their strata lot (s.61(1)(a)(ii), (b)(iv)): "
            "given 4 days later"
        ),
    ),
]


class RecordServiceForm(CaseForm):
    service = forms.ModelChoiceField(
        label=_("Letter to serve"), queryset=LetterDelivery.objects.none()
    )
    method = forms.ChoiceField(
        label=_("Served by"), choices=PAPER_METHOD_CHOICES, widget=forms.RadioSelect
    )
    on_date = forms.DateField(label=_("Served on (handed, left or mailed)"), widget=DatePicker)
    delivered_by = forms.CharField(
        label=_("Who served it"),
        max_length=200,
        required=False,
        help_text=_("Blank: you."),
    )
    address = forms.CharField(
        label=_("Mailed to"),
        required=False,
        widget=textarea(3),
        help_text=_(
            "Only for a letter marked “address needed”, or mailed elsewhere than the address "
            "shown. Someone who gave an address for notices is mailed there (SPA s.61(1)(a))."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        field.queryset = (
            LetterDelivery.objects.filter(letter__case=self.case, status=DeliveryStatus.PENDING)
            .select_related("letter", "person")
            .order_by("created_at", "id")
        )
        field.label_from_instance = lambda s: (
            _("%(letter)s to %(person)s at %(address)s")
            % {
                "letter": s.letter.get_kind_display(),
                "person": s.person.full_name,
                "address": s.address or _("(address needed)"),
            }
        )
        self.initial.setdefault("on_date", strata_today(self.case.strata))

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PartyForm(CaseForm):
    party = forms.ModelChoiceField(label=_("Party"), queryset=CaseParty.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = self.case.parties.filter(required=True).select_related(
            "person"
        )


class ReserveForm(PartyForm):
    method = forms.ChoiceField(
        label=_("Serve again by"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )


def scans_field() -> MultipleFileField:
    """The letter as received on paper, kept as evidence with the record it belongs to."""
    return MultipleFileField(
        label=_("The letter as received (scan or photos)"),
        required=False,
        help_text=_(
            "Optional: a scan (PDF) or photos of the letter received on paper. They are "
            "checked like evidence and kept for staff with it; one refused file records nothing."
        ),
    )


class RecordResponseForm(PartyForm):
    received_at = forms.DateTimeField(label=_("Received at (strata time)"), widget=DateTimePicker)
    channel = forms.ChoiceField(label=_("Received by"), choices=ResponseChannel.choices)
    text = forms.CharField(label=_("What the response says"), widget=textarea(8))
    declines_hearing = forms.BooleanField(
        label=_("The party declines a hearing in writing"), required=False
    )
    scans = scans_field()


class ReceiveHearingRequestForm(PartyForm):
    requested_on = forms.DateField(label=_("Request received on"), widget=DatePicker)
    reason = forms.CharField(label=_("Reason given"), widget=textarea())
    scans = scans_field()


class ScheduleHearingForm(CaseForm):
    scheduled_for = forms.DateTimeField(
        label=_("Date and time (strata time)"), widget=DateTimePicker
    )
    location = forms.CharField(label=_("Location"), max_length=200)


class RecordHearingOutcomeForm(CaseForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=HearingOutcome.choices)
    minutes = forms.CharField(label=_("Minutes"), widget=textarea(8), required=False)
    consent_file = forms.FileField(
        label=_("The respondent's written request to postpone"),
        required=False,
        help_text=_("Needed only to record a postponement."),
    )


class CouncilChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return user.full_name or user.email


class RecordDecisionForm(CaseForm):
    """The decision council made at its meeting (SPA ss.26-27, 135(2))."""

    meeting_on = forms.DateField(label=_("Council meeting date"), widget=DatePicker)
    members_present = CouncilChoiceField(
        label=_("Council members present"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    recusals = CouncilChoiceField(
        label=_("Recused (did not vote)"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    motion = forms.CharField(label=_("Motion"), widget=textarea(3))
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0)
    votes_abstaining = forms.IntegerField(label=_("Abstaining"), min_value=0, initial=0)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=DecisionOutcome.choices)
    reasons = forms.CharField(label=_("Reasons"), widget=textarea(6))
    fine_amount = forms.DecimalField(
        label=_("Fine"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    fine_bylaw = forms.ModelChoiceField(
        label=_("Bylaw the fine is for"), queryset=Bylaw.objects.none(), required=False
    )
    continuing_every_days = forms.IntegerField(
        label=_("Continuing: repeat every (days)"), min_value=1, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        council = council_members(self.case.strata)
        self.fields["members_present"].queryset = council
        self.fields["recusals"].queryset = council
        self.fields["fine_bylaw"].queryset = self.case.bylaws.all()
        self.initial.setdefault("meeting_on", strata_today(self.case.strata))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **data,
            "case": self.case,
            "members_present": list(data["members_present"]),
            "recusals": list(data["recusals"]),
            "votes_abstaining": data["votes_abstaining"] or 0,
        }


class CloseForm(CaseForm):
    compliance_on = forms.DateField(
        label=_("Compliance date"),
        widget=DatePicker,
        required=False,
        help_text=_("Required for a fined case: the day the contravention stopped."),
    )


class EvidenceForm(CaseForm):
    files = MultipleFileField(
        label=_("Files"),
        help_text=_(
            "Photos, PDFs, audio, video, emails (.eml, .msg) and Word files. Originals are kept "
            "for staff with their metadata; residents only ever see copies without it."
        ),
    )
    source = forms.ChoiceField(
        label=_("From"), choices=Evidence.Source.choices, initial=Evidence.Source.STAFF
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


# Each button's form, by transition name (workflow.TRANSITIONS).
FORMS: dict[str, type[CaseForm]] = {
    "add_complaint": AddComplaintForm,
    "reject": ReasonForm,
    "warn": WarnForm,
    "prepare_notice": PrepareNoticeForm,
    "approve_notice": ApproveNoticeForm,
    "send_notice": SendNoticeForm,
    "record_service": RecordServiceForm,
    "reserve": ReserveForm,
    "record_response": RecordResponseForm,
    "receive_hearing_request": ReceiveHearingRequestForm,
    "schedule_hearing": ScheduleHearingForm,
    "record_hearing_outcome": RecordHearingOutcomeForm,
    "record_decision": RecordDecisionForm,
    "withdraw": ReasonForm,
    "close": CloseForm,
}
