"""The bylaw import's two forms: the upload, previewed without writing, and the confirmation,
which carries the file back signed (IMPORT_SALT) to be parsed again and applied.
"""

import base64
import datetime as dt

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.middleware import SESSION_STRATA_ID
from accounts.models import Strata
from violations.domain.bylaw_parsing import FILE_FORMAT_CHOICES, MAX_FILE_BYTES, bylaws_parse
from violations.models import BylawKind
from violations.selectors.cases import bylaw_editing_today, stratas_for_bylaw_editing
from violations.services.bylaws import (
    ImportMode,
)

IMPORT_SALT = "violations.admin.bylaw_import"
IMPORT_MAX_AGE = 60 * 60  # seconds a preview may be confirmed in


def import_initial(request) -> dict:
    return {
        "strata": request.session.get(SESSION_STRATA_ID),
        "kind": BylawKind.BYLAW,
        "mode": ImportMode.SKIP,
        "effective_on": bylaw_editing_today(request.user, request.session.get(SESSION_STRATA_ID)),
    }


class StrataChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, strata):
        return f"{strata.name} ({strata.plan_number})"


class BylawImportForm(forms.Form):
    strata = StrataChoiceField(queryset=Strata.objects.none(), label=gettext_lazy("Strata"))
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=FILE_FORMAT_CHOICES, widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"), choices=BylawKind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(label=gettext_lazy("File"))
    mode = forms.ChoiceField(
        label=gettext_lazy("Numbers that already exist"),
        choices=ImportMode.choices,
        widget=forms.RadioSelect,
    )
    effective_on = forms.DateField(
        label=gettext_lazy("New and changed texts in force from"),
        widget=AdminDateWidget,
        help_text=gettext_lazy("Usually the date the bylaws were filed at the Land Title Office."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strata"].queryset = stratas_for_bylaw_editing(user)
        self.content = b""
        self.sections = []

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None or not cleaned.get("file_format") or not cleaned.get("kind"):
            return cleaned
        if upload.size > MAX_FILE_BYTES:
            self.add_error(
                "file",
                _("The file is larger than %(limit)d kB.") % {"limit": MAX_FILE_BYTES // 1000},
            )
            return cleaned
        self.content = upload.read()
        try:
            self.sections = bylaws_parse(
                self.content, file_format=cleaned["file_format"], kind=cleaned["kind"]
            )
        except ValidationError as error:
            self.add_error("file", error)
        return cleaned


class BylawImportConfirmForm(forms.Form):
    """The previewed file and choices, signed so the import applies exactly what was shown;
    the file is parsed again here, never taken from the client as parsed rows."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.import_args = {}

    def clean_payload(self):
        expired = _("This preview has expired or was altered; upload the file again.")
        try:
            data = signing.loads(
                self.cleaned_data["payload"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE
            )
        except signing.BadSignature as error:
            raise ValidationError(expired) from error
        if data.get("user") != self.user.pk:
            raise ValidationError(expired)
        strata = stratas_for_bylaw_editing(self.user).filter(pk=data["strata"]).first()
        if strata is None:
            raise ValidationError(_("You may not import bylaws into this strata."))
        sections = bylaws_parse(
            base64.b64decode(data["content"]), file_format=data["file_format"], kind=data["kind"]
        )
        self.import_args = {
            "strata": strata,
            "sections": sections,
            "mode": data["mode"],
            "effective_on": dt.date.fromisoformat(data["effective_on"]),
        }
        return self.cleaned_data["payload"]
