"""The answers a party sends from their pages: parsed here, decided by
``violations.services.responses`` (the same guards as when staff record them); the files go
through the evidence pipeline there (type sniffing, limits, stripped copies, ClamAV)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class _FilesInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input (Django's documented pattern); none is fine."""

    widget = _FilesInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        return [one(item, initial) for item in data] if isinstance(data, list | tuple) else []


class RespondForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea,
        max_length=20000,
        error_messages={"required": _("Write your answer.")},
    )
    declines_hearing = forms.BooleanField(label=_("I do not want a hearing"), required=False)
    files = FilesField(label=_("Photos or documents (optional)"))


class HearingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you ask for a hearing"),
        widget=forms.Textarea,
        max_length=20000,
        error_messages={"required": _("Say in a few words why you ask for a hearing.")},
    )
    files = FilesField(label=_("Photos or documents (optional)"))


def refusal_to_form(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form: under the field it names when the form has it, else
    above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
