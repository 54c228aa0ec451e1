"""The case file export on the case page (DESIGN §6 "The record"): a form asking what it is
for and who asked, the list of earlier exports, and their downloads.

Only staff with EXPORT_CASE_FILES on the case (its strata's managers and council, not
recused) see the form or download a file; anyone else who may read the case gets 403, and
anyone who may not gets the case's 404. Each download is audited: the file names everyone.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_zone
from violations.admin.case_forms import CaseForm
from violations.admin.form_parts import service_attempt
from violations.models import CaseFileExport, Violation
from violations.selectors.access import has_case_right
from violations.selectors.case_file.contents import copy_kind, is_redacted
from violations.services.case_file import case_file_download_record, case_file_export

TEMPLATES = "admin/violations/violation"
DOWNLOADS = {"pdf": "application/pdf", "zip": "application/zip"}


class CaseFileForm(CaseForm):
    purpose = forms.ChoiceField(
        label=gettext_lazy("For"),
        choices=CaseFileExport.Purpose.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Unless the file is for council or the strata's lawyer it is a redacted copy: no "
            "complainant or witness is identified, photos go in without their metadata, and "
            "other evidence files are withheld."
        ),
    )
    requested_by_name = forms.CharField(
        label=gettext_lazy("Requested by"),
        required=False,
        max_length=CaseFileExport._meta.get_field("requested_by_name").max_length,
        help_text=gettext_lazy("Who asked for it: the owner, the tribunal file number, council."),
    )


@dataclass
class ExportRow:
    export: CaseFileExport
    pdf_url: str
    zip_url: str
    redacted: bool


class CaseFileAdminMixin:
    """Views of ``ViolationAdmin`` for the case file; they use its ``_case`` (scope and
    recusal) and ``_context``."""

    def case_file_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/case-file/",
                view(self.case_file_view),
                name="{}_{}_case_file".format(*info),
            ),
            path(
                "<path:object_id>/case-file/<uuid:export>/<str:what>/",
                view(self.case_file_download_view),
                name="{}_{}_case_file_download".format(*info),
            ),
        ]

    def case_file_context(self, request, case: Violation) -> dict:
        """The export button and earlier exports, for those who may export."""
        if not has_case_right(request.user, Right.EXPORT_CASE_FILES, case):
            return {"case_file_url": "", "case_file_exports": []}
        name = self.admin_site.name

        def url(export, what):
            return reverse(
                "admin:violations_violation_case_file_download",
                args=[case.pk, export.uuid, what],
                current_app=name,
            )

        exports = case.exports.select_related("exported_by").order_by("-created_at", "-id")
        return {
            "case_file_url": reverse(
                "admin:violations_violation_case_file", args=[case.pk], current_app=name
            ),
            "case_file_exports": [
                ExportRow(export, url(export, "pdf"), url(export, "zip"), is_redacted(export))
                for export in exports
            ],
        }

    def _exporting_case(self, request, object_id) -> Violation:
        case = self._case(request, object_id)
        if not has_case_right(request.user, Right.EXPORT_CASE_FILES, case):
            raise PermissionDenied
        return case

    def case_file_view(self, request, object_id):
        case = self._exporting_case(request, object_id)
        form = CaseFileForm(
            request.POST if request.method == "POST" else None, case=case, user=request.user
        )
        if (
            request.method == "POST"
            and form.is_valid()
            and service_attempt(request, form, case_file_export)
        ):
            export = case.exports.latest("created_at", "id")
            self.message_user(
                request,
                ngettext(
                    "Case file of %(case)s exported for: %(purpose)s (%(count)d redaction).",
                    "Case file of %(case)s exported for: %(purpose)s (%(count)d redactions).",
                    len(export.redactions),
                )
                % {
                    "case": case.reference,
                    "purpose": export.get_purpose_display(),
                    "count": len(export.redactions),
                },
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._case_url(case) + "#case-files")
        action = SimpleNamespace(
            name="case_file",
            label=_("Export the case file"),
            guard=_(
                "a purpose; the export is one PDF of the whole case and a ZIP of the originals, "
                "and it is recorded in the audit log"
            ),
        )
        context = self._context(
            request,
            case,
            f"{action.label} — {case.reference}",
            transition=action,
            form=form,
            media=self.media + form.media,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"{TEMPLATES}/transition.html", context)

    def case_file_download_view(self, request, object_id, export, what):
        """The PDF or the ZIP as exported: an attachment, never rendered as a page of ours,
        named for what it is ("-redacted" or "-full")."""
        case = self._exporting_case(request, object_id)
        export = case.exports.select_related("case__strata").filter(uuid=export).first()
        if export is None or what not in DOWNLOADS:
            raise Http404(_("No such case file on this case."))
        case_file_download_record(
            export=export,
            actor=request.user,
            what=what,
            context=AuditContext.from_request(request),
        )
        day = export.created_at.astimezone(strata_zone(case.strata))
        response = FileResponse(
            (export.pdf if what == "pdf" else export.archive).open("rb"),
            as_attachment=True,
            filename=f"{case.reference}-case-file-{copy_kind(export)}-{day:%Y%m%d}.{what}",
            content_type=DOWNLOADS[what],
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
