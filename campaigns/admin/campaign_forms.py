"""The campaign admin's forms: composing a campaign (its audience as fields a manager ticks and
types) and choosing when to send it.

The forms only shape input; ``campaign_save`` checks the placeholders, the audience and the
template, and its refusals come back as errors on these fields (``attach_errors``).
"""

from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget, FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Strata
from accounts.permissions import Right, scope_to_stratas
from campaigns.audience import parse_typed_addresses
from campaigns.models import Campaign, CampaignKind, CampaignTemplate
from campaigns.rendering import PLACEHOLDERS
from properties.models import Person, Unit

GROUPS = (
    ("all", gettext_lazy("Everyone: owners, tenants and occupants")),
    ("owners", gettext_lazy("Owners")),
    ("tenants", gettext_lazy("Tenants")),
)


def attach_errors(form, error: ValidationError) -> None:
    """A refusal's messages on the fields they name, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.unit_number} ({unit.strata.name})"


class PersonChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        address = person.email or person.email_for_notices
        return f"{person.full_name} <{address}> ({person.strata.name})"


class TemplateChoice(forms.ModelChoiceField):
    def label_from_instance(self, template):
        return f"{template.name} ({template.strata.name})"


class CampaignForm(forms.Form):
    """A campaign as a manager writes it; its choices are the user's stratas' records."""

    stratas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Stratas"),
        queryset=Strata.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Each address receives it once, whichever stratas it is in."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=200, help_text=gettext_lazy("For staff; not sent.")
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=CampaignKind.choices,
        help_text=gettext_lazy(
            "An emergency reaches residents who chose no newsletters too, and says why."
        ),
    )
    template = TemplateChoice(
        label=gettext_lazy("Start from template"),
        queryset=CampaignTemplate.objects.none(),
        required=False,
        help_text=gettext_lazy("A blank subject or body is filled from the template."),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300, required=False)
    body_markdown = forms.CharField(
        label=gettext_lazy("Body (Markdown)"),
        required=False,
        widget=AdminTextareaWidget(attrs={"rows": 16}),
    )
    groups = forms.MultipleChoiceField(
        label=gettext_lazy("Who"),
        choices=GROUPS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    units = UnitChoices(
        label=gettext_lazy("Units"),
        queryset=Unit.objects.none(),
        to_field_name="uuid",
        required=False,
        widget=FilteredSelectMultiple(gettext_lazy("units"), is_stacked=False),
        help_text=gettext_lazy("Everyone living in or owning these units."),
    )
    floors = forms.CharField(
        label=gettext_lazy("Floors"),
        required=False,
        help_text=gettext_lazy("Separated by commas, as the register writes them: 3, 4, PH."),
    )
    persons = PersonChoices(
        label=gettext_lazy("Persons"),
        queryset=Person.objects.none(),
        to_field_name="uuid",
        required=False,
        widget=FilteredSelectMultiple(gettext_lazy("persons"), is_stacked=False),
    )
    addresses = forms.CharField(
        label=gettext_lazy("Other addresses"),
        required=False,
        widget=AdminTextareaWidget(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line, or separated by commas."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stratas"].queryset = scope_to_stratas(
            Strata.objects.filter(archived_at__isnull=True).order_by("name"),
            user,
            Right.SEND_CAMPAIGNS,
            via="pk",
        )
        mine = {"strata__in": self.fields["stratas"].queryset}
        self.fields["template"].queryset = (
            CampaignTemplate.objects.filter(archived_at__isnull=True, **mine)
            .select_related("strata")
            .order_by("strata__name", "name")
        )
        self.fields["units"].queryset = (
            Unit.objects.filter(archived_at__isnull=True, **mine)
            .select_related("strata")
            .order_by("strata__name", "unit_number")
        )
        self.fields["persons"].queryset = (
            Person.objects.filter(archived_at__isnull=True, **mine)
            .filter(~Q(email="") | ~Q(email_for_notices=""))
            .select_related("strata")
            .order_by("full_name", "pk")
        )
        names = ", ".join(f"{{{{ {name} }}}}" for name in sorted(PLACEHOLDERS))
        self.fields["body_markdown"].help_text = _(
            "Markdown: **bold**, *italic*, [a link](https://example.com), lists with “- ”. "
            "Placeholders: %(names)s."
        ) % {"names": names}

    def clean(self):
        data = super().clean()
        template = data.get("template")
        for name in ("subject", "body_markdown"):
            if not (data.get(name) or "").strip():
                if template is not None:
                    data[name] = getattr(template, name)
                elif name not in self.errors:
                    self.add_error(name, _("This field is required."))
        chosen = {strata.pk for strata in data.get("stratas") or ()}
        for name in ("units", "persons"):
            foreign = [item for item in data.get(name) or () if item.strata_id not in chosen]
            if chosen and foreign:
                labels = ", ".join(self.fields[name].label_from_instance(i) for i in foreign[:5])
                self.add_error(
                    name, _("Not in the stratas chosen above: %(items)s.") % {"items": labels}
                )
        return data

    def service_kwargs(self) -> dict:
        """What ``campaign_save`` takes, the audience as its rule."""
        data = self.cleaned_data
        return {
            "stratas": list(data["stratas"]),
            "title": data["title"],
            "kind": data["kind"],
            "subject": data["subject"],
            "body_markdown": data["body_markdown"],
            "template": data["template"],
            "audience": {
                "groups": data["groups"],
                "units": [str(unit.uuid) for unit in data["units"]],
                "floors": [floor.strip() for floor in data["floors"].split(",") if floor.strip()],
                "persons": [str(person.uuid) for person in data["persons"]],
                "addresses": list(parse_typed_addresses(data["addresses"])),
            },
        }


def initial_from(campaign: Campaign) -> dict:
    """The compose form's values for a stored campaign."""
    audience = campaign.audience or {}
    return {
        "stratas": list(campaign.stratas.all()),
        "title": campaign.title,
        "kind": campaign.kind,
        "template": campaign.template_id,
        "subject": campaign.subject,
        "body_markdown": campaign.body_markdown,
        "groups": audience.get("groups", []),
        "units": audience.get("units", []),
        "floors": ", ".join(audience.get("floors", [])),
        "persons": audience.get("persons", []),
        "addresses": "\n".join(audience.get("addresses", [])),
    }


class DateTimePicker(forms.DateTimeInput):
    """The browser's own date and time picker, read in the zone the view activates."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(label=gettext_lazy("Send at"), widget=DateTimePicker)

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at <= timezone.now():
            raise ValidationError(_("Choose a time in the future, or send it now."))
        return at
