"""Per-strata letter wording (DESIGN §4): saving a new version and going back to the default
file. The editor's reads are in ``violations/selectors/cases.py``.

The default of each letter is ``violations/letters/<kind>.html``; a ``LetterTemplate`` row is a
strata's override, versioned like email templates (``communications.services.
email_template_save``): an edit is a new version, the old ones stay on record, and letters
record the version they were rendered from. A notice override must still be able to state
everything SPA s.135(1) requires, so saving renders it with the sample values and refuses one
that leaves an element out. The reads live here until ``violations/selectors/cases.py`` takes them.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import Strata, User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from communications import template_engine
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


def letter_template_preview(*, kind: str, body_html: str) -> str:
    """The letter's HTML with the sample values, or ValidationError on ``body_html``."""
    problem = letter_template_problem(kind, body_html)
    if problem:
        raise ValidationError({"body_html": problem})
    return template_engine.render(body_html, letters.SAMPLES[kind], html=True)


# --- writes -----------------------------------------------------------------------------------


def letter_template_save(
    *,
    strata: Strata,
    kind: str,
    body_html: str,
    actor: User,
    context: AuditContext | None = None,
) -> LetterTemplate:
    """Save a strata's wording of a letter as a new version; it replaces the one in use."""
    if not can(actor, Right.EDIT_TEMPLATES, strata):
        raise PermissionDenied(_("Only this strata's managers can edit its letters."))
    kind = LetterKind(kind)
    problem = letter_template_problem(kind, body_html)
    if problem:
        raise ValidationError({"body_html": problem})
    with transaction.atomic():
        # Two saves at once would read the same latest version: the strata row serialises them.
        Strata.objects.select_for_update().get(pk=strata.pk)
        latest = LetterTemplate.objects.filter(strata=strata, kind=kind).aggregate(
            version=Max("version")
        )["version"]
        LetterTemplate.objects.filter(strata=strata, kind=kind, is_active=True).update(
            is_active=False
        )
        template = LetterTemplate.objects.create(
            strata=strata,
            kind=kind,
            version=(latest or 0) + 1,
            body_html=body_html,
            created_by=actor,
        )
        audit_log_record(
            actor=actor,
            action="letter_template.saved",
            strata=strata,
            target=template,
            changes={"kind": kind.value, "version": template.version},
            context=context,
        )
    return template


def letter_template_revert(
    *, strata: Strata, kind: str, actor: User, context: AuditContext | None = None
) -> int:
    """Go back to the default file for this strata; the versions stay on record. Returns how
    many versions were in use (0: the default already was)."""
    if not can(actor, Right.EDIT_TEMPLATES, strata):
        raise PermissionDenied(_("Only this strata's managers can edit its letters."))
    kind = LetterKind(kind)
    with transaction.atomic():
        count = LetterTemplate.objects.filter(strata=strata, kind=kind, is_active=True).update(
            is_active=False
        )
        if count:
            audit_log_record(
                actor=actor,
                action="letter_template.reverted",
                strata=strata,
                changes={"kind": kind.value},
                context=context,
            )
    return count
