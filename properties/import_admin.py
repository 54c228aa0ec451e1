"""The register's import pages: the upload refused over the limits (properties.import_files), a
file above the interactive threshold confirmed as a background job rather than previewed, and
the jobs' pages, which the manager reloads to follow one."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export.forms import ImportForm

from accounts.admin_base import StrataScopedAdmin, strata_filter, strata_time_column
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from properties.import_files import (
    import_file_check_size,
    import_file_count_rows,
    import_file_read,
    import_file_strata,
)
from properties.import_jobs import register_import_job_create
from properties.import_run import ERRORS_KEPT, register_import_job_rows_done
from properties.models import RegisterImportJob
from properties.register_io import RESOURCES


class RegisterImportForm(ImportForm):
    """The upload, refused over the limits before anything of it is stored or any row checked.
    A file for the background must also name one strata where the user imports."""

    def __init__(self, formats, resources, *, user, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.user = user
        self.file_format = ""
        self.rows = 0
        self.strata = None

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None or not cleaned.get("format"):
            return cleaned
        self.file_format = self.formats[int(cleaned["format"])]().get_title()
        try:
            import_file_check_size(upload.size)
            content = upload.read()
            upload.seek(0)
            dataset = import_file_read(content, file_format=self.file_format)
            self.rows = len(dataset)
            if self.rows > settings.REGISTER_IMPORT_INTERACTIVE_ROWS:
                self.strata = import_file_strata(dataset, user=self.user)
        except ValidationError as error:
            self.add_error("import_file", error)
        return cleaned


class RegisterImportMixin:
    """django-import-export's import pages, bounded: the preview checks at most
    REGISTER_IMPORT_INTERACTIVE_ROWS rows in the request; a larger file is confirmed as a
    background job, which imports it all or nothing (properties.import_run)."""

    import_form_class = RegisterImportForm
    import_template_name = "admin/properties/register_import.html"

    def get_import_form_kwargs(self, request):
        return {**super().get_import_form_kwargs(request), "user": request.user}

    def import_action(self, request, **kwargs):
        """The upload: a file above the threshold is kept and offered as a job, unpreviewed."""
        if request.method != "POST" or not self.has_import_permission(request):
            return super().import_action(request, **kwargs)
        form = self.create_import_form(request)
        if not form.is_valid() or form.rows <= settings.REGISTER_IMPORT_INTERACTIVE_ROWS:
            return super().import_action(request, **kwargs)
        upload = form.cleaned_data["import_file"]
        upload.tmp_storage_name = self.write_to_tmp_storage(
            upload, self.get_import_formats()[int(form.cleaned_data["format"])]()
        ).name
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "opts": self.model._meta,
            "form": form,
            "confirm_form": self.create_confirm_form(request, import_form=form),
            "background_rows": form.rows,
            "background_strata": form.strata,
            "interactive_rows": settings.REGISTER_IMPORT_INTERACTIVE_ROWS,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def process_import(self, request, **kwargs):
        """The confirmation: a file above the threshold becomes a job; a smaller one is
        imported here, by django-import-export."""
        if request.method != "POST" or not self.has_import_permission(request):
            return super().process_import(request, **kwargs)  # 405 or 403
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        data = confirm_form.cleaned_data
        file_format = self.get_import_formats()[int(data["format"])]().get_title()
        stored = self.get_tmp_storage_class()(
            name=data["import_file_name"], read_mode="rb", **self.get_tmp_storage_class_kwargs()
        )
        import_url = reverse(
            "admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name
        )
        try:
            content = stored.read()
        except FileNotFoundError:
            gone = _("This file was already imported, or its preview expired; upload it again.")
            self.message_user(request, gone, level=messages.ERROR)
            return HttpResponseRedirect(import_url)
        try:
            rows = import_file_count_rows(content, file_format=file_format)
            if rows <= settings.REGISTER_IMPORT_INTERACTIVE_ROWS:
                job = None
            else:
                job = register_import_job_create(
                    actor=request.user,
                    resource=self.choose_import_resource_class(confirm_form, request).__name__,
                    file_name=data["original_file_name"],
                    file_format=file_format,
                    content=content,
                    context=AuditContext.from_request(request),
                )
        except ValidationError as error:
            stored.remove()
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return HttpResponseRedirect(import_url)
        if job is None:
            return super().process_import(request, **kwargs)
        stored.remove()
        self.message_user(
            request,
            _(
                "The import of %(file)s (%(rows)s rows) runs in the background. Reload this page "
                "to follow it."
            )
            % {"file": job.file_name, "rows": f"{job.rows_total:,}"},
        )
        return HttpResponseRedirect(
            reverse(
                "admin:properties_registerimportjob_change",
                args=[job.pk],
                current_app=self.admin_site.name,
            )
        )


@admin.register(RegisterImportJob)
class RegisterImportJobAdmin(StrataScopedAdmin):
    """Background imports into the stratas where the user imports; nothing here changes one."""

    view_right = Right.IMPORT_REGISTER
    list_display = ("file_name", "what", "strata_name", "outcome", "started_by", "created")
    list_select_related = ("strata", "created_by")
    list_filter = ("state", strata_filter(Right.IMPORT_REGISTER, "strata", gettext_lazy("strata")))
    search_fields = ("file_name",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "file_name",
                    "what",
                    "strata_name",
                    "outcome",
                    "errors",
                    "started_by",
                    "created_at",
                    "started_at",
                    "finished_at",
                ),
                "description": gettext_lazy("Reload this page to follow a running import."),
            },
        ),
    )
    readonly_fields = fieldsets[0][1]["fields"]

    created = strata_time_column("created_at", gettext_lazy("created at"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("what"))
    def what(self, job):
        return RESOURCES[job.resource].get_display_name()

    @admin.display(description=gettext_lazy("strata"), ordering="strata__name")
    def strata_name(self, job):
        return job.strata.name

    @admin.display(description=gettext_lazy("started by"), ordering="created_by__email")
    def started_by(self, job):
        return job.created_by.email

    @admin.display(description=gettext_lazy("outcome"), ordering="state")
    def outcome(self, job):
        if job.state == RegisterImportJob.State.QUEUED:
            return _("Queued: waiting for a worker.")
        if job.state == RegisterImportJob.State.RUNNING:
            return _("Running: %(done)s of %(total)s rows checked.") % {
                "done": f"{register_import_job_rows_done(job):,}",
                "total": f"{job.rows_total:,}",
            }
        if job.state == RegisterImportJob.State.DONE:
            return _("Imported: %(new)s new, %(changed)s changed, %(same)s unchanged.") % {
                "new": f"{job.rows_new:,}",
                "changed": f"{job.rows_updated:,}",
                "same": f"{job.rows_skipped:,}",
            }
        if job.rows_failed:
            return ngettext(
                "Nothing was imported: %(n)s row has errors.",
                "Nothing was imported: %(n)s rows have errors.",
                job.rows_failed,
            ) % {"n": f"{job.rows_failed:,}"}
        return _("Nothing was imported.")

    @admin.display(description=gettext_lazy("errors"))
    def errors(self, job):
        if not job.row_errors:
            return "-"
        items = format_html_join(
            "",
            "<li>{}: {}</li>",
            (
                (
                    _("Row %(n)s") % {"n": error["row"]} if error["row"] else _("File"),
                    "; ".join(error["errors"]),
                )
                for error in job.row_errors
            ),
        )
        more = ""
        if job.rows_failed > ERRORS_KEPT:
            more = _("The first %(kept)s of %(n)s rows with errors.") % {
                "kept": ERRORS_KEPT,
                "n": f"{job.rows_failed:,}",
            }
        return format_html("<ul>{}</ul>{}", items, more)
