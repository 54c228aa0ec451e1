"""Writes to a strata's bylaws, rules and categories, and the bylaw import.

Each service checks ``Right.EDIT_BYLAWS`` first, then validates, writes and audits in one
transaction. A bylaw's wording is never overwritten in history: every new or changed text is a
``BylawRevision`` with the date it takes effect, so a letter can quote the text in force on the
incident date (``selectors.bylaw_revision_in_force``).
"""

import dataclasses
import datetime as dt
import difflib
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_log_record, field_changes
from accounts.models import (
    MIN_CONTINUING_INTERVAL_DAYS,
    REG_7_1_MAX_BYLAW_FINE,
    REG_7_1_MAX_RULE_FINE,
    Strata,
    User,
)
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from violations.domain.bylaw_parsing import ParsedSection, normalise_text
from violations.models import (
    REG_7_1_MAX_SHORT_TERM_RENTAL_FINE,
    Bylaw,
    BylawCategory,
    BylawKind,
    BylawRevision,
    ViolationCategory,
)

# The fields a save compares with the stored row; the strata never changes.
BYLAW_FIELDS = [
    f.attname
    for f in Bylaw._meta.concrete_fields
    if f.name not in ("id", "uuid", "strata", "created_at", "updated_at")
]
DIFF_LINES = 8


def _require_edit(actor: User, strata_id: int) -> None:
    if not can(actor, Right.EDIT_BYLAWS, strata_id):
        raise PermissionDenied(_("Only this strata's managers and council can change its bylaws."))


def _stored_for_update(record: models.Model):
    """The stored row, locked, or None for a new record; a record never moves stratas."""
    if record.pk is None:
        return None
    stored = type(record).objects.select_for_update().get(pk=record.pk)
    if stored.strata_id != record.strata_id:
        raise ValidationError(
            {"strata": _("A record stays in its strata; add a new one to the other strata.")}
        )
    return stored


def _require_strata(record: models.Model) -> None:
    if not record.strata_id:
        raise ValidationError({"strata": _("Choose the strata this belongs to.")})


# --- bylaws ----------------------------------------------------------------------------------


def bylaw_problems(bylaw: Bylaw, *, revision_on: dt.date | None = None) -> dict[str, str]:
    """What the law or the strata's records forbid in ``bylaw``, in words staff understand.

    The database constraints hold the same limits; checking here first turns what would be an
    IntegrityError into a form error. ``revision_on`` is the date a new wording would take
    effect: it may not come before the newest revision, or the current text would not be the
    one in force.
    """
    problems = {}
    if bylaw.is_short_term_rental and bylaw.kind != BylawKind.BYLAW:
        problems["is_short_term_rental"] = _(
            "Only a bylaw can be a short-term rental bylaw, not a rule."
        )
    if bylaw.fine_amount is not None:
        if bylaw.fine_amount < 0:
            problems["fine_amount"] = _("A fine cannot be negative.")
        elif bylaw.is_short_term_rental and bylaw.kind == BylawKind.BYLAW:
            if bylaw.fine_amount > REG_7_1_MAX_SHORT_TERM_RENTAL_FINE:
                problems["fine_amount"] = _(
                    "A short-term rental bylaw may fine at most $1,000 (Reg 7.1(1))."
                )
        elif bylaw.kind == BylawKind.RULE and bylaw.fine_amount > REG_7_1_MAX_RULE_FINE:
            problems["fine_amount"] = _("A rule may fine at most $50 per contravention (Reg 7.1).")
        elif bylaw.kind == BylawKind.BYLAW and bylaw.fine_amount > REG_7_1_MAX_BYLAW_FINE:
            problems["fine_amount"] = _(
                "A bylaw may fine at most $200 per contravention (Reg 7.1); only a short-term "
                "rental bylaw may go to $1,000."
            )
    interval = bylaw.continuing_interval_days
    if interval is not None:
        if bylaw.is_short_term_rental and interval < 1:
            problems["continuing_interval_days"] = _("Fines can repeat at most once a day.")
        elif not bylaw.is_short_term_rental and interval < MIN_CONTINUING_INTERVAL_DAYS:
            problems["continuing_interval_days"] = _(
                "A continuing contravention may be fined at most every 7 days (Reg 7.1(2)); "
                "only a short-term rental bylaw may repeat daily."
            )
    if bylaw.category_id and bylaw.category.strata_id != bylaw.strata_id:
        problems["category"] = _("Choose a category of this bylaw's strata.")
    if bylaw.kind == BylawKind.RULE and bylaw.filed_on:
        problems["filed_on"] = _(
            "Rules are not filed at the Land Title Office; give the date a general meeting "
            "ratified the rule instead."
        )
    if bylaw.kind == BylawKind.BYLAW and bylaw.ratified_on:
        problems["ratified_on"] = _(
            "Only rules are ratified; give the date the bylaw was filed at the Land Title Office."
        )
    if revision_on is not None and bylaw.pk is not None:
        newest = bylaw.revisions.aggregate(newest=Max("effective_on"))["newest"]
        problem = _revision_date_problem(newest, revision_on)
        if problem:
            problems["effective_on"] = problem
    return problems


def _revision_date_problem(newest: dt.date | None, revision_on: dt.date) -> str:
    if newest is None or revision_on >= newest:
        return ""
    return _(
        "The text in force from %(newest)s is newer; a changed text takes effect on or after "
        "that date."
    ) % {"newest": newest.isoformat()}


def bylaw_save(
    *,
    bylaw: Bylaw,
    actor: User,
    effective_on: dt.date | None = None,
    context: AuditContext | None = None,
) -> Bylaw:
    """Create or update a bylaw or rule. A new or changed text becomes a revision in force
    from ``effective_on`` (default: today, strata time); an unchanged save writes nothing."""
    _require_strata(bylaw)
    _require_edit(actor, bylaw.strata_id)
    bylaw.text = normalise_text(bylaw.text or "")
    with transaction.atomic():
        stored = _stored_for_update(bylaw)
        text_changed = stored is None or stored.text != bylaw.text
        revision_on = (effective_on or strata_today(bylaw.strata)) if text_changed else None
        problems = bylaw_problems(bylaw, revision_on=revision_on)
        if problems:
            raise ValidationError(problems)
        bylaw.full_clean()
        changed = [
            name
            for name in BYLAW_FIELDS
            if stored is None or getattr(stored, name) != getattr(bylaw, name)
        ]
        if not changed:
            return bylaw
        bylaw.save()
        before = {name: getattr(stored, name) for name in changed} if stored else None
        changes = field_changes(bylaw, [name for name in changed if name != "text"], before)
        if text_changed:
            BylawRevision.objects.create(
                bylaw=bylaw, text=bylaw.text, effective_on=revision_on, created_by=actor
            )
            # The wording itself is kept in the revision, not copied into the audit log.
            changes["text"] = {"in_force_from": revision_on.isoformat()}
        audit_log_record(
            actor=actor,
            action="bylaw.saved",
            strata=bylaw.strata,
            target=bylaw,
            changes=changes,
            context=context,
        )
    return bylaw


# --- categories ------------------------------------------------------------------------------


def bylaw_category_save(
    *, category: BylawCategory, actor: User, context: AuditContext | None = None
) -> BylawCategory:
    _require_strata(category)
    _require_edit(actor, category.strata_id)
    with transaction.atomic():
        stored = _stored_for_update(category)
        category.full_clean()
        changed = [
            name
            for name in ("name", "description")
            if stored is None or getattr(stored, name) != getattr(category, name)
        ]
        if not changed:
            return category
        category.save()
        audit_log_record(
            actor=actor,
            action="bylaw.category_saved",
            strata=category.strata,
            target=category,
            changes=field_changes(
                category, changed, {n: getattr(stored, n) for n in changed} if stored else None
            ),
            context=context,
        )
    return category


def violation_category_save(
    *,
    category: ViolationCategory,
    actor: User,
    default_bylaws=None,
    context: AuditContext | None = None,
) -> ViolationCategory:
    """Create or update a case category; ``default_bylaws`` (when given) replaces its list,
    which may only name bylaws of the category's strata."""
    _require_strata(category)
    _require_edit(actor, category.strata_id)
    with transaction.atomic():
        stored = _stored_for_update(category)
        category.full_clean()
        changed = [
            name
            for name in ("name", "description", "is_active")
            if stored is None or getattr(stored, name) != getattr(category, name)
        ]
        changes = field_changes(
            category, changed, {n: getattr(stored, n) for n in changed} if stored else None
        )
        if default_bylaws is not None:
            default_bylaws = list(default_bylaws)
            if any(bylaw.strata_id != category.strata_id for bylaw in default_bylaws):
                raise ValidationError(
                    {"default_bylaws": _("Choose bylaws of this category's strata only.")}
                )
            before = (
                sorted(b.number for b in stored.default_bylaws.all()) if stored is not None else []
            )
            after = sorted(b.number for b in default_bylaws)
            if before != after:
                changes["default_bylaws"] = {"from": before, "to": after}
        if not changes:
            return category
        category.save()
        if default_bylaws is not None:
            category.default_bylaws.set(default_bylaws)
        audit_log_record(
            actor=actor,
            action="violation.category_saved",
            strata=category.strata,
            target=category,
            changes=changes,
            context=context,
        )
    return category


# --- import ----------------------------------------------------------------------------------


class ImportMode(models.TextChoices):
    SKIP = "skip", gettext_lazy("Keep existing numbers as they are (skip them)")
    UPDATE = "update", gettext_lazy("Update existing numbers from the file")


class ImportOutcome(models.TextChoices):
    NEW = "new", gettext_lazy("New")
    CHANGED = "changed", gettext_lazy("Changed")
    UNCHANGED = "unchanged", gettext_lazy("Unchanged")
    SKIPPED = "skipped", gettext_lazy("Skipped (exists, differs)")


@dataclasses.dataclass(frozen=True)
class PlannedSection:
    section: ParsedSection
    outcome: ImportOutcome
    bylaw: Bylaw | None  # the existing bylaw with this number
    diff: tuple[str, ...] = ()
    problem: str = ""  # why importing this section would be refused


@dataclasses.dataclass(frozen=True)
class ImportCounts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    unchanged: int = 0


def _part_label(number: str, title: str) -> str:
    return " ".join(filter(None, [number, title])) or "—"


def _diff(bylaw: Bylaw, section: ParsedSection) -> tuple[str, ...]:
    """A few lines saying what differs: title, part, and the changed lines of the text."""
    lines = []
    if bylaw.title != section.title:
        lines.append(_("Title: %(old)s → %(new)s") % {"old": bylaw.title, "new": section.title})
    old_part = _part_label(bylaw.part_number, bylaw.part_title)
    new_part = _part_label(section.part_number, section.part_title)
    if old_part != new_part:
        lines.append(_("Part: %(old)s → %(new)s") % {"old": old_part, "new": new_part})
    if bylaw.text != section.text:
        body = [
            line
            for line in difflib.unified_diff(
                bylaw.text.splitlines(), section.text.splitlines(), lineterm="", n=0
            )
            if not line.startswith(("---", "+++", "@@"))
        ]
        lines += body[:DIFF_LINES] + (["…"] if len(body) > DIFF_LINES else [])
    return tuple(lines)


def bylaw_import_plan(
    *,
    strata: Strata,
    sections: list[ParsedSection],
    mode: str,
    effective_on: dt.date | None = None,
) -> list[PlannedSection]:
    """What importing ``sections`` would do to each, matched by number within the strata and
    kind, and which changes would be refused. Read-only: the preview shows it, and the import
    carries it out."""
    mode = ImportMode(mode)
    effective_on = effective_on or strata_today(strata)
    existing = {
        (bylaw.kind, bylaw.number.lower()): bylaw
        for bylaw in Bylaw.objects.filter(
            strata=strata, kind__in={section.kind for section in sections}
        ).annotate(newest_revision_on=Max("revisions__effective_on"))
    }
    plan = []
    for section in sections:
        bylaw = existing.get((section.kind, section.number.lower()))
        if bylaw is None:
            plan.append(PlannedSection(section, ImportOutcome.NEW, None))
            continue
        diff = _diff(bylaw, section)
        problem = ""
        if not diff:
            outcome = ImportOutcome.UNCHANGED
        elif mode == ImportMode.UPDATE:
            outcome = ImportOutcome.CHANGED
            if bylaw.text != section.text:
                problem = _revision_date_problem(bylaw.newest_revision_on, effective_on)
        else:
            outcome = ImportOutcome.SKIPPED
        plan.append(PlannedSection(section, outcome, bylaw, diff, problem))
    return plan


def bylaw_import_apply(
    *,
    strata: Strata,
    sections: list[ParsedSection],
    mode: str,
    actor: User,
    effective_on: dt.date | None,
    context: AuditContext | None = None,
) -> ImportCounts:
    """Create the new sections and, in update mode, update the changed ones (title, part and
    text; a changed text is a revision in force from ``effective_on``). All or nothing."""
    _require_edit(actor, strata.pk)
    mode = ImportMode(mode)
    effective_on = effective_on or strata_today(strata)
    counts = Counter()
    with transaction.atomic():
        plan = bylaw_import_plan(
            strata=strata, sections=sections, mode=mode, effective_on=effective_on
        )
        for row in plan:
            counts[row.outcome] += 1
            if row.outcome not in (ImportOutcome.NEW, ImportOutcome.CHANGED):
                continue
            section = row.section
            bylaw = row.bylaw or Bylaw(strata=strata, kind=section.kind, number=section.number)
            bylaw.title, bylaw.text = section.title, section.text
            bylaw.part_number, bylaw.part_title = section.part_number, section.part_title
            try:
                bylaw_save(bylaw=bylaw, actor=actor, effective_on=effective_on, context=context)
            except ValidationError as error:
                raise ValidationError(
                    _("Section %(number)s (%(where)s): %(errors)s")
                    % {
                        "number": section.number,
                        "where": section.where,
                        "errors": " ".join(error.messages),
                    }
                ) from error
        result = ImportCounts(
            created=counts[ImportOutcome.NEW],
            updated=counts[ImportOutcome.CHANGED],
            skipped=counts[ImportOutcome.SKIPPED],
            unchanged=counts[ImportOutcome.UNCHANGED],
        )
        audit_log_record(
            actor=actor,
            action="bylaw.imported",
            strata=strata,
            changes={
                "mode": mode.value,
                "kind": sections[0].kind if sections else "",
                "in_force_from": effective_on.isoformat(),
                **dataclasses.asdict(result),
            },
            context=context,
        )
    return result
