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
from accounts.models import User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from properties.models import Occupancy, Person, Unit
from properties.selectors import current_occupancies


def strata_of(record):
    """The strata a register record belongs to (occupancies through their unit)."""
    return record.unit.strata if isinstance(record, Occupancy) else record.strata


def _require_edit(actor: User, record) -> None:
    if not can(actor, Right.EDIT_REGISTER, strata_of(record)):
        raise PermissionDenied(_("Only this strata's managers can change its register."))


def register_record_save(
    *,
    record,
    actor: User,
    changed_fields=(),
    before: dict | None = None,
    context: AuditContext | None = None,
):
    """Create or update a unit, person, occupancy, stall or locker, validated and audited."""
    _require_edit(actor, record)
    creating = record.pk is None
    with transaction.atomic():
        record.full_clean()
        record.save()
        audit_log_record(
            actor=actor,
            action=f"register.{record._meta.model_name}_{'created' if creating else 'changed'}",
            strata=strata_of(record),
            target=record,
            changes=field_changes(record, changed_fields, before),
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
