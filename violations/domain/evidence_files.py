"""Checking one evidence file (DESIGN §10): what its bytes are, whether that kind and size are
accepted, what it could run (``uploads.file_checks``, ``uploads.container_checks``), its staff
metadata, and for an image a re-encoded copy without any metadata. A file is read in chunks or
mapped rather than read whole, and an image is decoded only once its header is within the pixel
limit (``uploads.inspection``, which the other uploads share).
"""

import contextlib
import email.parser
import email.policy
import io
import re
import tempfile
from dataclasses import dataclass, field

import filetype
from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageCms, ImageOps
from PIL.ExifTags import IFD, Base

from uploads import container_checks, file_checks
from uploads.file_checks import Refused, not_accepted
from uploads.inspection import (
    CHUNK_BYTES,
    DESCRIPTIONS,
    HEAD_BYTES,
    PDF,
    PDF_SIGNATURE,
    clean_name,
    damaged_image,
    decoded_image,
    not_accepted_refusal,
    pdf_script_check,
    read_head,
    sha256_of,
    size_check,
)
from violations.models import EvidenceKind

# The refusal's "<name> is not …: its content is …" (``file_checks.not_accepted``).
ACCEPTED = gettext_lazy("an image, PDF, audio, video, email or Word file")

EML = "message/rfc822"
MSG = "application/vnd.ms-outlook"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Outlook keeps every property of a message in a stream named __substg1.0_<tag> (MS-OXMSG).
MSG_STREAM_NAME = "__substg1.0_".encode("utf-16-le")

# Sniffed type -> the Pillow format that must decode it.
IMAGE_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
}
AUDIO_TYPES = {
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "audio/x-flac",
    "audio/x-wav",
    "audio/amr",
    "audio/aac",
    "audio/x-aiff",
}
VIDEO_TYPES = {
    "video/mp4",
    "video/x-m4v",
    "video/quicktime",
    "video/webm",
    "video/x-matroska",
    "video/3gpp",
    "video/x-msvideo",
    "video/mpeg",
}

KIND_PLURALS = {
    EvidenceKind.IMAGE: gettext_lazy("images"),
    EvidenceKind.PDF: gettext_lazy("PDFs"),
    EvidenceKind.AUDIO: gettext_lazy("audio"),
    EvidenceKind.VIDEO: gettext_lazy("video"),
    EvidenceKind.EMAIL: gettext_lazy("email files"),
    EvidenceKind.DOCUMENT: gettext_lazy("Word documents"),
}

_HEADER = re.compile(rb"^[!-9;-~]+:")


@dataclass
class Upload:
    """One checked file, ready to store."""

    file: File
    name: str
    kind: str
    content_type: str
    extension: str
    size: int = 0
    sha256: str = ""
    metadata: dict = field(default_factory=dict)
    resident_copy: File | None = None  # spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE
    resident_extension: str = ""
    stored_name: str = ""
    stored_copy_name: str = ""


# --- checking one file ------------------------------------------------------------------------


def inspect_file(file: File) -> Upload:
    """Sniff, size-check, hash and (for images) copy one file, or raise Refused."""
    name = clean_name(file.name)
    if not file.size:
        raise Refused(_("%(name)s is empty") % {"name": name})
    head = read_head(file)
    upload = _sniff(file, name, head)
    if upload.content_type == DOCX:
        container_checks.word_check(file, name, accepted=ACCEPTED)  # reads the directory only
    upload.size = file.size
    size_check(
        name, upload.size, settings.EVIDENCE_MAX_BYTES[upload.kind], KIND_PLURALS[upload.kind]
    )
    if upload.content_type == MSG and not _contains(file, MSG_STREAM_NAME):
        raise Refused(
            not_accepted(name, _("an Office 97-2003 file that is not an email"), ACCEPTED)
        )
    _script_check(upload)
    upload.sha256 = sha256_of(file)
    if upload.kind == EvidenceKind.IMAGE:
        _copy_image(upload)
    elif upload.content_type == EML:
        upload.metadata = _email_metadata(head)
    return upload


def _script_check(upload: Upload) -> None:
    """Refuse a PDF with JavaScript, or an email with markup a browser or mail program runs."""
    if upload.content_type == PDF:
        pdf_script_check(upload.file, upload.name)
    elif upload.content_type == EML and (what := file_checks.email_markup(upload.file)):
        raise file_checks.refuse_markup(upload.name, what)


def _sniff(file: File, name: str, head: bytes) -> Upload:
    def accepted(kind, content_type, extension):
        return Upload(file, name, kind, content_type, extension)

    if head.startswith(PDF_SIGNATURE):
        return accepted(EvidenceKind.PDF, PDF, "pdf")
    if head.startswith(OLE2_SIGNATURE):
        if filetype.guess_mime(head) == "application/msword":
            raise Refused(not_accepted(name, DESCRIPTIONS["application/msword"], ACCEPTED))
        return accepted(EvidenceKind.EMAIL, MSG, "msg")
    if head.startswith(b"PK\x03\x04"):
        return accepted(EvidenceKind.DOCUMENT, DOCX, "docx")
    guessed = filetype.guess(head)
    if guessed is not None:
        if guessed.mime in IMAGE_TYPES:
            if IMAGE_TYPES[guessed.mime] not in _pillow_formats():
                raise Refused(
                    _(
                        "%(name)s is a %(type)s image, which this server cannot read; "
                        "save it as JPEG"
                    )
                    % {"name": name, "type": guessed.extension.upper()}
                )
            return accepted(EvidenceKind.IMAGE, guessed.mime, guessed.extension)
        if guessed.mime in AUDIO_TYPES:
            return accepted(EvidenceKind.AUDIO, guessed.mime, guessed.extension)
        if guessed.mime in VIDEO_TYPES:
            return accepted(EvidenceKind.VIDEO, guessed.mime, guessed.extension)
        raise not_accepted_refusal(name, head, ACCEPTED)
    if looks_like_email(head, complete=len(head) < HEAD_BYTES):
        return accepted(EvidenceKind.EMAIL, EML, "eml")
    raise not_accepted_refusal(name, head, ACCEPTED)


def _pillow_formats() -> set[str]:
    """Formats Pillow can open here: HEIC only with a HEIF plugin installed."""
    Image.init()
    return set(Image.OPEN)


def looks_like_email(head: bytes, *, complete: bool) -> bool:
    """An RFC 822 message: header lines up to a blank line, with From and another header
    every real message has. A text file that merely starts with "From:" is not enough."""
    if b"\0" in head:
        return False
    lines = re.split(rb"\r?\n", head)
    if not complete:
        lines = lines[:-1]  # the last line may be cut off
    names: set[bytes] = set()
    for number, line in enumerate(lines):
        if not line:
            break
        if line[:1] in (b" ", b"\t") and names:
            continue  # a folded header
        if number == 0 and line.startswith(b"From "):
            continue  # an mbox envelope line
        if not _HEADER.match(line):
            return False
        names.add(line.split(b":", 1)[0].lower())
    return b"from" in names and bool(names & {b"date", b"subject", b"to", b"message-id"})


def _email_metadata(head: bytes) -> dict:
    headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(head)
    return {
        key: str(headers[key])[:300] for key in ("from", "to", "date", "subject") if headers[key]
    }


def _contains(file: File, needle: bytes) -> bool:
    tail = b""
    for chunk in file.chunks(CHUNK_BYTES):
        if needle in tail + chunk:
            return True
        tail = chunk[-len(needle) :]
    return False


# --- images -------------------------------------------------------------------------------------


def _copy_image(upload: Upload) -> None:
    """Read the staff metadata, then re-encode upright pixels only: the copy starts from a
    blank image, so no EXIF, GPS, XMP, ICC or comment can come along. The copy waits for
    storage in a temporary file, on disk past the in-memory upload limit."""
    image = decoded_image(
        upload.file,
        upload.name,
        image_format=IMAGE_TYPES[upload.content_type],
        max_pixels=settings.EVIDENCE_MAX_IMAGE_PIXELS,
    )
    try:
        clean = _clean_pixels(upload, image)
    except (OSError, ValueError, SyntaxError):
        raise damaged_image(upload.name) from None
    # Closed once stored (evidence_add), or when the upload is dropped.
    copy = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    if upload.resident_extension == "png":
        clean.save(copy, "PNG", optimize=True)
    else:
        clean.save(copy, "JPEG", quality=90)
    copy.seek(0)
    upload.resident_copy = File(copy)


def _clean_pixels(upload: Upload, image: Image.Image) -> Image.Image:
    """The upright sRGB pixels of the decoded image on a blank one. Each step replaces the
    pixels it read: never more than two copies at once, at 4 bytes a pixel (a 50 megapixel
    photo peaks near 400 MB)."""
    upload.metadata = _image_metadata(image)
    icc = image.info.get("icc_profile")
    transparent = image.mode in ("RGBA", "LA", "PA") or ("transparency" in image.info)
    lossless = transparent or image.format in ("PNG", "GIF")
    upload.resident_extension = "png" if lossless else "jpg"
    mode = "RGBA" if transparent else "RGB"
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode != mode:
        image = image.convert(mode)
    _to_srgb(image, icc)
    clean = Image.new(mode, image.size)
    clean.paste(image)
    return clean


def _to_srgb(image: Image.Image, icc: bytes | None) -> None:
    """Bake an embedded colour profile into the pixels (in place), so dropping it keeps the
    colours."""
    if not icc:
        return
    with contextlib.suppress(ImageCms.PyCMSError, OSError):  # unreadable: keep the pixels
        ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(icc)),
            ImageCms.createProfile("sRGB"),
            inPlace=True,
        )


def _image_metadata(image: Image.Image) -> dict:
    """What staff may want from the original without opening it: when and with what it was
    taken, and whether it discloses a location."""
    exif = image.getexif()
    metadata = {
        "width": image.width,
        "height": image.height,
        "gps_present": bool(exif.get_ifd(IFD.GPSInfo)),
    }
    captured = exif.get_ifd(IFD.Exif).get(Base.DateTimeOriginal) or exif.get(Base.DateTime)
    camera = " ".join(
        _exif_text(exif[tag]) for tag in (Base.Make, Base.Model) if exif.get(tag)
    ).strip()
    if captured:
        metadata["captured_at"] = _exif_text(captured)
    if camera:
        metadata["camera"] = camera
    if exif.get(Base.Orientation):
        metadata["orientation"] = int(exif[Base.Orientation])
    return metadata


def _exif_text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\0 ")[:100]
