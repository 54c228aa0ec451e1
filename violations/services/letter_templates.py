"""Per-strata letter wording (DESIGN §4): saving a new version and going back to the default
file, through the writer email templates use (``communications.template_versions``).

The default of each letter is ``violations/letters/<kind>.html``; a ``LetterTemplate`` row is a
strata's override: an edit is a new version, the old ones stay on record, and letters record
the version they were rendered from. A notice override must still be able to state everything
SPA s.135(1) requires, so saving renders it with the sample values and refuses one that leaves
an element out. The editor's other reads are in ``violations/selectors/cases.py``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Strata, User
from accounts.request_meta import AuditContext
from communications import template_engine
from communications.template_versions import (
    TemplateFamily,
    template_version_revert,
    template_version_save,
)
from violations.models import LetterKind, LetterTemplate
from violations.selectors import letters


def letter_template_problem(kind: str, body_html: str) -> str | None:
    """Why this wording cannot be used for ``kind``, or None. Saving and previewing share it."""
    if not body_html.strip():
        return _("A letter needs some wording.")
    error = letters.template_errors(kind, body_html)
    if error:
        return error
    if kind == LetterKind.NOTICE:
        sample = letters.SAMPLES[LetterKind.NOTICE]
        rendered = template_engine.render(body_html, sample, html=True)
        missing = letters.notice_missing_elements(rendered, sample)
        if missing:
            return _(
                "A notice must state everything SPA s.135(1) requires; this wording leaves "
                "out: %(missing)s."
            ) % {"missing": "; ".join(missing)}
    return None


def _refuse_problem(kind: str, body_html: str) -> None:
    problem = letter_template_problem(kind, body_html)
    if problem:
        raise ValidationError({"body_html": problem})


def letter_template_preview(*, kind: str, body_html: str) -> str:
    """The letter's HTML with the sample values, or ValidationError on ``body_html``."""
    _refuse_problem(kind, body_html)
    return template_engine.render(body_html, letters.SAMPLES[kind], html=True)


# --- writes -----------------------------------------------------------------------------------


def _letter_template_clean(kind: str, sources: dict[str, str]) -> dict[str, str]:
    _refuse_problem(kind, sources["body_html"])
    return sources


LETTER_TEMPLATES = TemplateFamily(
    model=LetterTemplate,
    audit="letter_template",
    denied=gettext_lazy("Only this strata's managers can edit its letters."),
    clean=_letter_template_clean,
)


def letter_template_save(
    *,
    strata: Strata,
    kind: str,
    body_html: str,
    actor: User,
    context: AuditContext | None = None,
) -> LetterTemplate:
    """Save a strata's wording of a letter as a new version; it replaces the one in use."""
    return template_version_save(
        family=LETTER_TEMPLATES,
        strata=strata,
        key=LetterKind(kind),
        sources={"body_html": body_html},
        actor=actor,
        context=context,
    )


def letter_template_revert(
    *, strata: Strata, kind: str, actor: User, context: AuditContext | None = None
) -> int:
    """Go back to the default file for this strata; the versions stay on record. Returns how
    many versions were in use (0: the default already was)."""
    return template_version_revert(
        family=LETTER_TEMPLATES, strata=strata, key=LetterKind(kind), actor=actor, context=context
    )
