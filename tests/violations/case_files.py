"""A case file export written through the ORM (the export service renders with WeasyPrint and
is tested on its own): a PDF and a ZIP that each hold the case's reference."""

import io
import zipfile

from django.core.files.base import ContentFile

from violations.models import CaseFileExport


def case_file_on(case, exported_by) -> CaseFileExport:
    pdf = b"%PDF-1.7\n% Case file " + case.reference.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{case.reference}-case-file.pdf", pdf)
    return CaseFileExport.objects.create(
        case=case,
        purpose=CaseFileExport.Purpose.TRIBUNAL,
        pdf=ContentFile(pdf, name="case-file.pdf"),
        pdf_sha256="0" * 64,
        archive=ContentFile(buffer.getvalue(), name="case-file.zip"),
        archive_sha256="0" * 64,
        exported_by=exported_by,
    )
