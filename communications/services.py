"""Writes for the outbox: queueing email (the one way anything sends mail), retries,
suppressions and template overrides. DESIGN §7 is the specification."""

import datetime as dt
import hashlib
import uuid
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.audit import audit_log_record
from accounts.models import Strata, User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from communications.decoration import decorate
from communications.email_templates import (
    default_for,
    not_overridable_reason,
    render_email,
    source_errors,
)
from communications.models import (
    LEGAL_KINDS,
    NEWSLETTER_KINDS,
    EmailKind,
    EmailTemplate,
    OutboundEmail,
    Suppression,
    TrackingEvent,
)
from communications.scheduling import schedule_send
from communications.selectors import address_held_in_register_of
from communications.signals import legal_email_bounced
from communications.template_versions import (
    TemplateFamily,
    template_version_revert,
    template_version_save,
)
from properties.models import Person

Status = OutboundEmail.Status
# Rows that count as "already sent" for the content window.
_WINDOW_STATUSES = (Status.QUEUED, Status.SENDING, Status.SENT)
# New attempts an email with a derived key gets within its hour after failures.
_DERIVED_RETRIES = 3


def normalise_address(address: str) -> str:
    return address.strip().lower()


def content_hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def derived_dedup_key(*, kind: str, address: str, subject: str, about, now: dt.datetime) -> str:
    """The key of an email with no natural one: the same message to the same address in the
    same clock hour is one email (a second password reset an hour later is a new one)."""
    bucket = now.astimezone(dt.UTC).strftime("%Y%m%d%H")
    material = "\0".join((kind, address, subject, str(about or ""), bucket))
    return f"derived:{kind}:{hashlib.sha256(material.encode()).hexdigest()}"


def queue_email(
    *,
    kind: str,
    to: str,
    strata: Strata | None = None,
    person: Person | None = None,
    to_name: str = "",
    template: str | None = None,
    context: dict[str, str] | None = None,
    subject: str = "",
    body_text: str = "",
    body_html: str = "",
    dedup_key: str | None = None,
    about: uuid.UUID | None = None,
    headers: dict[str, str] | None = None,
    sensitive: bool = False,
) -> OutboundEmail:
    """Queue one email to one address, inside the caller's transaction; send after commit.

    Give ``template`` and ``context`` (a flat dictionary of strings), or a rendered
    ``subject`` and ``body_text``. Legal kinds and per-event emails pass an explicit
    ``dedup_key`` (``violation:<uuid>:notice:<party uuid>:v1``); queueing the same key again
    returns the existing row and sends nothing. Never raises on a duplicate, so the caller's
    transaction carries on. Returns the row, whose status may already be ``duplicate`` or
    ``suppressed``. ``sensitive`` marks an email carrying a sign-in link: staff never see its
    body, and the body is blanked once sent.
    """
    kind = EmailKind(kind)
    address = normalise_address(to)
    if not address or "@" not in address:
        raise ValidationError({"to": _("An email address is needed.")})
    if kind in LEGAL_KINDS and not dedup_key:
        raise ValueError("Legal emails need an explicit dedup_key.")
    if len(address) > 254:
        raise ValidationError({"to": _("An email address has at most 254 characters.")})
    if dedup_key and len(dedup_key) > 255:
        raise ValueError("A dedup_key has at most 255 characters.")
    if template:
        if default_for(template).kind != kind:
            raise ValueError(f"Template {template!r} is for {default_for(template).kind} email.")
        rendered = render_email(template, strata=strata, context=context or {})
        subject, body_text, body_html = rendered.subject, rendered.body_text, rendered.body_html
        version = rendered.template_version
    else:
        version = None
    if not subject or not body_text:
        raise ValueError("An email needs a subject and a text body (or a template).")
    now = timezone.now()
    row = OutboundEmail(
        strata=strata,
        kind=kind,
        to_address=address,
        to_name=to_name or (person.full_name if person else ""),
        person=person,
        from_email=sender_address(strata),
        reply_to=strata.reply_email if strata else "",
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        template_name=template or "",
        template_version=version,
        dedup_key=dedup_key
        or derived_dedup_key(kind=kind, address=address, subject=subject, about=about, now=now),
        queued_at=now,
        about=about,
        sensitive=sensitive,
    )
    # The same words from another strata (or sender) are another email.
    row.content_hash = content_hash(row.from_email, row.reply_to, subject, body_text, body_html)
    # After the hash: the footer's unsubscribe link differs per row, the words do not.
    decorate(row)
    with transaction.atomic(savepoint=False):
        if kind not in LEGAL_KINDS:
            _lock_content(address, row.content_hash)
            if _suppressed(address, kind):
                row.status = Status.SUPPRESSED
            else:
                row.duplicate_of = _recent_same_content(address, row.content_hash, now)
                if row.duplicate_of is not None:
                    row.status = Status.DUPLICATE
        if row.sensitive and row.status != Status.QUEUED:
            # Never to be sent: a sign-in link is not kept (as once it is sent).
            row.body_text = row.body_html = ""
            row.body_purged_at = now
        existing = _insert_or_existing(row, derived=not dedup_key)
    if existing is not None:
        return existing
    if row.status == Status.QUEUED:
        schedule_send(row.pk)
    return row


def sender_address(strata: Strata | None) -> str:
    """The strata's sender name on the deployment's address."""
    if strata is None:
        return settings.DEFAULT_FROM_EMAIL
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((strata.sender_name or strata.name, address))


def _lock_content(address: str, digest: str) -> None:
    """Serialise the window check per (address, content) until the caller commits, so two
    racing requests cannot both see "not sent yet". SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{address} {digest}"]
            )


def _suppressed(address: str, kind: str) -> bool:
    scopes = [Suppression.Scope.ALL]
    if kind in NEWSLETTER_KINDS:
        scopes.append(Suppression.Scope.NEWSLETTERS)
    return Suppression.objects.filter(address=address, scope__in=scopes).exists()


def _recent_same_content(address: str, digest: str, now: dt.datetime) -> OutboundEmail | None:
    since = now - dt.timedelta(seconds=settings.OUTBOX_WINDOW_SECONDS)
    return (
        OutboundEmail.objects.filter(
            to_address=address,
            content_hash=digest,
            queued_at__gte=since,
            status__in=_WINDOW_STATUSES,
        )
        .order_by("queued_at")
        .first()
    )


def _insert_or_existing(row: OutboundEmail, *, derived: bool) -> OutboundEmail | None:
    """Insert the row, or return the row that already has its key.

    A derived key whose row failed (or was lost with its worker) does not block the same
    email for the rest of the hour: someone asking for a second password reset after the
    first one bounced gets a new attempt, under the key with a suffix.
    """
    base = row.dedup_key
    for ordinal in range(1, _DERIVED_RETRIES + 1):
        row.dedup_key = base if ordinal == 1 else f"{base}:{ordinal}"
        if _insert_unless_key_exists(row):
            return None
        existing = OutboundEmail.objects.get(dedup_key=row.dedup_key)
        if not derived or existing.status not in (Status.FAILED, Status.UNKNOWN):
            return existing
    return existing


def _insert_unless_key_exists(row: OutboundEmail) -> bool:
    """INSERT … ON CONFLICT (dedup_key) DO NOTHING: a concurrent or repeated queue of the same
    key waits for the first to commit, then inserts nothing. Returns whether it inserted."""
    OutboundEmail.objects.bulk_create([row], ignore_conflicts=True)
    pk, stored_uuid = (
        OutboundEmail.objects.filter(dedup_key=row.dedup_key).values_list("pk", "uuid").get()
    )
    if stored_uuid != row.uuid:
        return False
    row.pk = pk
    row._state.adding = False
    return True


# --- Staff actions ----------------------------------------------------------------------------


def email_retry(*, emails, actor: User, context: AuditContext | None = None) -> int:
    """Queue failed or unknown emails again (same row, same Message-ID). Returns how many."""
    retried = 0
    with transaction.atomic():
        for email in (
            OutboundEmail.objects.select_for_update()
            .filter(pk__in=[e.pk for e in emails])
            .order_by("pk")
        ):
            if email.strata_id is None and not actor.is_superuser:
                raise PermissionDenied(_("Only administrators can retry emails of no strata."))
            if email.strata_id is not None and not can(actor, Right.MANAGE_OUTBOX, email.strata_id):
                raise PermissionDenied(_("You cannot retry emails of this strata."))
            if email.status not in (Status.FAILED, Status.UNKNOWN):
                continue
            if email.body_purged_at is not None:
                raise ValidationError(
                    _("%(email)s cannot be retried: its body was purged on %(date)s.")
                    % {"email": email, "date": email.body_purged_at.date()}
                )
            previous = email.status
            email.status = Status.QUEUED
            email.attempts = 0
            email.next_attempt_at = None
            email.queued_at = timezone.now()
            email.save(
                update_fields=["status", "attempts", "next_attempt_at", "queued_at", "updated_at"]
            )
            audit_log_record(
                actor=actor,
                action="outbox.retried",
                strata=email.strata,
                target=email,
                changes={"status": {"from": previous, "to": Status.QUEUED}},
                context=context,
            )
            schedule_send(email.pk)
            retried += 1
    return retried


SCOPE_ALL_REFUSED = _lazy("Only an administrator can suppress all email to an address.")
ADDRESS_NOT_HELD = _lazy("No person in the register of your stratas has this address.")


def suppression_add(
    *,
    address: str,
    reason: str,
    scope: str,
    note: str = "",
    actor: User | None = None,
    context: AuditContext | None = None,
) -> Suppression:
    """Stop non-legal email to an address (an unsubscribe, a hard bounce, a complaint). Adding
    an address and scope that exist already updates the reason and note. Audited: actor None
    is the system (a provider's bounce or complaint).

    A suppression stops mail from every strata, so a manager may only stop newsletters to an
    address a person of their stratas holds; suppressing all email (or an address no person
    of theirs holds) is an administrator's act (docs/security.md).
    """
    address = normalise_address(address)
    if actor is not None and not actor.is_superuser:
        if scope != Suppression.Scope.NEWSLETTERS:
            raise PermissionDenied(SCOPE_ALL_REFUSED)
        if not address_held_in_register_of(actor, address):
            raise ValidationError({"address": ADDRESS_NOT_HELD})
    with transaction.atomic():
        suppression, created = Suppression.objects.update_or_create(
            address=address,
            scope=scope,
            defaults={"reason": reason, "note": note},
        )
        audit_log_record(
            actor=actor,
            action="outbox.suppressed",
            target=suppression,
            changes={"reason": reason, "scope": scope, "created": created},
            context=context,
        )
    return suppression


def suppression_remove(
    *, suppression: Suppression, actor: User, context: AuditContext | None = None
) -> None:
    """Lift a suppression (the resident asked for mail again). Administrators only: staff
    must not re-subscribe someone who asked to be left alone."""
    if not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator can lift a suppression."))
    with transaction.atomic():
        audit_log_record(
            actor=actor,
            action="outbox.suppression_lifted",
            target=suppression,
            changes={"address": suppression.address, "scope": suppression.scope},
            context=context,
        )
        suppression.delete()


def unsubscribe_record(*, email: OutboundEmail, context: AuditContext | None = None) -> bool:
    """The recipient of ``email`` stops newsletters and campaigns (its unsubscribe link, or a
    mail client's one-click POST, RFC 8058): a newsletters suppression only, whatever the
    email's kind, so notices the law requires still arrive. No actor: the recipient need not
    be a user. Asking again through the same email changes nothing; returns whether this call
    changed anything."""
    event = TrackingEvent(
        email=email,
        kind=TrackingEvent.Kind.UNSUBSCRIBE,
        occurred_at=timezone.now(),
        provider_event_id=f"unsubscribe:{email.uuid}",
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:  # this email's link was used before
            event = None
        suppressed = Suppression.objects.filter(
            address=email.to_address, scope=Suppression.Scope.NEWSLETTERS
        ).exists()
        if suppressed and event is None:
            return False
        if not suppressed:
            suppression_add(
                address=email.to_address,
                reason=Suppression.Reason.UNSUBSCRIBED,
                scope=Suppression.Scope.NEWSLETTERS,
                note=f"unsubscribe link of {email.message_id}",
                context=context,
            )
        audit_log_record(
            actor=None,
            action="outbox.unsubscribed",
            strata=email.strata,
            target=email,
            changes={"address": email.to_address, "scope": Suppression.Scope.NEWSLETTERS},
            context=context,
        )
    return True


def tracking_event_record(
    *,
    email: OutboundEmail,
    kind: str,
    occurred_at: dt.datetime,
    provider_event_id: str | None = None,
    url: str = "",
) -> TrackingEvent | None:
    """Record a provider's open/click/bounce/complaint/unsubscribe event for an email.

    A replayed webhook (same provider event id) records nothing. A bounce or a complaint
    suppresses the address (scope "all"), an unsubscribe its newsletters. Legal notices ignore
    suppressions: the first bounce of a legal email sends ``legal_email_bounced`` in this
    transaction, and the enforcement app makes its service paper service.
    """
    event = TrackingEvent(
        email=email,
        kind=kind,
        occurred_at=occurred_at,
        provider_event_id=provider_event_id or None,
        url=url,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:  # the provider event id is already recorded
            return None
        consequence = {
            TrackingEvent.Kind.BOUNCE: (Suppression.Reason.BOUNCED, Suppression.Scope.ALL),
            TrackingEvent.Kind.COMPLAINT: (Suppression.Reason.COMPLAINED, Suppression.Scope.ALL),
            TrackingEvent.Kind.UNSUBSCRIBE: (
                Suppression.Reason.UNSUBSCRIBED,
                Suppression.Scope.NEWSLETTERS,
            ),
        }.get(kind)
        if consequence is not None:
            reason, scope = consequence
            suppression_add(
                address=email.to_address,
                reason=reason,
                scope=scope,
                note=f"{kind} on {email.message_id}",
            )
        if (
            kind == TrackingEvent.Kind.BOUNCE
            and email.kind in LEGAL_KINDS
            and not email.tracking_events.filter(kind=kind).exclude(pk=event.pk).exists()
        ):
            legal_email_bounced.send(sender=OutboundEmail, email=email)
    return event


def _email_template_clean(name: str, sources: dict[str, str]) -> dict[str, str]:
    default = default_for(name)
    if not default.overridable:
        raise ValidationError(not_overridable_reason(default))
    errors = source_errors(default, **sources)
    if errors:
        raise ValidationError(errors)
    return {**sources, "subject": sources["subject"].strip()}


EMAIL_TEMPLATES = TemplateFamily(
    model=EmailTemplate,
    audit="email_template",
    denied=_lazy("Only this strata's managers can edit its email templates."),
    clean=_email_template_clean,
)


def email_template_save(
    *,
    strata: Strata,
    name: str,
    subject: str,
    body_text: str,
    body_html: str,
    actor: User,
    context: AuditContext | None = None,
) -> EmailTemplate:
    """Save an override for one strata as a new version; every edit is kept."""
    return template_version_save(
        family=EMAIL_TEMPLATES,
        strata=strata,
        key=name,
        sources={"subject": subject, "body_text": body_text, "body_html": body_html},
        actor=actor,
        context=context,
    )


def email_template_revert(
    *, strata: Strata, name: str, actor: User, context: AuditContext | None = None
) -> int:
    """Go back to the default file for this strata; the versions stay on record."""
    return template_version_revert(
        family=EMAIL_TEMPLATES, strata=strata, key=name, actor=actor, context=context
    )
