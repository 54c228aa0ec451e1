"""Writes for stratas and memberships. Each service is one transaction."""

import datetime as dt

from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import invitations
from accounts.audit import audit_log_record, field_changes
from accounts.models import Strata, StrataMembership, User
from accounts.permissions import Right, can, current_memberships, forget_roles
from accounts.request_meta import AuditContext
from accounts.strata_time import local_date, strata_zone
from communications.services import queue_email

APPROVALS = "notice_approvals_required"


def strata_save(
    *,
    strata: Strata,
    actor: User,
    changed_fields=(),
    before: dict | None = None,
    context: AuditContext | None = None,
) -> Strata:
    """Create (superusers) or update (its managers) a strata, validated and audited.

    A change to the number of council approvals a notice needs is audited from the stored
    value, whatever ``changed_fields`` lists, and told to the strata's council and other
    managers (docs/security.md, "Separation of duties"): a manager lowering it, to 0 even,
    must not go unseen by those whose approval it removes.
    """
    creating = strata.pk is None
    if creating and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only an administrator can add a strata."))
    if not creating and not can(actor, Right.EDIT_STRATA, strata):
        raise PermissionDenied(_("Only this strata's managers can change its settings."))
    strata.full_clean()
    with transaction.atomic():
        stored = (
            None
            if creating
            else Strata.objects.select_for_update()
            .values_list(APPROVALS, flat=True)
            .get(pk=strata.pk)
        )
        strata.save()
        changes = field_changes(strata, changed_fields, before)
        changes.pop(APPROVALS, None)
        rule_changed = stored is not None and stored != strata.notice_approvals_required
        if rule_changed:
            changes[APPROVALS] = {"from": stored, "to": strata.notice_approvals_required}
        entry = audit_log_record(
            actor=actor,
            action="strata.created" if creating else "strata.changed",
            strata=strata,
            target=strata,
            changes=changes,
            context=context,
        )
        if rule_changed:
            _approval_rule_announce(strata=strata, actor=actor, before=stored, entry=entry)
    return strata


def _approval_rule_announce(*, strata: Strata, actor: User, before: int, entry) -> None:
    """Email each current council member and manager of ``strata`` but ``actor``: once per
    person and change (the change's audit entry is in the key)."""
    recipients = (
        User.objects.filter(
            is_active=True,
            pk__in=StrataMembership.objects.filter(
                current_memberships(),
                strata=strata,
                role__in=[StrataMembership.Role.COUNCIL, StrataMembership.Role.MANAGER],
            ).values("user_id"),
        )
        .exclude(pk=actor.pk)
        .order_by("email")
    )
    changed_at = timezone.localtime(entry.created_at, strata_zone(strata))
    context = {
        "strata_name": strata.name,
        "changed_by": f"{actor.full_name} ({actor.email})" if actor.full_name else actor.email,
        "approvals_before": str(before),
        "approvals_after": str(strata.notice_approvals_required),
        "changed_at": f"{changed_at:%Y-%m-%d} at {changed_at:%H:%M %Z}",
    }
    for user in recipients:
        queue_email(
            kind="system",
            to=user.email,
            to_name=user.full_name,
            strata=strata,
            template="accounts.approval_rule_changed",
            context={**context, "recipient_name": user.full_name or user.email},
            dedup_key=f"strata:{strata.uuid}:approvals-changed:{entry.uuid}:{user.uuid}",
            about=strata.uuid,
        )


def membership_check_grantee(*, actor: User, email: str) -> None:
    """Refuse a role given to the actor's own address, a superuser's too (docs/security.md,
    "Separation of duties"): a manager who made themselves council would approve their own
    notices. The invitation form asks the same before saving."""
    if User.objects.normalize_email(email).strip().lower() == actor.email.strip().lower():
        raise ValidationError(
            {
                "email": _(
                    "You cannot give a role to yourself: another manager or an administrator must."
                )
            }
        )


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

    A role given to an account that already exists grants nothing until its holder, signed
    in, accepts it (``membership_accept``): whoever set that account's password, an address
    invited earlier by another strata is not a way into this one. The caller learns nothing
    about the account (whether it exists, its name, whether it is active): the outcome is the
    same for every address, and only the recipient's email differs.
    """
    if not can(actor, Right.MANAGE_MEMBERSHIPS, strata):
        raise PermissionDenied(_("Only this strata's managers can invite staff."))
    if role not in StrataMembership.Role.values:
        raise ValidationError({"role": _("Choose manager, council or caretaker.")})
    email = User.objects.normalize_email(email).strip().lower()
    if not email:
        raise ValidationError({"email": _("An email address is needed to invite someone.")})
    membership_check_grantee(actor=actor, email=email)
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(email=email, full_name=full_name.strip())
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
            user=user,
            strata=strata,
            role=role,
            starts_on=starts_on or local_date(strata),
            # A new account's first role: the account is unusable until the mailbox owner sets
            # its password through the emailed link, which is the acceptance.
            accepted_at=timezone.now() if created else None,
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
        if user.is_active:  # a deactivated account can accept nothing until reactivated
            invitations.queue_invitation(membership=membership, invited_by=actor)
    forget_roles(actor)
    return membership


def membership_accept(
    *, membership_uuid, actor: User, context: AuditContext | None = None
) -> StrataMembership:
    """The invited person, signed in, accepts a role given to their existing account.

    Only the membership's own user may accept it (anyone else is refused as if it did not
    exist); an ended membership cannot be accepted; accepting twice changes nothing.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Sign in to accept a role."))
    with transaction.atomic():
        locked = (
            StrataMembership.objects.select_for_update()
            .select_related("strata")
            .filter(uuid=membership_uuid, user=actor)
            .first()
        )
        if locked is None:
            raise PermissionDenied(_("This invitation is not for the account you signed in with."))
        today = local_date(locked.strata)
        if locked.ended_at is not None or (locked.ends_on is not None and locked.ends_on < today):
            raise ValidationError(_("This role has ended; there is nothing to accept."))
        if locked.accepted_at is not None:
            return locked
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at", "updated_at"])
        audit_log_record(
            actor=actor,
            action="membership.accepted",
            strata=locked.strata,
            target=locked,
            changes={"role": locked.role},
            context=context,
        )
    forget_roles(actor)
    return locked


def membership_end(
    *,
    membership: StrataMembership,
    actor: User,
    ends_on: dt.date | None = None,
    context: AuditContext | None = None,
) -> StrataMembership:
    """End a staff role (it stays on record).

    Ended today (the default, the strata's today) or on an earlier day, it grants nothing
    from this moment, in sessions already open too: ``ended_at`` is set and
    ``permissions.current_memberships`` leaves it out. Ended on a later day (a council's term
    to the AGM), it holds through that day.
    """
    if not can(actor, Right.MANAGE_MEMBERSHIPS, membership.strata_id):
        raise PermissionDenied(_("Only this strata's managers can end memberships."))
    with transaction.atomic():
        locked = StrataMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.ends_on is not None:
            raise ValidationError(
                _("This membership already ended on %(date)s.") % {"date": locked.ends_on}
            )
        now = timezone.now()
        today = local_date(locked.strata, now)
        ends_on = ends_on or today
        if ends_on < locked.starts_on:
            raise ValidationError(
                {
                    "ends_on": _("A membership cannot end before it starts (%(date)s).")
                    % {"date": locked.starts_on}
                }
            )
        locked.ends_on = ends_on
        if ends_on <= today:
            locked.ended_at = now
        locked.save(update_fields=["ends_on", "ended_at", "updated_at"])
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


def password_reset_queue(*, email: str) -> int:
    """Queue a password reset email for each active account with a usable password whose
    address matches ``email`` (case-insensitively); none for an unknown address. Runs in
    ``accounts.tasks.queue_password_reset_task``, after the request has answered.

    The outbox derives the key with an hour bucket: a second request within the same hour
    sends nothing new (the first link still works).
    """
    # Django's own lookup: active, usable password, and the Unicode-safe address comparison.
    users = list(PasswordResetForm().get_users(email))
    with transaction.atomic():
        for user in users:
            address = getattr(user, user.get_email_field_name())
            queue_email(
                kind="login",
                to=address,
                to_name=user.full_name,
                template="accounts.password_reset",
                context={
                    "recipient_name": user.full_name,
                    "reset_url": invitations.set_password_url(user),
                    "login_email": address,
                },
                about=user.uuid,
                sensitive=True,
            )
    return len(users)
