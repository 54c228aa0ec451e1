"""Reads for the outbox, templates, suppressions and tracking, scoped to the caller.

The outbox shows every resident's mail, so it is a manager's view (``Right.MANAGE_OUTBOX``);
rows of no strata (password resets and other system mail) are the firm's administrators' only.
Templates are scoped by ``Right.EDIT_TEMPLATES``.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.hidden_subjects import exclude_hidden_subjects
from accounts.models import Strata
from accounts.permissions import Right, scope_to_stratas, strata_ids_with
from communications.email_templates import (
    DefaultTemplate,
    RenderedEmail,
    defaults,
    not_overridable_reason,
    render_sources,
    source_errors,
)
from communications.models import (
    AttemptOutcome,
    DeliveryAttempt,
    EmailStatus,
    EmailTemplate,
    OutboundEmail,
    Suppression,
    TrackingEvent,
)
from properties.models import Person

# --- the outbox -------------------------------------------------------------------------------


def outbound_emails_visible_to(user) -> QuerySet[OutboundEmail]:
    """Emails of the stratas where the user manages the outbox (system mail for
    superusers), less those about a subject hidden from them (a case they are recused from:
    ``accounts.hidden_subjects``)."""
    return exclude_hidden_subjects(
        scope_to_stratas(OutboundEmail.objects.all(), user, Right.MANAGE_OUTBOX),
        user,
        field="about",
    )


def tracking_events_visible_to(user) -> QuerySet[TrackingEvent]:
    """Opens, clicks, bounces … of the emails the user may see."""
    return exclude_hidden_subjects(
        scope_to_stratas(
            TrackingEvent.objects.all(), user, Right.MANAGE_OUTBOX, via="email__strata"
        ),
        user,
        field="email__about",
    )


def suppressions_visible_to(user, *, strata_id: int | None = None) -> QuerySet[Suppression]:
    """Suppressions of addresses held by persons of the user's stratas.

    A suppression is address-wide (it stops non-legal mail from every strata), but which
    addresses unsubscribed, bounced or complained is personal information: a manager sees only
    the suppressions of addresses in their stratas' register (a person's email or notice
    address). An address their outbox once mailed but no person of theirs holds is not theirs
    to read (docs/security.md). Superusers see all of them. ``strata_id`` narrows to
    one strata (the admin's strata switcher).
    """
    ids = strata_ids_with(user, Right.MANAGE_OUTBOX)
    if strata_id is not None:
        ids = {strata_id} if ids is None or strata_id in ids else set()
    queryset = Suppression.objects.all()
    if ids is None:
        return queryset
    persons = Person.objects.filter(strata__in=ids)
    return queryset.filter(
        Q(address__in=persons.annotate(a=Lower("email")).values("a"))
        | Q(address__in=persons.annotate(a=Lower("email_for_notices")).values("a"))
    )


def address_held_in_register_of(user, address: str) -> bool:
    """Whether a person of a strata where the user manages email holds the address (its email
    or notice address); always, for superusers. The addresses a manager may suppress."""
    ids = strata_ids_with(user, Right.MANAGE_OUTBOX)
    if ids is None:
        return True
    return (
        Person.objects.filter(strata__in=ids)
        .filter(Q(email__iexact=address) | Q(email_for_notices__iexact=address))
        .exists()
    )


# The dashboard's outbox figures (DESIGN §7): key → the status it counts.
STATUS_STATS = {
    "queued": EmailStatus.QUEUED,
    "sent": EmailStatus.SENT,
    "failed": EmailStatus.FAILED,
    "suppressed": EmailStatus.SUPPRESSED,
    "duplicates": EmailStatus.DUPLICATE,
    "unknown": EmailStatus.UNKNOWN,
}
STATS_WINDOWS = {"day": dt.timedelta(hours=24), "week": dt.timedelta(days=7)}


def outbox_stats_for(user, *, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """The outbox's health for the last 24 hours (``day``) and 7 days (``week``).

    Each window counts the emails *queued* in it by their status now (``queued``, ``sent``,
    ``failed``, ``suppressed``, ``duplicates`` prevented, ``unknown``), ``recipients``: the
    distinct addresses those of them that were sent went to, and ``retries``: the delivery
    attempts started in it that met a temporary error and were retried. Scoped like
    ``outbound_emails_visible_to``; two queries, whatever the numbers.
    """
    now = now or timezone.now()
    email_counts, attempt_counts = {}, {}
    for window, span in STATS_WINDOWS.items():
        queued_in = Q(queued_at__gt=now - span, queued_at__lte=now)
        for key, status in STATUS_STATS.items():
            email_counts[f"{window}_{key}"] = Count("pk", filter=queued_in & Q(status=status))
        email_counts[f"{window}_recipients"] = Count(
            "to_address", distinct=True, filter=queued_in & Q(status=EmailStatus.SENT)
        )
        attempt_counts[f"{window}_retries"] = Count(
            "pk",
            filter=Q(
                started_at__gt=now - span,
                started_at__lte=now,
                outcome=AttemptOutcome.TRANSIENT,
            ),
        )
    longest = max(STATS_WINDOWS.values())
    emails = (
        outbound_emails_visible_to(user)
        .filter(queued_at__gt=now - longest, queued_at__lte=now)
        .aggregate(**email_counts)
    )
    attempts = (
        exclude_hidden_subjects(
            scope_to_stratas(
                DeliveryAttempt.objects.all(), user, Right.MANAGE_OUTBOX, via="email__strata"
            ),
            user,
            field="email__about",
        )
        .filter(started_at__gt=now - longest, started_at__lte=now)
        .aggregate(**attempt_counts)
    )
    counts = {**emails, **attempts}
    return {
        window: {key: counts[f"{window}_{key}"] for key in (*STATUS_STATS, "retries", "recipients")}
        for window in STATS_WINDOWS
    }


# --- templates --------------------------------------------------------------------------------


def email_templates_visible_to(user) -> QuerySet[EmailTemplate]:
    """Every saved version of the overrides of the stratas whose templates the user edits."""
    return scope_to_stratas(
        EmailTemplate.objects.select_related("strata", "created_by"), user, Right.EDIT_TEMPLATES
    )


def template_stratas_for(user) -> QuerySet[Strata]:
    """Non-archived stratas whose email templates the user may edit."""
    return scope_to_stratas(
        Strata.objects.filter(archived_at__isnull=True).order_by("name"),
        user,
        Right.EDIT_TEMPLATES,
        via="pk",
    )


def email_template_overview(stratas) -> list[dict]:
    """Every default template, and for each of ``stratas`` its active override, if any.

    ``[{"template": DefaultTemplate, "stratas": [{"strata": Strata, "override": EmailTemplate
    | None}, …]}, …]`` in two queries (the stratas, the active overrides).
    """
    stratas = list(stratas)
    active = {
        (row.strata_id, row.name): row
        for row in EmailTemplate.objects.filter(
            strata__in=[s.pk for s in stratas], is_active=True
        ).order_by("version")  # the newest active version wins, as when rendering
    }
    return [
        {
            "template": template,
            "stratas": [
                {"strata": strata, "override": active.get((strata.pk, name))} for strata in stratas
            ],
        }
        for name, template in sorted(defaults().items(), key=lambda item: item[1].label)
        if template.overridable
    ]


def email_templates_fixed() -> list[dict]:
    """The templates no strata may reword, each with the reason: ``[{"template":
    DefaultTemplate, "reason": str}, …]`` (emails carrying a sign-in link, emails to logins)."""
    return [
        {"template": template, "reason": not_overridable_reason(template)}
        for template in sorted(defaults().values(), key=lambda template: template.label)
        if not template.overridable
    ]


def email_template_versions(*, strata: Strata, name: str) -> QuerySet[EmailTemplate]:
    """Every saved version of one strata's override, newest first, with who saved it."""
    return (
        EmailTemplate.objects.filter(strata=strata, name=name)
        .select_related("created_by")
        .order_by("-version")
    )


def email_template_preview(
    *, template: DefaultTemplate, subject: str, body_text: str, body_html: str
) -> RenderedEmail:
    """Render edited sources with the template's sample values, through the locked engine.

    Raises ValidationError with a message per field (the same checks as saving). Nothing is
    stored.
    """
    errors = source_errors(template, subject=subject, body_text=body_text, body_html=body_html)
    if errors:
        raise ValidationError(errors)
    return render_sources(
        subject, body_text, body_html, context=template.sample, name=template.name, version=None
    )
