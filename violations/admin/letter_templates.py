"""Letter templates in the staff admin (DESIGN §4): each strata's own wording of its letters,
built like the email template editor (``communications.admin.email_templates``).

- The list (the model's changelist) shows every letter, and for each strata the user manages
  whether it uses the default file or its own version.
- The editor, one per (strata, letter), starts from the wording in use, lists the variables
  with their sample values, previews with those samples in a sandboxed frame or as the PDF the
  parties would receive, saves a new version (``letter_template_save``) or goes back to the
  default (``letter_template_revert``), and lists every saved version.
- A saved version's own page is read-only: versions are never changed, a new one is saved.

Managers (``Right.EDIT_TEMPLATES``) and superusers only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from communications.admin.base import ReadOnlyAdmin
from communications.admin.rendering import html_frame, text_block
from communications.selectors import template_stratas_for
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
class LetterTemplateAdmin(ReadOnlyAdmin):
    """The changelist is the list of letters (a letter with no override has no row); the
    versions of one are listed in its editor, and each version's page is read-only."""

    view_right = Right.EDIT_TEMPLATES
    edit_right = Right.EDIT_TEMPLATES
    selector = staticmethod(letter_templates_visible_to)
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
                "<int:strata_id>/<str:kind>/edit/",
                self.admin_site.admin_view(self.edit_view),
                name="{}_{}_edit".format(*info),
            ),
            path(
                "<int:strata_id>/<str:kind>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="{}_{}_pdf".format(*info),
            ),
            *super().get_urls(),
        ]

    def _strata_and_kind(self, request, strata_id: int, kind: str):
        """The strata and letter of an editor URL: 403 without the right anywhere, 404 for a
        strata the user does not manage (it looks like one that does not exist)."""
        if not can(request.user, Right.EDIT_TEMPLATES):
            raise PermissionDenied
        # Not narrowed by the strata switcher: that narrows lists, not what one may open.
        strata = template_stratas_for(request.user).filter(pk=strata_id).first()
        if strata is None or kind not in LetterKind.values:
            raise Http404(_("No such letter for a strata of yours."))
        return strata, LetterKind(kind)

    # --- the list of letters ----------------------------------------------------------------
    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        stratas = template_stratas_for(request.user)
        current = request.session.get(SESSION_STRATA_ID)
        stratas = list(stratas.filter(pk=current) if current else stratas)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Letter templates"),
            "subtitle": None,
            "opts": self.opts,
            "template_stratas": stratas,
            "rows": letter_template_overview(stratas),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/violations/lettertemplate/overview.html", context)

    # --- the editor -------------------------------------------------------------------------
    def edit_view(self, request, strata_id: int, kind: str):
        strata, kind = self._strata_and_kind(request, strata_id, kind)
        if request.method == "POST" and "_revert" in request.POST:
            return self._revert(request, strata, kind)

        versions = list(letter_template_versions(strata=strata, kind=kind))
        in_use = next((v for v in versions if v.is_active), None)
        preview = None
        if request.method == "POST":
            form = LetterSourceForm(request.POST)
            if form.is_valid() and "_save" in request.POST:
                try:
                    saved = letter_template_save(
                        strata=strata,
                        kind=kind,
                        actor=request.user,
                        context=AuditContext.from_request(request),
                        **form.cleaned_data,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(
                        request,
                        _("Saved version %(version)d of “%(label)s” for %(strata)s.")
                        % {"version": saved.version, "label": kind.label, "strata": strata.name},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.path)
            elif form.is_valid():
                try:
                    preview = letter_template_preview(kind=kind, **form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    if "_preview_pdf" in request.POST:
                        return pdf_response(preview, filename=f"{kind}-preview.pdf")
        else:
            start = in_use.body_html if in_use else letters.default_source(kind)
            wanted = request.GET.get("from_version")
            if wanted:
                start = next((v.body_html for v in versions if str(v.version) == wanted), start)
            form = LetterSourceForm(initial={"body_html": start})

        context = {
            **self.admin_site.each_context(request),
            "title": _("%(label)s for %(strata)s") % {"label": kind.label, "strata": strata.name},
            "subtitle": None,
            "opts": self.opts,
            "strata": strata,
            "kind": kind,
            "default_source": letters.default_source(kind),
            "variables": sorted(letters.SAMPLES[kind].items()),
            "notice_elements": (
                list(rule_pack.NOTICE_ELEMENTS.values()) if kind == LetterKind.NOTICE else []
            ),
            "in_use": in_use,
            "versions": versions,
            "form": form,
            "preview_html": preview and html_frame(preview, title=kind.label),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/violations/lettertemplate/edit.html", context)

    def pdf_view(self, request, strata_id: int, kind: str):
        """The wording in use (or ``?version=N``) as a PDF with the sample values."""
        strata, kind = self._strata_and_kind(request, strata_id, kind)
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
                    "admin:violations_lettertemplate_edit",
                    args=[strata.pk, kind],
                    current_app=self.admin_site.name,
                )
            )
        return pdf_response(html, filename=f"{strata.plan_number}-{kind}-preview.pdf")

    def _revert(self, request, strata, kind):
        reverted = self.run_service(request, letter_template_revert, strata=strata, kind=kind)
        if reverted:
            self.message_user(
                request,
                _("%(strata)s uses the default “%(label)s” again; its saved versions are kept.")
                % {"strata": strata.name, "label": kind.label},
                messages.SUCCESS,
            )
        elif reverted == 0:
            self.message_user(
                request,
                _("%(strata)s already uses the default “%(label)s”.")
                % {"strata": strata.name, "label": kind.label},
                messages.INFO,
            )
        return HttpResponseRedirect(request.path)

    # --- a saved version --------------------------------------------------------------------
    @admin.display(description=gettext_lazy("saved by"))
    def saved_by(self, version):
        return version.created_by.email if version.created_by_id else "—"

    @admin.display(description=gettext_lazy("editor"))
    def editor_link(self, version):
        args = [version.strata_id, version.kind]
        url = reverse("admin:violations_lettertemplate_edit", args=args)
        pdf = reverse("admin:violations_lettertemplate_pdf", args=args)
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?from_version={}">{}</a> · '
            '<a href="{}?version={}" target="_blank">{}</a>',
            url,
            _("Open the editor"),
            url,
            version.version,
            _("Edit starting from this version"),
            pdf,
            version.version,
            _("Preview PDF"),
        )

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
