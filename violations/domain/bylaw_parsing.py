"""Reading a strata's bylaws from a file: the old system's XML export or numbered plain text.

Parsing only: nothing here touches the database. A file is read whole or refused whole, with
the line or section that is wrong, so an import never stores half a bylaw set. The formats are
documented with examples in ``docs/bylaws.md``.

XML is parsed by the standard library with a size limit and with any DOCTYPE refused: entity
declarations (the "billion laughs" and external-entity attacks) can only appear inside one.
"""

import re
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from violations.models import Bylaw, BylawKind

MAX_FILE_BYTES = 1_000_000  # a whole bylaw set is a few hundred kB; the preview carries it back


class FileFormat(StrEnum):
    XML = "xml"
    TEXT = "text"


FILE_FORMAT_CHOICES = [
    (FileFormat.XML.value, gettext_lazy("XML export of the old system")),
    (FileFormat.TEXT.value, gettext_lazy("Plain text with numbered sections")),
]


@dataclass(frozen=True)
class ParsedSection:
    number: str
    title: str
    text: str
    part_number: str
    part_title: str
    kind: str
    where: str  # "line 12" or "<section> 3", for messages about this section


def bylaws_parse(
    content: bytes, *, file_format: str, kind: str = BylawKind.BYLAW
) -> list[ParsedSection]:
    """Every section of the file, in file order, or a ValidationError naming what is wrong."""
    if kind not in BylawKind.values:
        raise ValueError(f"Unknown bylaw kind {kind!r}.")
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)d kB.") % {"limit": MAX_FILE_BYTES // 1000},
            code="too_large",
        )
    if file_format == FileFormat.XML:
        sections = _parse_xml(content, kind)
    elif file_format == FileFormat.TEXT:
        sections = _parse_text(_decode(content), kind)
    else:
        raise ValueError(f"Unknown file format {file_format!r}.")
    if not sections:
        raise ValidationError(_("The file contains no bylaw sections."), code="empty")
    _check(sections)
    return sections


# --- XML -------------------------------------------------------------------------------------

XML_FIELDS = {
    "number": "number",
    "title": "title",
    "content": "text",
    "part": "part_number",
    "partTitle": "part_title",
}


class _NoDoctypeTreeBuilder(ET.TreeBuilder):
    def doctype(self, name, pubid, system):
        raise ValidationError(
            _("The XML declares a DOCTYPE; bylaw files must not (it can hide entity tricks)."),
            code="doctype",
        )


def _parse_xml(content: bytes, kind: str) -> list[ParsedSection]:
    parser = ET.XMLParser(target=_NoDoctypeTreeBuilder())  # noqa: S314 - no DOCTYPE, size capped
    try:
        parser.feed(content)
        root = parser.close()
    except ET.ParseError as error:
        line, column = error.position
        raise ValidationError(
            _("The XML is not well-formed at line %(line)d, column %(column)d.")
            % {"line": line, "column": column},
            code="malformed",
        ) from error
    if root.tag != "bylaws":
        raise ValidationError(
            _("The XML must have <bylaws> as its root element, not <%(tag)s>.") % {"tag": root.tag},
            code="malformed",
        )
    sections = []
    for position, element in enumerate(root, start=1):
        if element.tag != "section":
            raise ValidationError(
                _("<bylaws> may contain only <section> elements; element %(n)d is <%(tag)s>.")
                % {"n": position, "tag": element.tag},
                code="malformed",
            )
        # Unknown children (ids, timestamps of the old system) are ignored.
        values = dict.fromkeys(XML_FIELDS.values(), "")
        for child in element:
            if child.tag in XML_FIELDS:
                values[XML_FIELDS[child.tag]] = "".join(child.itertext())
        sections.append(
            ParsedSection(
                number=_one_line(values["number"]),
                title=_one_line(values["title"]),
                text=normalise_text(values["text"]),
                part_number=_one_line(values["part_number"]),
                part_title=_one_line(values["part_title"]),
                kind=kind,
                where=_("<section> %(n)d") % {"n": position},
            )
        )
    return sections


# --- plain text ------------------------------------------------------------------------------

# A heading's title starts with a capital letter, so "Part 5 of the Act applies" or
# "2 dogs may be kept" at the start of a wrapped line stays text.
# "Part 2 - Duties of owners", "DIVISION 3: Conduct", "Part IV", "Part 5" (no title).
PART_LINE = re.compile(
    r"^(?:part|division)\s+(?P<number>[0-9]{1,3}[A-Za-z]?|[IVXLC]{1,6})\b\.?"
    r"\s*(?:[-\u2013\u2014:.]\s*)?(?P<title>.*)$",
    re.IGNORECASE,
)
# "3.4 Noise", "3.4(b) Noise at night", "12. Pets", "Rule 2 Parking", "Bylaw 7A: Storage".
SECTION_LINE = re.compile(
    r"^(?:(?:rule|bylaw|section|s\.)\s+)?"
    r"(?P<number>[0-9]{1,3}[A-Za-z]?(?:\.[0-9]{1,3}[A-Za-z]?)*(?:\([0-9A-Za-z]{1,4}\))*)"
    r"(?:\.|\s*[-\u2013\u2014:])?\s+(?P<title>\w.*)$",
    re.IGNORECASE,
)


def _heading(pattern: re.Pattern, line: str, *, title_required: bool):
    match = pattern.match(line)
    if match is None:
        return None
    title = match["title"].strip()
    if title[:1].isupper() or (not title and not title_required):
        return match["number"], title
    return None


def _decode(content: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 as word processors save."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _parse_text(text: str, kind: str) -> list[ParsedSection]:
    sections: list[ParsedSection] = []
    part_number = part_title = ""
    current: dict | None = None

    def close():
        if current is not None:
            sections.append(
                ParsedSection(
                    number=current["number"],
                    title=current["title"],
                    text=normalise_text("\n".join(current["lines"])),
                    part_number=current["part_number"],
                    part_title=current["part_title"],
                    kind=kind,
                    where=_("line %(n)d") % {"n": current["line"]},
                )
            )

    for line_number, line in enumerate(text.splitlines(), start=1):
        # An indented line is always text, so a sentence may begin with a number.
        heading = None if line[:1].isspace() else line.strip()
        part = _heading(PART_LINE, heading, title_required=False) if heading else None
        section = (
            _heading(SECTION_LINE, heading, title_required=True) if heading and not part else None
        )
        if part:
            close()
            current = None
            part_number, part_title = part
        elif section:
            close()
            current = {
                "number": section[0],
                "title": section[1],
                "lines": [],
                "part_number": part_number,
                "part_title": part_title,
                "line": line_number,
            }
        elif current is not None:
            current["lines"].append(line)
        # Lines before the first section (a cover title, a preamble) are not bylaws.
    close()
    return sections


# --- both ------------------------------------------------------------------------------------


def _one_line(value: str) -> str:
    return " ".join(value.split())


def normalise_text(value: str) -> str:
    """Line endings as \\n, no trailing spaces, no common indent, at most one blank line:
    the form in which texts are stored and compared, so a re-import is "unchanged"."""
    lines = [line.rstrip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", textwrap.dedent("\n".join(lines))).strip("\n")


def _field_length(name: str) -> int:
    return Bylaw._meta.get_field(name).max_length


def _check(sections: list[ParsedSection]) -> None:
    """Refuse the whole file on the first section that could not be stored as it is."""
    seen: dict[str, str] = {}
    for section in sections:
        label = (
            _("Section %(number)s (%(where)s)") % {"number": section.number, "where": section.where}
            if section.number
            else section.where.capitalize()
        )
        problem = None
        if not section.number:
            problem = _("it has no number.")
        elif len(section.number) > _field_length("number"):
            problem = _("its number is longer than %(n)d characters.") % {
                "n": _field_length("number")
            }
        elif section.number.lower() in seen:
            problem = _("the number appears twice (also at %(where)s).") % {
                "where": seen[section.number.lower()]
            }
        elif not section.title:
            problem = _("it has no title.")
        elif len(section.title) > _field_length("title"):
            problem = _("its title is longer than %(n)d characters.") % {
                "n": _field_length("title")
            }
        elif not section.text.strip():
            problem = _("it has no text.")
        elif len(section.part_number) > _field_length("part_number"):
            problem = _("its part number is longer than %(n)d characters.") % {
                "n": _field_length("part_number")
            }
        elif len(section.part_title) > _field_length("part_title"):
            problem = _("its part title is longer than %(n)d characters.") % {
                "n": _field_length("part_title")
            }
        if problem:
            raise ValidationError(f"{label}: {problem}", code="bad_section")
        seen[section.number.lower()] = section.where
