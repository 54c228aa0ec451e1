"""The checks every upload shares, whatever it is for: its first bytes, the uploader's name made
safe to show, what a file of no accepted type turned out to be, a size cap, JavaScript in a
PDF, a hash read in chunks, and an image decoded only once its header is within the pixel
limit. The caller decides which types it accepts and what to call them in a refusal.
"""

import hashlib
import unicodedata
import warnings

import filetype
from django.core.files.base import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from uploads import file_checks
from uploads.file_checks import Refused, not_accepted, size_label

# Enough for filetype's signatures and for the headers of an email with a long Received chain.
HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024

PDF = "application/pdf"
PDF_SIGNATURE = b"%PDF-"

# What a refused file turned out to be, in words a council member understands.
DESCRIPTIONS = {
    "application/x-msdownload": gettext_lazy("a Windows executable"),
    "application/x-executable": gettext_lazy("a Linux executable"),
    "application/msword": gettext_lazy("a Word 97-2003 document (save it as .docx)"),
    "application/zip": gettext_lazy("a ZIP archive"),
    "application/x-rar-compressed": gettext_lazy("a RAR archive"),
    "application/x-7z-compressed": gettext_lazy("a 7-Zip archive"),
    "application/gzip": gettext_lazy("a gzip archive"),
    "text/html": gettext_lazy("a web page"),
}


def read_head(file: File) -> bytes:
    """The file's first bytes, enough to tell its type."""
    file.seek(0)
    return file.read(HEAD_BYTES)


def clean_name(name: str | None) -> str:
    """The uploader's file name, for display and downloads only: no path, no control or
    invisible characters (a right-to-left override can dress "exe" up as "jpg"), at most
    255 characters with the extension kept."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: 255 - len(dot + extension)] + dot + extension
        else:
            name = name[:255]
    return name or "file"


def not_accepted_refusal(name: str, head: bytes, accepted) -> Refused:
    """Why a file of none of the accepted types is refused: what its signature says it is, or
    the markup a browser would run, or that it is nothing we recognise. ``accepted`` names the
    kinds the upload takes ("a PDF, JPEG or PNG file")."""
    guessed = filetype.guess(head)
    if guessed is not None:
        what = DESCRIPTIONS.get(guessed.mime) or _("a file of type %(type)s") % {
            "type": guessed.extension.upper()
        }
        return Refused(not_accepted(name, what, accepted))
    if what := file_checks.markup_in(head):
        return file_checks.refuse_markup(name, what)
    return Refused(not_accepted(name, _("not of a type we recognise"), accepted))


def size_check(name: str, size: int, limit: int, kinds) -> None:
    """Refuse a file past ``limit`` bytes; ``kinds`` names what is limited ("PDFs")."""
    if size > limit:
        raise Refused(
            _("%(name)s is %(size)s; %(kind)s may be at most %(limit)s")
            % {
                "name": name,
                "size": size_label(size, round_up=True),
                "kind": kinds,
                "limit": size_label(limit),
            }
        )


def pdf_script_check(file: File, name: str) -> None:
    """Refuse a PDF with JavaScript, or one whose object streams cannot be checked for it."""
    try:
        if file_checks.pdf_has_javascript(file):
            raise file_checks.refuse_pdf_javascript(name)
    except file_checks.Uncheckable:
        raise file_checks.refuse_uncheckable_pdf(name) from None


def sha256_of(file: File) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks(CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


# --- images -------------------------------------------------------------------------------------


class TooManyPixels(Exception):
    """The image's header claims more than the pixel limit: it is never decoded."""


def decoded_image(file: File, name: str, *, image_format: str, max_pixels: int) -> Image.Image:
    """The image, decoded once its header (read first, alone) is within ``max_pixels`` and
    its format is the one its signature claims (``image_format``, a Pillow format name).
    Raises Refused for too many pixels, or for a file Pillow cannot decode; the caller turns
    its own processing errors into ``damaged_image``."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)  # reads the header only
            if image.format != image_format:
                raise OSError("decoder and signature disagree")
            if image.width * image.height > max_pixels:
                raise TooManyPixels
            image.load()
    except (TooManyPixels, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Refused(
            _(
                "%(name)s has more pixels than an image may have (%(limit)s megapixels); "
                "save it at a smaller size and add it again"
            )
            % {"name": name, "limit": f"{max_pixels / 1e6:g}"}
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise damaged_image(name) from None
    return image


def damaged_image(name: str) -> Refused:
    return Refused(
        _("%(name)s could not be read as an image: it is damaged or incomplete") % {"name": name}
    )
