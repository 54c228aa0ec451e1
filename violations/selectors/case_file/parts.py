"""What a case file is built into (``case_file.contents``): each stored file bound for the
ZIP (``Original``) and what the PDF shows and the ZIP holds (``Contents``), with the last
redaction check before anything is written. Split out so the modules that fill them
(``case_file.contents``, ``case_file.evidence``) and the one that writes them (``case_file``)
share them without importing each other.
"""

import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _

from violations.selectors.case_file.redaction import WHAT, Redactor, visible_text


@dataclass
class Original:
    """One stored file bound for the ZIP, and the sha256 recorded for it (if any). ``text``
    is what it says (a letter's HTML), checked before a redacted copy is written."""

    path: str
    file: File
    recorded_sha256: str = ""
    compress: int = zipfile.ZIP_DEFLATED
    text: str = ""


@dataclass
class Contents:
    """What the PDF shows and the ZIP holds, redactions already applied."""

    context: dict = field(default_factory=dict)
    originals: list[Original] = field(default_factory=list)
    redactions: list[dict] = field(default_factory=list)
    redactor: Redactor | None = None
    # Stored files the PDF states the sha256 of but the ZIP leaves out (the originals of a
    # redacted copy's evidence): the case file vouches for them all the same.
    vouched: list[Original] = field(default_factory=list)

    def redaction_check(self, html: str) -> None:
        """The last check of a redacted copy before anything is written: the PDF's text, the
        ZIP's file names (which SHA256SUMS repeats) and the letters going into it name no
        complainant or witness. Refuses the export if one still does."""
        if self.redactor is None or not self.redactor.active:
            return
        places = [
            (_("the PDF"), visible_text(html)),
            (_("the ZIP's file names"), "\n".join(o.path for o in self.originals)),
            *((original.path, visible_text(original.text)) for original in self.originals),
        ]
        for where, text in places:
            if what := self.redactor.find(text):
                raise ValidationError(
                    _(
                        "The redacted case file would still show a complainant's or witness's "
                        "%(what)s in %(where)s, so nothing was exported. Export it for council "
                        "or the strata's lawyer, or report the field that escaped redaction."
                    )
                    % {"what": WHAT[what], "where": where},
                    code="not_redacted",
                )
