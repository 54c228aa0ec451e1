"""Letter templates in the staff admin (DESIGN §4): each strata's own wording of its letters, in
the editor email and letter templates share (``communications.admin.template_editor``).

- The list shows every letter, and for each strata the user manages whether it uses the default
  file or its own version.
- The editor edits the letter's HTML and previews it with the sample values in a sandboxed
  frame or as the PDF the parties would receive; it saves with ``letter_template_save`` and
  goes back with ``letter_template_revert``. ``<strata id>/<kind>/pdf/`` is the wording in use
  (or ``?version=N``) as a PDF.

Managers (``Right.EDIT_TEMPLATES``) and superusers only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communications.admin.rendering import html_frame, text_block
from communications.admin.template_editor import TemplateEditorAdmin
from violations.domain import rule_pack
from violations.domain.pdf import html_to_pdf
from violations.models import LetterKind, LetterTemplate
from violations.selectors import letters
from violations.selectors.cases import (
    letter_template_overview,
    letter_template_versions,
    letter_templates_visible_to,
)
from violations.services.letter_templates import (
    letter_template_preview,
    letter_template_revert,
    letter_template_save,
)


class LetterSourceForm(forms.Form):
    body_html = forms.CharField(
        label=gettext_lazy("Letter (HTML)"),
        strip=False,
        widget=AdminTextareaWidget(attrs={"rows": 28, "class": "template-source"}),
        help_text=gettext_lazy(
            "Values are escaped for you; scripts never run, and the PDF loads no images or "
            "stylesheets from anywhere."
        ),
    )


def pdf_response(html: str, *, filename: str) -> HttpResponse:
    """The letter as the parties would get it, shown in the browser, never sniffed as a page."""
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin.register(LetterTemplate)
class LetterTemplateAdmin(TemplateEditorAdmin):
    selector = staticmethod(letter_templates_visible_to)
    form_class = LetterSourceForm
    overview_title = gettext_lazy("Letter templates")
    not_found = gettext_lazy("No such letter for a strata of yours.")
    versions_selector = staticmethod(letter_template_versions)
    save_service = staticmethod(letter_template_save)
    revert_service = staticmethod(letter_template_revert)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "strata",
                    "kind",
                    "version",
                    "is_active",
                    "saved_by",
                    "created_at",
                    "editor_link",
                )
            },
        ),
        (gettext_lazy("Source"), {"fields": ("source",)}),
        (gettext_lazy("Preview with sample values"), {"fields": ("preview",)}),
    )
    readonly_fields = tuple(name for _title, box in fieldsets for name in box["fields"])

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:strata_id>/<str:key>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="{}_{}_pdf".format(*info),
            ),
            *super().get_urls(),
        ]

    # --- the editor's letters ---------------------------------------------------------------
    def template_for(self, key):
        return LetterKind(key) if key in LetterKind.values else None

    def label_of(self, kind):
        return kind.label

    def default_sources(self, kind):
        return {"body_html": letters.default_source(kind)}

    def overview(self, stratas):
        return {"rows": letter_template_overview(stratas)}

    def render_preview(self, kind, sources):
        return letter_template_preview(kind=kind, **sources)

    def preview_response(self, request, kind, preview):
        if "_preview_pdf" in request.POST:
            return pdf_response(preview, filename=f"{kind}-preview.pdf")
        return None

    def preview_context(self, kind, preview):
        return {"preview_html": preview and html_frame(preview, title=kind.label)}

    def editor_context(self, strata, kind):
        return {
            "kind": kind,
            "default_source": letters.default_source(kind),
            "variables": sorted(letters.SAMPLES[kind].items()),
            "notice_elements": (
                list(rule_pack.NOTICE_ELEMENTS.values()) if kind == LetterKind.NOTICE else []
            ),
        }

    def pdf_view(self, request, strata_id: int, key: str):
        """The wording in use (or ``?version=N``) as a PDF with the sample values."""
        strata, kind = self.strata_and_template(request, strata_id, key)
        wanted = request.GET.get("version")
        if wanted:
            source = (
                letter_template_versions(strata=strata, kind=kind)
                .filter(version=int(wanted) if wanted.isdigit() else 0)
                .values_list("body_html", flat=True)
                .first()
            )
            if source is None:
                raise Http404(_("No such version."))
        else:
            in_use = letters.active_template(kind, strata)
            source = in_use.body_html if in_use else letters.default_source(kind)
        try:
            html = letter_template_preview(kind=kind, body_html=source)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(
                reverse(
                    self.url_name("edit"),
                    args=[strata.pk, kind],
                    current_app=self.admin_site.name,
                )
            )
        return pdf_response(html, filename=f"{strata.plan_number}-{kind}-preview.pdf")

    # --- a saved version --------------------------------------------------------------------
    def version_links(self, version):
        pdf = reverse(
            self.url_name("pdf"),
            args=[version.strata_id, version.kind],
            current_app=self.admin_site.name,
        )
        return [
            format_html(
                '<a href="{}?version={}" target="_blank">{}</a>',
                pdf,
                version.version,
                _("Preview PDF"),
            )
        ]

    @admin.display(description=gettext_lazy("letter (HTML)"))
    def source(self, version):
        return text_block(version.body_html)

    @admin.display(description=gettext_lazy("letter"))
    def preview(self, version):
        try:
            html = letter_template_preview(kind=version.kind, body_html=version.body_html)
        except ValidationError as error:
            return "; ".join(error.messages)
        return html_frame(html, title=version.get_kind_display())
