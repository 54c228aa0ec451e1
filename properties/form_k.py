"""A tenant's Form K (SPA s.146, the Notice of Tenant's Responsibilities) as a file, checked
like evidence (``uploads``): accepted by what its bytes are, a PDF without JavaScript or a JPEG
or PNG scan or photo of the signed form that decodes within the pixel limit, at most
``FORM_K_MAX_BYTES``, and virus-scanned when scanning is on. It is stored in private media
under a random name with the sniffed extension; the uploader's name is kept for the download
only (``Occupancy.form_k_name``), and only ``properties.file_views`` hands it out.
"""

import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from properties.models import Occupancy
from uploads.clamav import scan_files
from uploads.file_checks import Refused
from uploads.inspection import (
    PDF,
    PDF_SIGNATURE,
    clean_name,
    decoded_image,
    not_accepted_refusal,
    pdf_script_check,
    read_head,
    size_check,
)

# The refusal's "<name> is not …: its content is …" (``uploads.file_checks.not_accepted``).
ACCEPTED = gettext_lazy("a PDF, JPEG or PNG file")
KINDS = gettext_lazy("Form K files")
# Sniffed type -> the Pillow format that must decode it.
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
# A stored file's extension -> the type it is downloaded as. Anything else (a Form K stored
# before files were checked) leaves as plain bytes, never as a page or a program.
DOWNLOAD_TYPES = {".pdf": PDF, ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
UNCHECKED_TYPE = "application/octet-stream"


@dataclass
class FormK:
    """One checked Form K, ready to store."""

    file: File
    name: str  # the uploader's, cleaned for display
    content_type: str
    extension: str


def form_k_inspect(file: File) -> FormK:
    """What the file is, if it may be a Form K; else raise Refused naming the reason."""
    name = clean_name(file.name)
    if not file.size:
        raise Refused(_("%(name)s is empty") % {"name": name})
    size_check(name, file.size, settings.FORM_K_MAX_BYTES, KINDS)
    head = read_head(file)
    if head.startswith(PDF_SIGNATURE):
        pdf_script_check(file, name)
        return FormK(file, name, PDF, "pdf")
    guessed = filetype.guess(head)
    if guessed is None or guessed.mime not in IMAGE_TYPES:
        raise not_accepted_refusal(name, head, ACCEPTED)
    image = decoded_image(
        file,
        name,
        image_format=IMAGE_TYPES[guessed.mime],
        max_pixels=settings.EVIDENCE_MAX_IMAGE_PIXELS,
    )
    image.close()
    return FormK(file, name, guessed.mime, guessed.extension)


def form_k_check(file: File) -> FormK:
    """Check and (when CLAMAV_SOCKET is set) scan a Form K, then give the file a random name
    with the sniffed extension: the name it is stored under. Raises ValidationError with the
    reason. The scan is network I/O: call this before any transaction (STYLE)."""
    try:
        form_k = form_k_inspect(file)
    except Refused as refused:
        raise ValidationError(str(refused)) from None
    scan_files([form_k])
    file.name = f"{uuid.uuid4().hex}.{form_k.extension}"
    return form_k


def form_k_download_name(occupancy: Occupancy) -> str:
    """The uploader's name with the extension of what the file is: a PNG uploaded as
    ``form-k.pdf`` leaves as ``form-k.png``."""
    stored = PurePosixPath(occupancy.form_k_file.name)
    suffix = stored.suffix.lower() if stored.suffix.lower() in DOWNLOAD_TYPES else ".bin"
    return PurePosixPath(occupancy.form_k_name or stored.name).stem + suffix


def form_k_content_type(occupancy: Occupancy) -> str:
    suffix = PurePosixPath(occupancy.form_k_file.name).suffix.lower()
    return DOWNLOAD_TYPES.get(suffix, UNCHECKED_TYPE)
