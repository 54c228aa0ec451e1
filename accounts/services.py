"""Writes for stratas and memberships. Each service is one transaction."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import invitations
from accounts.audit import audit_log_record, field_changes
from accounts.models import Strata, StrataMembership, User
from accounts.permissions import Right, can, forget_roles
from accounts.request_meta import AuditContext


def strata_save(
    *,
    strata: Strata,
    actor: User,
    changed_fields=(),
    before: dict | None = None,
    context: AuditContext | None = None,
) -> Strata:
    """Create (superusers) or update (its managers) a strata, validated and audited."""
    creating = strata.pk is None
    if creating and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only an administrator can add a strata."))
    if not creating and not can(actor, Right.EDIT_STRATA, strata):
        raise PermissionDenied(_("Only this strata's managers can change its settings."))
    strata.full_clean()
    with transaction.atomic():
        strata.save()
        audit_log_record(
            actor=actor,
            action="strata.created" if creating else "strata.changed",
            strata=strata,
            target=strata,
            changes=field_changes(strata, changed_fields, before),
            context=context,
        )
    return strata


def membership_invite(
    *,
    strata: Strata,
    email: str,
    full_name: str,
    role: str,
    actor: User,
    starts_on: dt.date | None = None,
    context: AuditContext | None = None,
) -> StrataMembership:
    """Give a person a staff role in a strata; a new user gets a set-password email.

    An existing user keeps their password and is told of the new role by the same email, so
    nobody is left wondering why the admin now shows another strata.
    """
    if not can(actor, Right.MANAGE_MEMBERSHIPS, strata):
        raise PermissionDenied(_("Only this strata's managers can invite staff."))
    if role not in StrataMembership.Role.values:
        raise ValidationError({"role": _("Choose manager, council or caretaker.")})
    email = User.objects.normalize_email(email).strip().lower()
    if not email:
        raise ValidationError({"email": _("An email address is needed to invite someone.")})
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, full_name=full_name.strip())
        elif not user.is_active:
            raise ValidationError(
                {"email": _("This account is deactivated; an administrator must reactivate it.")}
            )
        if StrataMembership.objects.filter(
            user=user, strata=strata, role=role, ends_on__isnull=True
        ).exists():
            raise ValidationError(
                {
                    "email": _("%(email)s already has this role in %(strata)s.")
                    % {"email": email, "strata": strata.name}
                }
            )
        membership = StrataMembership(
            user=user, strata=strata, role=role, starts_on=starts_on or timezone.localdate()
        )
        membership.full_clean()
        membership.save()
        audit_log_record(
            actor=actor,
            action="membership.invited",
            strata=strata,
            target=membership,
            changes={"email": email, "role": role, "starts_on": str(membership.starts_on)},
            context=context,
        )
        invitations.queue_invitation(membership=membership, invited_by=actor)
    forget_roles(actor)
    return membership


def membership_end(
    *,
    membership: StrataMembership,
    actor: User,
    ends_on: dt.date | None = None,
    context: AuditContext | None = None,
) -> StrataMembership:
    """End a staff role (it stays on record); from ``ends_on`` it grants nothing."""
    if not can(actor, Right.MANAGE_MEMBERSHIPS, membership.strata_id):
        raise PermissionDenied(_("Only this strata's managers can end memberships."))
    ends_on = ends_on or timezone.localdate()
    with transaction.atomic():
        locked = StrataMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.ends_on is not None:
            raise ValidationError(
                _("This membership already ended on %(date)s.") % {"date": locked.ends_on}
            )
        if ends_on < locked.starts_on:
            raise ValidationError(
                {
                    "ends_on": _("A membership cannot end before it starts (%(date)s).")
                    % {"date": locked.starts_on}
                }
            )
        locked.ends_on = ends_on
        locked.save(update_fields=["ends_on", "updated_at"])
        audit_log_record(
            actor=actor,
            action="membership.ended",
            strata=locked.strata,
            target=locked,
            changes={"ends_on": str(ends_on)},
            context=context,
        )
    forget_roles(actor)
    return locked
