"""Email templates in the staff admin (DESIGN §4): what a strata's residents and staff are sent,
and each strata's own wording of it, in the editor email and letter templates share
(``communications.admin.template_editor``).

- The list shows every default template, and for each strata the user manages whether it uses
  the default or its own version; below it, the emails no strata may reword, and why.
- The editor edits the subject and both bodies and previews them with the sample values; it
  saves with ``email_template_save`` and goes back with ``email_template_revert``. An email
  carrying a sign-in link (or sent to logins) has no editor: it is sent as written.

Managers (``Right.EDIT_TEMPLATES``) and superusers only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget, AdminTextInputWidget
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communications.admin.rendering import html_frame, text_block
from communications.admin.template_editor import TemplateEditorAdmin
from communications.email_templates import defaults, not_overridable_reason
from communications.models import EmailTemplate
from communications.selectors import (
    email_template_overview,
    email_template_preview,
    email_template_versions,
    email_templates_fixed,
    email_templates_visible_to,
)
from communications.services import email_template_revert, email_template_save


class TemplateSourceForm(forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=300,
        widget=AdminTextInputWidget(attrs={"class": "vLargeTextField"}),
    )
    body_text = forms.CharField(
        label=gettext_lazy("Text body"),
        strip=False,
        widget=AdminTextareaWidget(attrs={"rows": 16, "class": "template-source"}),
        help_text=gettext_lazy(
            "Every email has a plain-text part; some mail programs show only it."
        ),
    )
    body_html = forms.CharField(
        label=gettext_lazy("HTML body"),
        required=False,
        strip=False,
        widget=AdminTextareaWidget(attrs={"rows": 16, "class": "template-source"}),
        help_text=gettext_lazy("Optional. Values are escaped for you; scripts never run."),
    )


@admin.register(EmailTemplate)
class EmailTemplateAdmin(TemplateEditorAdmin):
    selector = staticmethod(email_templates_visible_to)
    form_class = TemplateSourceForm
    overview_title = gettext_lazy("Email templates")
    not_found = gettext_lazy("No such template for a strata of yours.")
    versions_selector = staticmethod(email_template_versions)
    save_service = staticmethod(email_template_save)
    revert_service = staticmethod(email_template_revert)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "strata",
                    "template_label",
                    "version",
                    "is_active",
                    "saved_by",
                    "created_at",
                    "editor_link",
                )
            },
        ),
        (gettext_lazy("Source"), {"fields": ("subject", "source_text", "source_html")}),
        (
            gettext_lazy("Preview with sample values"),
            {"fields": ("preview_subject", "preview_text", "preview_html")},
        ),
    )
    readonly_fields = tuple(name for _title, box in fieldsets for name in box["fields"])

    # --- the editor's templates -------------------------------------------------------------
    def template_for(self, key):
        return defaults().get(key)

    def label_of(self, template):
        return template.label

    def default_sources(self, template):
        return {name: getattr(template, name) for name in TemplateSourceForm.base_fields}

    def overview(self, stratas):
        return {"rows": email_template_overview(stratas), "fixed": email_templates_fixed()}

    def refusal(self, request, template):
        if template.overridable:
            return None
        # Emails carrying a sign-in link (and emails to logins) keep the shipped wording.
        self.message_user(request, not_overridable_reason(template), messages.ERROR)
        return HttpResponseRedirect(
            reverse(self.url_name("changelist"), current_app=self.admin_site.name)
        )

    def render_preview(self, template, sources):
        return email_template_preview(template=template, **sources)

    def preview_context(self, template, preview):
        return {
            "preview": preview,
            "preview_text": preview and text_block(preview.body_text),
            "preview_html": preview and html_frame(preview.body_html, title=preview.subject),
        }

    def editor_context(self, strata, template):
        return {"template": template, "variables": sorted(template.sample.items())}

    # --- a saved version --------------------------------------------------------------------
    @admin.display(description=gettext_lazy("template"))
    def template_label(self, version):
        default = defaults().get(version.name)
        return f"{default.label} ({version.name})" if default else version.name

    @admin.display(description=gettext_lazy("text body"))
    def source_text(self, version):
        return text_block(version.body_text)

    @admin.display(description=gettext_lazy("HTML body"))
    def source_html(self, version):
        return text_block(version.body_html or "—")

    def _preview(self, version):
        default = defaults().get(version.name)
        if default is None:
            return None, _("No default template of this name is installed any more.")
        try:
            return email_template_preview(
                template=default,
                subject=version.subject,
                body_text=version.body_text,
                body_html=version.body_html,
            ), None
        except ValidationError as error:
            return None, "; ".join(error.messages)

    @admin.display(description=gettext_lazy("subject"))
    def preview_subject(self, version):
        rendered, problem = self._preview(version)
        return rendered.subject if rendered else problem

    @admin.display(description=gettext_lazy("text"))
    def preview_text(self, version):
        rendered, problem = self._preview(version)
        return text_block(rendered.body_text) if rendered else problem

    @admin.display(description=gettext_lazy("HTML"))
    def preview_html(self, version):
        rendered, problem = self._preview(version)
        if rendered is None:
            return problem
        return html_frame(rendered.body_html, title=rendered.subject)
