"""Case file exports: what was exported, for whom, and what was redacted."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from violations.models.cases import Violation
from violations.models.common import choices_check


class CaseFileExportPurpose(models.TextChoices):
    TRIBUNAL = "tribunal", _("Civil Resolution Tribunal")
    RECORDS_REQUEST = "records_request", _("Records request (SPA s.36)")
    COUNCIL = "council", _("Council or the strata's lawyer")


class CaseFileExport(models.Model):
    """One export of the case file (DESIGN §6): who asked, for what, what was redacted, and
    the sha256 of the PDF and the ZIP as handed over."""

    Purpose = CaseFileExportPurpose

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="exports")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    requested_by_name = models.CharField(_("requested by"), max_length=200, blank=True)
    redactions = models.JSONField(_("redactions"), default=list, blank=True)
    pdf = models.FileField(_("case file PDF"), upload_to="case_files/%Y/")
    pdf_sha256 = models.CharField(max_length=64)
    archive = models.FileField(_("originals ZIP"), upload_to="case_files/%Y/")
    archive_sha256 = models.CharField(max_length=64)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case file export")
        verbose_name_plural = _("case file exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("purpose", CaseFileExportPurpose, "case_file_purpose_valid"),
        ]

    def __str__(self):
        return f"{self.case} case file {self.created_at:%Y-%m-%d}"
