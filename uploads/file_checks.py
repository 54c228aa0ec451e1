"""What an uploaded file could run, whatever its first bytes claim (docs/security.md, "Evidence
files are checked for what they can do"): markup a browser or mail program runs (HTML, SVG,
HTA, script) anywhere in a text file, and JavaScript in a PDF. Both are refused, never
flagged: the original is what staff open (and, for evidence, what the case file hands to the
tribunal), and printing it to PDF keeps its content without the scripts.
"""

import math
import mmap
import re
import zlib
from contextlib import contextmanager

from django.core.files.base import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CHUNK_BYTES = 64 * 1024
# Overlap between the chunks a text file is read in: longer than any pattern below can match.
OVERLAP_BYTES = 2048


class Refused(Exception):
    """One file's reason for refusal, already worded for the person uploading."""


def not_accepted(name: str, what, accepted) -> str:
    """``accepted`` names the kinds the upload takes: "an image, PDF, … or Word file"."""
    return _("%(name)s is not %(accepted)s: its content is %(what)s") % {
        "name": name,
        "accepted": accepted,
        "what": what,
    }


def size_label(size: int, *, round_up: bool = False) -> str:
    """20971520 -> "20 MB". A file's size rounds up, so one byte over a limit never shows
    as the limit itself."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            value = math.ceil(value * 10) / 10 if round_up else round(value, 1)
            return f"{value:g} {unit}"
    return f"{size} bytes"


# --- markup in text -----------------------------------------------------------------------------

# Refused in any text file, an email's HTML part included; the first that matches names it.
ACTIVE_MARKUP = (
    (re.compile(rb"<hta:application\b", re.I), gettext_lazy("an HTML application (HTA)")),
    (re.compile(rb"<(?:[\w.-]+:)?svg[\s/>]", re.I), gettext_lazy("an SVG image")),
    (re.compile(rb"<(?:[\w.-]+:)?script[\s/>]", re.I), gettext_lazy("a script")),
    (
        re.compile(rb"<(?:iframe|frame|frameset|object|embed|applet)[\s/>]", re.I),
        gettext_lazy("an embedded page or program"),
    ),
    (re.compile(rb"(?:java|vb)script\s*:", re.I), gettext_lazy("a javascript: link")),
    (
        re.compile(rb"<[a-z][^<>]{0,1000}?\son[a-z]{3,}\s*=", re.I),
        gettext_lazy("a script in an event handler"),
    ),
)
WEB_PAGE = re.compile(rb"<!doctype\s+html|<(?:html|head|body)[\s>]|www\.w3\.org/1999/xhtml", re.I)
WEB_PAGE_TEXT = gettext_lazy("a web page")
# A MIME part that says it is HTML: a mail program shows it as a page, without scripts.
HTML_PART = re.compile(rb"^content-type:[ \t]*text/html", re.I | re.M)
# Quoted-printable's soft line break, which can split "<script" across two lines.
SOFT_BREAK = re.compile(rb"=\r?\n")


def markup_in(text: bytes) -> str | None:
    """What in ``text`` a browser would run or show as a page, if anything. NULs are dropped
    first, so UTF-16 text (with or without a BOM) is read like ASCII."""
    text = text.replace(b"\0", b"")
    for pattern, what in ACTIVE_MARKUP:
        if pattern.search(text):
            return str(what)
    if WEB_PAGE.search(text):
        return str(WEB_PAGE_TEXT)
    return None


def email_markup(file: File) -> str | None:
    """What in a whole email (read in overlapping chunks) a browser or mail program could
    run. HTML pages are allowed only where a part declares ``text/html``: most real emails
    carry one; a message of plain headers whose body is a page is a page dressed as email.
    Base64-encoded parts are not decoded (mail programs run no scripts in them)."""
    tail = b""
    declared_html = page = False
    for chunk in file.chunks(CHUNK_BYTES):
        window = SOFT_BREAK.sub(b"", tail + chunk)
        for pattern, what in ACTIVE_MARKUP:
            if pattern.search(window):
                return str(what)
        declared_html = declared_html or bool(HTML_PART.search(window))
        page = page or bool(WEB_PAGE.search(window))
        tail = (tail + chunk)[-OVERLAP_BYTES:]
    return str(WEB_PAGE_TEXT) if page and not declared_html else None


def refuse_markup(name: str, what: str) -> Refused:
    return Refused(
        _(
            "%(name)s was refused: it contains %(what)s, which a browser or mail program could "
            "run. Save or print it as a PDF and add that instead."
        )
        % {"name": name, "what": what}
    )


# --- JavaScript in PDFs -------------------------------------------------------------------------


def _name_pattern(name: str) -> re.Pattern:
    """A PDF name token spelled with any of its characters as a #xx escape (/J#61vaScript),
    ending where the name ends (/JavaScriptX is another name)."""
    spelled = "".join(
        f"(?:{re.escape(ch)}|#{ord(ch) >> 4:X}[{ord(ch) & 15:X}{ord(ch) & 15:x}])" for ch in name
    )
    return re.compile(rf"/{spelled}(?=[\s/\[\]()<>{{}}%]|\Z)".encode())


# /JavaScript (the action's type, or the document's script tree) is in every script a reader
# runs and too long to occur by chance, so it counts anywhere, stream data included. /JS (the
# script itself) counts only outside stream data, where three bytes can occur by chance.
JAVASCRIPT = _name_pattern("JavaScript")
JS = _name_pattern("JS")
STREAM = re.compile(rb"(?<![A-Za-z])stream[ \t]*(?:\r\n|\n|\r)")
ENDSTREAM = re.compile(rb"endstream")
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
OBJ = re.compile(rb"\bobj\b")
DICTIONARY_BYTES = 64 * 1024
# Inflated object streams are only dictionaries: a few MB in real PDFs.
MAX_INFLATED_BYTES = 64 * 1024 * 1024


class Uncheckable(Exception):
    """An object stream whose content cannot be read here (a filter other than Flate, a
    predictor, damaged or too large data): it could hide a script, so the PDF is refused."""


def pdf_has_javascript(file: File) -> bool:
    """Whether the PDF names JavaScript, outside its streams or inside an object stream (which
    holds compressed dictionaries, where modern PDFs keep their actions). Raises Uncheckable
    when an object stream cannot be read."""
    with file_bytes(file) as data:
        if JAVASCRIPT.search(data):
            return True
        position = 0
        while True:
            start = STREAM.search(data, position)
            if JS.search(data, position, start.start() if start else len(data)):
                return True
            if start is None:
                return False
            end = ENDSTREAM.search(data, start.end())
            data_end = end.start() if end else len(data)
            if _is_object_stream(_dictionary(data, position, start.start())) and (
                _object_stream_has_js(data, start.end(), data_end)
            ):
                return True
            position = end.end() if end else len(data)


def _dictionary(data, position: int, start: int) -> bytes:
    """The stream's dictionary: the text from its object's ``obj`` keyword to ``stream``."""
    low = max(position, start - DICTIONARY_BYTES)
    keywords = list(OBJ.finditer(data, low, start))
    if not keywords and low > position:
        raise Uncheckable  # a dictionary this long only hides something
    return bytes(data[keywords[-1].end() if keywords else low : start])


def _is_object_stream(dictionary: bytes) -> bool:
    dictionary = NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), dictionary)
    # Readers find an object stream by the cross-reference table, not its /Type; /First (where
    # its first object starts) is what every object stream has and no other stream does.
    if not re.search(rb"/Type\s*/ObjStm(?![^\s/\[\]()<>])|/First(?![^\s/\[\]()<>])", dictionary):
        return False
    if b"/DecodeParms" in dictionary or not re.search(
        rb"/Filter\s*(?:/FlateDecode|\[\s*/FlateDecode\s*\])", dictionary
    ):
        raise Uncheckable
    return True


def _object_stream_has_js(data, start: int, end: int) -> bool:
    inflater = zlib.decompressobj()
    inflated = 0
    tail = b""
    try:
        for offset in range(start, end, CHUNK_BYTES):
            pending = bytes(data[offset : min(offset + CHUNK_BYTES, end)])
            while pending:
                output = inflater.decompress(pending, CHUNK_BYTES)
                pending = inflater.unconsumed_tail
                inflated += len(output)
                if inflated > MAX_INFLATED_BYTES:
                    raise Uncheckable
                window = tail + output
                if JAVASCRIPT.search(window) or JS.search(window):
                    return True
                tail = window[-64:]
                if inflater.eof:
                    return False
    except zlib.error:
        raise Uncheckable from None
    return False


def refuse_pdf_javascript(name: str) -> Refused:
    return Refused(
        _(
            "%(name)s was refused: it is a PDF with JavaScript in it, which a PDF reader could "
            "run. Print it to a new PDF (that leaves scripts out) and add that instead."
        )
        % {"name": name}
    )


def refuse_uncheckable_pdf(name: str) -> Refused:
    return Refused(
        _(
            "%(name)s was refused: parts of this PDF are compressed in a way that could not be "
            "checked for scripts. Print it to a new PDF and add that instead."
        )
        % {"name": name}
    )


@contextmanager
def file_bytes(file: File):
    """The file's bytes without reading them into memory where avoidable: a map of an upload
    spooled to disk, or the buffer of one held in memory."""
    underlying = getattr(file, "file", file)
    if hasattr(underlying, "getbuffer"):
        with underlying.getbuffer() as view:
            yield view
        return
    try:
        descriptor = underlying.fileno()
    except (AttributeError, OSError):
        file.seek(0)
        yield file.read()
        return
    with mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ) as mapped:
        yield mapped
