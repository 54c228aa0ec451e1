"""The resident pages' forms of the register: they parse what was typed; the services in
``properties.resident_access`` decide."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter a valid email address."),
        },
    )


class PersonChoiceForm(forms.Form):
    """Who the visitor is, among the persons the link's address belongs to."""

    person = forms.TypedChoiceField(
        label=_("Who are you?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who you are."),
            "invalid_choice": _("Choose one of the names listed."),
        },
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.persons = {str(person.uuid): person for person in persons}
        self.fields["person"].choices = [
            (key, f"{person.full_name} — {person.strata.name}")
            for key, person in self.persons.items()
        ]
        self.fields["person"].coerce = self.persons.__getitem__


class NewslettersForm(forms.Form):
    newsletters = forms.BooleanField(
        label=_("Email me the strata's newsletters and announcements"), required=False
    )


class NoticeAddressForm(forms.Form):
    email_for_notices = forms.EmailField(
        label=_("Email address for notices"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter a valid email address.")},
    )
