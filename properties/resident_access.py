"""A person's own way in (DESIGN §8) and the choices they make there: their resident login,
made from the register on first use; a sign-in link asked for by email; their address for
notices (a legal act, SPA s.61); newsletters on or off.

A resident login is its own account with no usable password, never a staff one: it is linked
to the person here, by the system, when the person proves they hold a link sent to them.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.login_tokens import sign_in_link_mint, token_check, token_use
from accounts.models import LoginToken, StrataMembership, User
from accounts.permissions import current_memberships
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from communications.services import queue_email
from properties.models import Person
from properties.selectors import persons_at_address


def resident_user_for(*, person: Person, context: AuditContext | None = None) -> User:
    """The person's login, made on first use with no usable password. Its address is the
    person's own when no account holds it yet, else a placeholder: an existing account is
    never taken over by an address match (the register says "linked explicitly")."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.user_id is not None:
            return person.user
        address = (person.email or person.email_for_notices).strip().lower()
        if not address or User.objects.filter(email=address).exists():
            address = f"resident-{person.uuid}@residents.invalid"
        user = User.objects.create_user(email=address, full_name=person.full_name)
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        audit_log_record(
            actor=user,
            action="resident.login_created",
            strata=person.strata,
            target=person,
            changes={"user": str(user.uuid)},
            context=context,
        )
    return user


def sign_in_link_send(*, email: str) -> int:
    """Email one single-use sign-in link to ``email`` when a current person of the register
    has that address; nothing otherwise. Runs in a task after the request has answered, so
    the answer, its timing and its queries say nothing about which addresses are known."""
    address = email.strip().lower()
    names = sorted({person.full_name for person in persons_at_address(address)})
    if not names:
        return 0
    with transaction.atomic():
        raw = sign_in_link_mint(email=address)
        queue_email(
            kind="login",
            to=address,
            template="properties.sign_in_link",
            context={
                "recipient_name": _(" and ").join(names),
                "sign_in_url": f"{settings.SITE_URL}/my/sign-in/{raw}/",
                "minutes": str(settings.SIGN_IN_LINK_MINUTES),
            },
            dedup_key=f"sign-in:{uuid.uuid4()}",
            sensitive=True,
        )
        audit_log_record(
            actor=None, action="resident.sign_in_link_sent", changes={"email": address}
        )
    return 1


def sign_in_link_confirm(
    *, raw: str, person_uuid, context: AuditContext | None = None
) -> User | str:
    """Spend a sign-in link for the person its owner chose (one of ``persons_at_address``
    of the link's address): their resident login, audited. Else why not (``unknown``,
    ``expired``, ``used``, ``revoked``, ``not_yours``), with nothing spent."""
    check = token_check(raw, LoginToken.Purpose.SIGN_IN)
    if check.problem:
        return check.problem
    person = persons_at_address(check.token.email).filter(uuid=person_uuid).first()
    if person is None:
        return "not_yours"
    with transaction.atomic():
        if not token_use(check.token):
            return "used"
        user = resident_user_for(person=person, context=context)
        audit_log_record(
            actor=user,
            action="resident.signed_in",
            strata=person.strata,
            target=person,
            changes={"by": "sign_in_link"},
            context=context,
        )
    return user


def notice_address_give(
    *, person: Person, actor: User, address: str, context: AuditContext | None = None
) -> Person:
    """The person gives (or, blank, withdraws) their address for the service of notices
    (SPA s.61(1)(b)): dated today in the strata, audited, and the strata's managers told."""
    address = address.strip().lower()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {"email_for_notices": _("Enter a valid email address.")}
            ) from None
    with transaction.atomic():
        person = Person.objects.select_for_update().select_related("strata").get(pk=person.pk)
        if person.user_id != actor.pk:
            raise ValidationError(_("Only the person themselves may give this address."))
        before = person.email_for_notices
        if address == before:
            return person
        today = strata_today(person.strata)
        person.email_for_notices = address
        person.email_for_notices_given_on = today if address else None
        person.save(update_fields=["email_for_notices", "email_for_notices_given_on", "updated_at"])
        audit_log_record(
            actor=actor,
            action="resident.notice_address_given",
            strata=person.strata,
            target=person,
            changes={
                "email_for_notices": {"from": before, "to": address},
                "given_on": today.isoformat(),
            },
            context=context,
        )
        _managers_told(person, address or _("no address (withdrawn)"), today)
    return person


def _managers_told(person: Person, address: str, today) -> None:
    unit = person.occupancies.select_related("unit").order_by("pk").first()
    managers = User.objects.filter(
        is_active=True,
        memberships__in=StrataMembership.objects.filter(
            current_memberships(), strata=person.strata, role=StrataMembership.Role.MANAGER
        ),
    ).distinct()
    for manager in managers:
        queue_email(
            kind="system",
            to=manager.email,
            strata=person.strata,
            to_name=manager.full_name,
            template="properties.notice_address_given",
            context={
                "recipient_name": manager.full_name or manager.email,
                "person_name": person.full_name,
                "unit": unit.unit.unit_number if unit else "-",
                "address": address,
                "given_on": today.isoformat(),
                "strata_name": person.strata.name,
            },
            dedup_key=f"notice-address:{person.uuid}:{uuid.uuid4()}",
        )


def newsletters_set(
    *, person: Person, actor: User, on: bool, context: AuditContext | None = None
) -> Person:
    """The person's own choice of newsletters (notices are never affected)."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.user_id != actor.pk:
            raise ValidationError(_("Only the person themselves may change this."))
        if person.newsletters != on:
            person.newsletters = on
            person.save(update_fields=["newsletters", "updated_at"])
            audit_log_record(
                actor=actor,
                action="resident.newsletters_changed",
                strata=person.strata,
                target=person,
                changes={"newsletters": on},
                context=context,
            )
    return person


def preferences_set(
    *,
    person: Person,
    actor: User,
    newsletters: bool | None = None,
    notice_address: str | None = None,
    context: AuditContext | None = None,
) -> Person:
    """Both of a person's choices at once (an app's one request): all or nothing. None
    leaves a choice as it is."""
    with transaction.atomic():
        if newsletters is not None:
            person = newsletters_set(person=person, actor=actor, on=newsletters, context=context)
        if notice_address is not None:
            person = notice_address_give(
                person=person, actor=actor, address=notice_address, context=context
            )
    return person
