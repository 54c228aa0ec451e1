"""Pieces every case admin form uses: a textarea, the browser's date and time pickers, person
and file fields, and calling a service from a form with its refusal shown on the form.
"""

from django import forms
from django.contrib.admin.widgets import (
    AdminTextareaWidget,
)
from django.core.exceptions import ValidationError

from accounts.request_meta import AuditContext


def textarea(rows: int = 4):
    return AdminTextareaWidget(attrs={"rows": rows})


# The browser's own pickers. Whatever the browser's language, it shows the date its way and
# sends it in ISO 8601 ("2026-11-20", "2026-11-20T19:30", "19:30"), which Django's date, time
# and datetime fields read; the value is written back to the browser in the same form.
class DatePicker(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimePicker(forms.DateTimeInput):
    """A date and a time of day, to the minute, in the time zone the form is read in (the
    strata's: the views override the current time zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TimePicker(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return person.full_name


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
