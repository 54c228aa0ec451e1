"""The forms behind the case admin: filing a case, and one form per transition button.

Each transition form checks only the shape of its input; the service it feeds decides
whether the transition may happen and says why not. ``service_kwargs()`` is what the service
is called with (besides ``actor`` and ``context``).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import (
    AdminDateWidget,
    AdminSplitDateTime,
    AdminTextareaWidget,
    AdminTimeWidget,
    AutocompleteSelect,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import StrataMembership, User
from accounts.permissions import Right, current_memberships, scope_to_stratas
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from properties.models import Occupancy, Person, Unit
from properties.selectors import current_occupancies
from violations import letters, rule_pack
from violations.models import (
    Bylaw,
    CaseParty,
    Complaint,
    DecisionOutcome,
    Evidence,
    HearingOutcome,
    LetterKind,
    RespondentRole,
    ResponseChannel,
    Service,
    ServiceMethod,
    ServiceStatus,
    Violation,
    ViolationCategory,
)


def textarea(rows: int = 4):
    return AdminTextareaWidget(attrs={"rows": rows})


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return person.full_name


# --- complaints ----------------------------------------------------------------------------


class ComplaintFields(forms.Form):
    """The complaint that opens a case or joins one. The complainant is a person on the
    register or a name; staff see it, residents never do."""

    channel = forms.ChoiceField(label=_("Received by"), choices=Complaint.Channel.choices)
    received_on = forms.DateField(label=_("Received on"), widget=AdminDateWidget)
    complainant = PersonChoiceField(
        label=_("Complainant on the register"), queryset=Person.objects.none(), required=False
    )
    complainant_name = forms.CharField(
        label=_("or the complainant's name"), max_length=200, required=False
    )
    details = forms.CharField(
        label=_("What the complainant said"), widget=textarea(), required=False
    )
    disclosure_warned = forms.BooleanField(
        label=_("The complainant was told that complaints may be disclosed"), required=False
    )

    def complaint(self) -> dict:
        return {name: self.cleaned_data[name] for name in ComplaintFields.base_fields}


def _strata_persons(queryset):
    return queryset.filter(archived_at__isnull=True).order_by("full_name")


class CaseReportForm(ComplaintFields):
    """Filing a case (``violation_report``). Units, bylaws, categories and complainants come
    from the user's stratas; the service checks they are all of the unit's strata."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    bylaws = forms.ModelMultipleChoiceField(
        label=_("Bylaws or rules contravened"),
        queryset=Bylaw.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ViolationCategory.objects.none(), required=False
    )
    incident_on = forms.DateField(label=_("Incident date"), widget=AdminDateWidget)
    incident_time = forms.TimeField(label=_("Time"), widget=AdminTimeWidget, required=False)
    incident_place = forms.CharField(label=_("Place"), max_length=200, required=False)
    description = forms.CharField(label=_("What happened"), widget=textarea(5))
    noticed_by = forms.CharField(label=_("Noticed by"), max_length=200, required=False)
    concierge_name = forms.CharField(label=_("Concierge"), max_length=200, required=False)
    people_involved = forms.CharField(
        label=_("People involved"), widget=textarea(2), required=False
    )
    damage = forms.BooleanField(label=_("Damage"), required=False)
    damage_details = forms.CharField(label=_("Damage details"), widget=textarea(2), required=False)
    police = forms.BooleanField(label=_("Police attended"), required=False)
    police_details = forms.CharField(label=_("Police details"), widget=textarea(2), required=False)
    # Offered only when an open case of the same unit and bylaw exists (``offer``).
    file_as = forms.CharField(
        label=_("An open case of this unit and bylaw exists"),
        widget=forms.RadioSelect,
        required=False,
    )

    field_order = ["unit", "bylaws", "category", "incident_on", "incident_time"]
    INCIDENT_DETAILS = (
        "noticed_by",
        "concierge_name",
        "people_involved",
        "damage",
        "damage_details",
        "police",
        "police_details",
    )

    def __init__(self, *args, user, strata_id=None, admin_site=admin.site, **kwargs):
        super().__init__(*args, **kwargs)

        def scoped(queryset):
            queryset = scope_to_stratas(queryset, user, Right.FILE_CASES)
            return queryset.filter(strata_id=strata_id) if strata_id else queryset

        # The widget first: setting the queryset hands it the choices it searches within.
        self.fields["unit"].widget = AutocompleteSelect(
            Violation._meta.get_field("unit"), admin_site
        )
        self.fields["unit"].queryset = scoped(Unit.objects.filter(archived_at__isnull=True))
        self.fields["bylaws"].queryset = scoped(
            Bylaw.objects.filter(is_active=True).select_related("strata")
        ).order_by("strata__name", "kind", "number")
        self.fields["category"].queryset = scoped(
            ViolationCategory.objects.filter(is_active=True)
        ).order_by("name")
        self.fields["complainant"].queryset = _strata_persons(scoped(Person.objects.all()))
        self.open_cases: list[Violation] = []

    def offer(self, open_cases: list[Violation]) -> None:
        """Offer to add the complaint to one of ``open_cases`` instead (DESIGN §6)."""
        self.open_cases = open_cases
        self.fields["file_as"].widget.choices = [
            ("new", _("Open a new case anyway")),
            *(
                (
                    str(case.uuid),
                    _("Add this complaint to %(reference)s (%(status)s) instead")
                    % {"reference": case.reference, "status": case.get_status_display()},
                )
                for case in open_cases
            ),
        ]

    def report_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "unit": data["unit"],
            "bylaws": list(data["bylaws"]),
            "category": data["category"],
            "incident_on": data["incident_on"],
            "incident_time": data["incident_time"],
            "incident_place": data["incident_place"],
            "description": data["description"],
            "details": {name: data[name] for name in self.INCIDENT_DETAILS},
            "complaint": self.complaint(),
        }


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
        self.fields["complainant"].queryset = _strata_persons(
            Person.objects.filter(strata=self.case.strata)
        )

    def service_kwargs(self) -> dict:
        return {"case": self.case, "complaint": self.complaint()}


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


class RecordServiceForm(CaseForm):
    service = forms.ModelChoiceField(label=_("Letter to serve"), queryset=Service.objects.none())
    method = forms.ChoiceField(
        label=_("Served by"),
        choices=[
            (ServiceMethod.MAIL, _("Mail")),
            (ServiceMethod.HAND, _("Handed to the person (SPA s.61(1)(a))")),
        ],
        widget=forms.RadioSelect,
    )
    on_date = forms.DateField(label=_("Mailed or handed over on"), widget=AdminDateWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        field.queryset = (
            Service.objects.filter(letter__case=self.case, status=ServiceStatus.PENDING)
            .select_related("letter", "person")
            .order_by("created_at", "id")
        )
        field.label_from_instance = lambda s: (
            _("%(letter)s to %(person)s at %(address)s")
            % {
                "letter": s.letter.get_kind_display(),
                "person": s.person.full_name,
                "address": s.address,
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
        label=_("Serve again by"), choices=ServiceMethod.choices, widget=forms.RadioSelect
    )


class RecordResponseForm(PartyForm):
    received_at = forms.SplitDateTimeField(
        label=_("Received at (strata time)"), widget=AdminSplitDateTime
    )
    channel = forms.ChoiceField(label=_("Received by"), choices=ResponseChannel.choices)
    text = forms.CharField(label=_("What the response says"), widget=textarea(8))
    declines_hearing = forms.BooleanField(
        label=_("The party declines a hearing in writing"), required=False
    )


class ReceiveHearingRequestForm(PartyForm):
    requested_on = forms.DateField(label=_("Request received on"), widget=AdminDateWidget)
    reason = forms.CharField(label=_("Reason given"), widget=textarea())


class ScheduleHearingForm(CaseForm):
    scheduled_for = forms.SplitDateTimeField(
        label=_("Date and time (strata time)"), widget=AdminSplitDateTime
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

    meeting_on = forms.DateField(label=_("Council meeting date"), widget=AdminDateWidget)
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
        council = User.objects.filter(
            pk__in=StrataMembership.objects.filter(
                current_memberships(), strata=self.case.strata, role=StrataMembership.Role.COUNCIL
            ).values("user_id")
        ).order_by("full_name", "email")
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
        widget=AdminDateWidget,
        required=False,
        help_text=_("Required for a fined case: the day the contravention stopped."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by
    ``evidence_add``, which refuses the whole upload if any one fails."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


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


def attach_errors(form, error: ValidationError) -> None:
    """A refusal's messages on the fields they name, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def service_attempt(request, form, service) -> bool:
    """Call ``service`` with the form's arguments as the request's user; on a refusal, put its
    messages on the form and say so."""
    try:
        service(
            actor=request.user, context=AuditContext.from_request(request), **form.service_kwargs()
        )
    except ValidationError as error:
        attach_errors(form, error)
        return False
    return True
