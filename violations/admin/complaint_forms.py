"""Filing a case: the complaint's fields, and the form that files a case with them."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Right, scope_to_stratas
from properties.models import Person, Unit
from violations.admin.form_parts import (
    DatePicker,
    MultipleFileField,
    PersonChoiceField,
    TimePicker,
    textarea,
)
from violations.models import (
    Bylaw,
    Complaint,
    Violation,
    ViolationCategory,
)

# --- complaints ----------------------------------------------------------------------------


class ComplaintFields(forms.Form):
    """The complaint that opens a case or joins one. The complainant is a person on the
    register or a name; staff see it, residents never do."""

    channel = forms.ChoiceField(label=_("Received by"), choices=Complaint.Channel.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DatePicker)
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
    evidence_files = MultipleFileField(
        label=_("Photos and other files"),
        required=False,
        help_text=_(
            "Optional: what the complainant sent or showed (photos, PDFs, audio, video, "
            "emails, Word files), kept as the case's evidence. Checked like evidence; one "
            "refused file files nothing."
        ),
    )

    def complaint(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ComplaintFields.base_fields
            if name != "evidence_files"
        }


def strata_persons(queryset):
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
    incident_on = forms.DateField(label=_("Incident date"), widget=DatePicker)
    incident_time = forms.TimeField(label=_("Time"), widget=TimePicker, required=False)
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
        self.fields["complainant"].queryset = strata_persons(scoped(Person.objects.all()))
        self.open_cases: list[Violation] = []

    def offer(self, open_cases: list[Violation]) -> None:
        """Offer to add the complaint to one of ``open_cases`` instead (DESIGN §6). A browser
        does not send files twice, so any chosen are asked for again."""
        self.open_cases = open_cases
        if self.cleaned_data.get("evidence_files") and "evidence_files" not in self.errors:
            self.add_error(
                "evidence_files", _("Choose the files again: they are kept only once filed.")
            )
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
            "evidence_files": data["evidence_files"],
        }
