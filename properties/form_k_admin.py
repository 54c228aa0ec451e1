"""The Form K on an occupancy's admin page: an upload is checked and scanned like evidence
(``properties.form_k``) and a refusal is the field's error; the stored file links to its
permission-checked download (``properties.file_views``), never to MEDIA_URL, which nothing
serves.
"""

from pathlib import PurePosixPath

from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can
from properties.form_k import FormK, form_k_check
from properties.models import Occupancy

FIELD = "form_k_file"


class FormKLink:
    """A stored Form K as the admin shows it: the uploader's name, linked to the download."""

    def __init__(self, occupancy: Occupancy):
        self.url = reverse("properties:form-k-download", args=[occupancy.uuid])
        self.name = occupancy.form_k_name or PurePosixPath(occupancy.form_k_file.name).name

    def __str__(self):
        return self.name


class FormKWidget(AdminFileWidget):
    """The admin's file input, its "Currently" link pointing at the download view."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = FormKLink(value.instance)
        return context


def _outcome(file: UploadedFile) -> FormK | ValidationError:
    try:
        return form_k_check(file)
    except ValidationError as error:
        return error


class FormKAdminMixin:
    """For the occupancy's ModelAdmin (before ``RegisterAdmin`` in its bases)."""

    formfield_overrides = {models.FileField: {"widget": FormKWidget}}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django's admin validates the form inside its transaction; the virus scan is network
        # I/O (STYLE), so a chosen file is checked and scanned first and the form reads that.
        upload = request.FILES.get(FIELD) if request.method == "POST" else None
        if upload is not None and can(request.user, self.edit_right):
            request.form_k_checked = (upload, _outcome(upload))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        checked = getattr(request, "form_k_checked", None)

        class FormKForm(form_class):
            def clean_form_k_file(self):
                file = self.cleaned_data.get(FIELD)
                if file is False:  # cleared
                    self.instance.form_k_name = ""
                if not isinstance(file, UploadedFile):
                    return file
                outcome = checked[1] if checked and checked[0] is file else _outcome(file)
                if isinstance(outcome, ValidationError):
                    raise outcome
                self.instance.form_k_name = outcome.name
                return file

        return FormKForm

    def get_fields(self, request, obj=None):
        """Read-only, Django would link the file to MEDIA_URL: show the download link."""
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [("form_k" if name == FIELD else name) for name in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "form_k")

    @admin.display(description=_("Form K"))
    def form_k(self, occupancy):
        if not occupancy.form_k_file:
            return self.get_empty_value_display()
        link = FormKLink(occupancy)
        return format_html('<a href="{}">{}</a>', link.url, link)
