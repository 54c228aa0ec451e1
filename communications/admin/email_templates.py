"""Email templates in the staff admin (DESIGN §4): what a strata's residents and staff are sent,
and each strata's own wording of it.

- The list (the model's changelist) shows every default template, and for each strata the user
  manages whether it uses the default or its own version.
- The editor, one per (strata, template), starts from the source in use, lists the variables
  with their sample values, previews through the locked engine with those samples, saves a new
  version (``email_template_save``) or goes back to the default (``email_template_revert``),
  and lists every saved version with who saved it and when.
- A saved version's own page is read-only: versions are never changed, a new one is saved.

Managers (``Right.EDIT_TEMPLATES``) and superusers only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget, AdminTextInputWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from communications.admin.base import ReadOnlyAdmin
from communications.admin.rendering import html_frame, text_block
from communications.email_templates import defaults, not_overridable_reason
from communications.models import EmailTemplate
from communications.selectors import (
    email_template_overview,
    email_template_preview,
    email_template_versions,
    email_templates_fixed,
    email_templates_visible_to,
    template_stratas_for,
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
class EmailTemplateAdmin(ReadOnlyAdmin):
    """The changelist is the list of templates (not of rows: a template with no override has
    none); the versions of one are listed in its editor, and each version's page is read-only."""

    view_right = Right.EDIT_TEMPLATES
    edit_right = Right.EDIT_TEMPLATES
    selector = staticmethod(email_templates_visible_to)
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

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:strata_id>/<str:name>/edit/",
                self.admin_site.admin_view(self.edit_view),
                name="{}_{}_edit".format(*info),
            ),
            *super().get_urls(),
        ]

    def _stratas(self, request):
        stratas = template_stratas_for(request.user)
        current = request.session.get(SESSION_STRATA_ID)
        return stratas.filter(pk=current) if current else stratas

    # --- the list of templates --------------------------------------------------------------
    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        stratas = list(self._stratas(request))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Email templates"),
            "subtitle": None,
            "opts": self.opts,
            "template_stratas": stratas,
            "rows": email_template_overview(stratas),
            "fixed": email_templates_fixed(),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/communications/emailtemplate/overview.html", context
        )

    # --- the editor -------------------------------------------------------------------------
    def edit_view(self, request, strata_id: int, name: str):
        if not can(request.user, Right.EDIT_TEMPLATES):
            raise PermissionDenied
        # Not narrowed by the strata switcher: that narrows lists, not what one may open.
        strata = template_stratas_for(request.user).filter(pk=strata_id).first()
        template = defaults().get(name)
        if strata is None or template is None:
            raise Http404(_("No such template for a strata of yours."))
        if not template.overridable:
            # Emails carrying a sign-in link (and emails to logins) keep the shipped wording.
            self.message_user(request, not_overridable_reason(template), messages.ERROR)
            return HttpResponseRedirect(
                reverse(
                    "admin:communications_emailtemplate_changelist",
                    current_app=self.admin_site.name,
                )
            )
        if request.method == "POST" and "_revert" in request.POST:
            return self._revert(request, strata, template)

        versions = list(email_template_versions(strata=strata, name=name))
        in_use = next((v for v in versions if v.is_active), None)
        preview = None
        if request.method == "POST":
            form = TemplateSourceForm(request.POST)
            if form.is_valid() and "_save" in request.POST:
                try:
                    saved = email_template_save(
                        strata=strata,
                        name=name,
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
                        % {
                            "version": saved.version,
                            "label": template.label,
                            "strata": strata.name,
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.path)
            elif form.is_valid():
                try:
                    preview = email_template_preview(template=template, **form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error)
        else:
            start = in_use or template
            wanted = request.GET.get("from_version")
            if wanted:
                start = next((v for v in versions if str(v.version) == wanted), start)
            form = TemplateSourceForm(
                initial={
                    "subject": start.subject,
                    "body_text": start.body_text,
                    "body_html": start.body_html,
                }
            )

        context = {
            **self.admin_site.each_context(request),
            "title": _("%(label)s for %(strata)s")
            % {"label": template.label, "strata": strata.name},
            "subtitle": None,
            "opts": self.opts,
            "strata": strata,
            "template": template,
            "variables": sorted(template.sample.items()),
            "in_use": in_use,
            "versions": versions,
            "form": form,
            "preview": preview,
            "preview_text": preview and text_block(preview.body_text),
            "preview_html": preview and html_frame(preview.body_html, title=preview.subject),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/communications/emailtemplate/edit.html", context)

    def _revert(self, request, strata, template):
        reverted = self.run_service(
            request, email_template_revert, strata=strata, name=template.name
        )
        if reverted:
            self.message_user(
                request,
                _("%(strata)s uses the default “%(label)s” again; its saved versions are kept.")
                % {"strata": strata.name, "label": template.label},
                messages.SUCCESS,
            )
        elif reverted == 0:
            self.message_user(
                request,
                _("%(strata)s already uses the default “%(label)s”.")
                % {"strata": strata.name, "label": template.label},
                messages.INFO,
            )
        return HttpResponseRedirect(request.path)

    # --- a saved version --------------------------------------------------------------------
    @admin.display(description=gettext_lazy("template"))
    def template_label(self, version):
        default = defaults().get(version.name)
        return f"{default.label} ({version.name})" if default else version.name

    @admin.display(description=gettext_lazy("saved by"))
    def saved_by(self, version):
        return version.created_by.email if version.created_by_id else "—"

    @admin.display(description=gettext_lazy("editor"))
    def editor_link(self, version):
        url = reverse(
            "admin:communications_emailtemplate_edit",
            args=[version.strata_id, version.name],
            current_app=self.admin_site.name,
        )
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?from_version={}">{}</a>',
            url,
            _("Open the editor"),
            url,
            version.version,
            _("Edit starting from this version"),
        )

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
