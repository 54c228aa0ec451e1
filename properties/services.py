"""Writes to the register. Each is one transaction: permission, validation, change, audit.

Same-strata rules (an occupancy's unit, person and landlord; a stall's unit) live in the
models' ``clean()``, which every save here runs through ``full_clean()``.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record, field_changes
from accounts.models import Strata, User
from accounts.permissions import Right, can, is_superuser
from accounts.request_meta import AuditContext
from properties.models import Occupancy, Person, Unit
from properties.selectors import current_occupancies


def strata_of(record):
    """The strata a register record belongs to (occupancies through their unit)."""
    return record.unit.strata if isinstance(record, Occupancy) else record.strata


def _require_edit(actor: User, record) -> None:
    if not can(actor, Right.EDIT_REGISTER, strata_of(record)):
        raise PermissionDenied(_("Only this strata's managers can change its register."))


def person_login_linkable_by(actor: User) -> bool:
    """Linking a login to a person, or unlinking it, grants or takes resident access: the
    firm's administrators' job only (superusers), not a strata's managers'."""
    return is_superuser(actor)


def _stored(record) -> dict:
    """A saved record's strata and, for a person, its login, as stored (not as edited in
    memory): ``{"strata": id, "user": id}``, empty for a new record. One query."""
    if record.pk is None:
        return {}
    fields = ["unit__strata" if isinstance(record, Occupancy) else "strata"]
    if isinstance(record, Person):
        fields.append("user")
    row = type(record)._default_manager.filter(pk=record.pk).values_list(*fields).first()
    return dict(zip(("strata", "user"), row or (), strict=False))


def register_record_check_edit(*, record, actor: User) -> Strata | None:
    """Refuse a register write the actor may not make; return the strata it moves out of.

    The actor needs the edit right in the strata the record is in now (as stored) and in the
    one it would be in after the change. Moving a record to another strata, and linking a login
    to a person (``person_login_linkable_by``), are the firm's administrators' job only
    (superusers): a manager of both stratas may not do either. Admin saves, imports and
    services all pass here (``register_record_save``); the import also asks before it writes
    anything of a row, so a refusal is a row error in its preview. Returns the stored strata
    when the change is an allowed move, else None.
    """
    _require_edit(actor, record)
    stored = _stored(record)
    if (
        isinstance(record, Person)
        and record.user_id != stored.get("user")
        and not person_login_linkable_by(actor)
    ):
        raise PermissionDenied(_("Only an administrator may link a login to a person."))
    target = strata_of(record)
    stored_id = stored.get("strata")
    if stored_id is None or stored_id == target.pk:
        return None
    if not can(actor, Right.EDIT_REGISTER, stored_id):
        raise PermissionDenied(_("Only this strata's managers can change its register."))
    moved_from = Strata.objects.get(pk=stored_id)
    if not is_superuser(actor):
        raise PermissionDenied(
            _(
                "%(record)s belongs to strata %(from)s: it cannot be moved to %(to)s. "
                "Only an administrator may move a record between stratas."
            )
            % {"record": record, "from": moved_from.plan_number, "to": target.plan_number}
        )
    return moved_from


def register_record_save(
    *,
    record,
    actor: User,
    changed_fields=(),
    before: dict | None = None,
    context: AuditContext | None = None,
):
    """Create or update a unit, person, occupancy, stall or locker, validated and audited.

    A move to another strata (superusers only, ``register_record_check_edit``) is audited as
    ``register.<model>_moved`` in both stratas, so each strata's managers see it.
    """
    moved_from = register_record_check_edit(record=record, actor=actor)
    creating = record.pk is None
    verb = "created" if creating else "moved" if moved_from else "changed"
    with transaction.atomic():
        record.full_clean()
        record.save()
        changes = field_changes(record, changed_fields, before)
        if moved_from:
            changes["strata"] = {
                "from": moved_from.plan_number,
                "to": strata_of(record).plan_number,
            }
        for strata in (moved_from, strata_of(record)):
            if strata is None:
                continue
            audit_log_record(
                actor=actor,
                action=f"register.{record._meta.model_name}_{verb}",
                strata=strata,
                target=record,
                changes=changes,
                context=context,
            )
    return record


def register_record_archive(
    *, record: Unit | Person, actor: User, context: AuditContext | None = None
):
    """Archive a unit or person: it leaves lists and choices, and its history stays."""
    _require_edit(actor, record)
    if record.archived_at is not None:
        raise ValidationError(_("%(record)s is already archived.") % {"record": record})
    via = "unit" if isinstance(record, Unit) else "person"
    if current_occupancies().filter(**{via: record}).exists():
        raise ValidationError(
            _("%(record)s still has current occupancies; end them before archiving.")
            % {"record": record}
        )
    with transaction.atomic():
        record.archived_at = timezone.now()
        record.save(update_fields=["archived_at", "updated_at"])
        audit_log_record(
            actor=actor,
            action=f"register.{record._meta.model_name}_archived",
            strata=record.strata,
            target=record,
            context=context,
        )
    return record


def occupancy_end(
    *,
    occupancy: Occupancy,
    actor: User,
    ends_on: dt.date,
    context: AuditContext | None = None,
) -> Occupancy:
    """End an occupancy on a date; the row stays as history."""
    if occupancy.ends_on is not None:
        raise ValidationError(
            _("This occupancy already ended on %(date)s.") % {"date": occupancy.ends_on}
        )
    before = {"ends_on": None}
    occupancy.ends_on = ends_on
    return register_record_save(
        record=occupancy,
        actor=actor,
        changed_fields=["ends_on"],
        before=before,
        context=context,
    )
