"""The staff editor of a ``VersionedTemplate`` (DESIGN §4), shared by email and letter templates.

- The changelist is the list of templates (not of rows: a template with no override has none),
  and for each strata the user manages whether it uses the default or its own version; the
  strata switcher narrows it.
- The editor, one per (strata, template) at ``<strata id>/<key>/edit/``, starts from the
  wording in use (or ``?from_version=N``), lists the variables with their sample values,
  previews through the locked engine with those samples, saves a new version or goes back to
  the default, and lists every saved version with who saved it and when.
- A saved version's own page is read-only: versions are never changed, a new one is saved.

Managers (``Right.EDIT_TEMPLATES``) and superusers only: 403 without the right anywhere, 404
for a strata the user does not manage (it looks like one that does not exist). A subclass says
what its templates are (``template_for``, ``label_of``, ``default_sources``), reads and writes
them through its selectors and services, and adds what its editor shows.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from communications.admin.base import ReadOnlyAdmin
from communications.selectors import template_stratas_for


class TemplateEditorAdmin(ReadOnlyAdmin):
    view_right = Right.EDIT_TEMPLATES
    edit_right = Right.EDIT_TEMPLATES
    form_class: type[forms.Form]
    overview_title: str
    not_found: str  # the 404 of a template or strata that is not the user's
    # Called with strata= and the model's key_field (name=, kind=) set to the URL's key:
    versions_selector: Callable  # every saved version, newest first
    save_service: Callable  # and actor=, context= and the form's fields
    revert_service: Callable  # and actor=, context=

    # --- what a subclass says ---------------------------------------------------------------
    def template_for(self, key: str):
        """The default template ``key`` names, or None."""
        raise NotImplementedError

    def label_of(self, template) -> str:
        raise NotImplementedError

    def default_sources(self, template) -> dict[str, str]:
        """The form's initial values from the default."""
        raise NotImplementedError

    def overview(self, stratas) -> dict:
        """The list's rows (and anything else its page shows) for ``stratas``."""
        raise NotImplementedError

    def render_preview(self, template, sources: dict):
        """The sources rendered with the sample values, or ValidationError."""
        raise NotImplementedError

    def preview_context(self, template, preview) -> dict:
        """What the editor shows of ``preview`` (None: no preview)."""
        raise NotImplementedError

    def editor_context(self, strata, template) -> dict:
        return {}

    def refusal(self, request, template):
        """A response instead of the editor for a template no strata may reword, or None."""
        return None

    def preview_response(self, request, template, preview):
        """A response instead of the editor for a preview (a PDF), or None."""
        return None

    def version_links(self, version) -> list:
        """Links beside "Open the editor" on a saved version's page."""
        return []

    # --- urls and lookups -------------------------------------------------------------------
    def url_name(self, name: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:strata_id>/<str:key>/edit/",
                self.admin_site.admin_view(self.edit_view),
                name="{}_{}_edit".format(*info),
            ),
            *super().get_urls(),
        ]

    def strata_and_template(self, request, strata_id: int, key: str):
        """The strata and template of an editor URL (403, or 404 for what is not the user's)."""
        if not can(request.user, Right.EDIT_TEMPLATES):
            raise PermissionDenied
        # Not narrowed by the strata switcher: that narrows lists, not what one may open.
        strata = template_stratas_for(request.user).filter(pk=strata_id).first()
        template = self.template_for(key)
        if strata is None or template is None:
            raise Http404(self.not_found)
        return strata, template

    # --- the list of templates --------------------------------------------------------------
    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        stratas = template_stratas_for(request.user)
        current = request.session.get(SESSION_STRATA_ID)
        stratas = list(stratas.filter(pk=current) if current else stratas)
        context = {
            **self.admin_site.each_context(request),
            "title": str(self.overview_title),
            "subtitle": None,
            "opts": self.opts,
            "template_stratas": stratas,
            **self.overview(stratas),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self._page("overview"), context)

    def _page(self, name: str) -> str:
        return f"admin/{self.opts.app_label}/{self.opts.model_name}/{name}.html"

    # --- the editor -------------------------------------------------------------------------
    def edit_view(self, request, strata_id: int, key: str):
        strata, template = self.strata_and_template(request, strata_id, key)
        refused = self.refusal(request, template)
        if refused is not None:
            return refused
        if request.method == "POST" and "_revert" in request.POST:
            return self._revert(request, strata, key, template)

        which = {"strata": strata, self.model.key_field: key}
        versions = list(self.versions_selector(**which))
        in_use = next((v for v in versions if v.is_active), None)
        preview = None
        if request.method == "POST":
            form = self.form_class(request.POST)
            if form.is_valid() and "_save" in request.POST:
                try:
                    saved = self.save_service(
                        **which,
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
                            "label": self.label_of(template),
                            "strata": strata.name,
                        },
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.path)
            elif form.is_valid():
                try:
                    preview = self.render_preview(template, form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    response = self.preview_response(request, template, preview)
                    if response is not None:
                        return response
        else:
            start = in_use
            wanted = request.GET.get("from_version")
            if wanted:
                start = next((v for v in versions if str(v.version) == wanted), start)
            form = self.form_class(
                initial=(
                    {name: getattr(start, name) for name in self.form_class.base_fields}
                    if start
                    else self.default_sources(template)
                )
            )

        context = {
            **self.admin_site.each_context(request),
            "title": _("%(label)s for %(strata)s")
            % {"label": self.label_of(template), "strata": strata.name},
            "subtitle": None,
            "opts": self.opts,
            "strata": strata,
            **self.editor_context(strata, template),
            "in_use": in_use,
            "versions": versions,
            "form": form,
            **self.preview_context(template, preview),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self._page("edit"), context)

    def _revert(self, request, strata, key: str, template):
        reverted = self.run_service(
            request, self.revert_service, strata=strata, **{self.model.key_field: key}
        )
        label = {"strata": strata.name, "label": self.label_of(template)}
        if reverted:
            self.message_user(
                request,
                _("%(strata)s uses the default “%(label)s” again; its saved versions are kept.")
                % label,
                messages.SUCCESS,
            )
        elif reverted == 0:
            self.message_user(
                request,
                _("%(strata)s already uses the default “%(label)s”.") % label,
                messages.INFO,
            )
        return HttpResponseRedirect(request.path)

    # --- a saved version --------------------------------------------------------------------
    @admin.display(description=gettext_lazy("saved by"))
    def saved_by(self, version):
        return version.created_by.email if version.created_by_id else "—"

    @admin.display(description=gettext_lazy("editor"))
    def editor_link(self, version):
        url = reverse(
            self.url_name("edit"),
            args=[version.strata_id, getattr(version, version.key_field)],
            current_app=self.admin_site.name,
        )
        links = [
            format_html('<a href="{}">{}</a>', url, _("Open the editor")),
            format_html(
                '<a href="{}?from_version={}">{}</a>',
                url,
                version.version,
                _("Edit starting from this version"),
            ),
            *self.version_links(version),
        ]
        return format_html_join(" · ", "{}", ((link,) for link in links))
