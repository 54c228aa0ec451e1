"""Reads for stratas, memberships and the audit log, scoped to the caller."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.hidden_subjects import exclude_hidden_subjects
from accounts.models import ApiToken, AuditLog, Strata, StrataMembership
from accounts.permissions import Right, scope_to_stratas


def stratas_visible_to(user) -> QuerySet[Strata]:
    """Non-archived stratas where the user has any staff role (all of them for superusers)."""
    return scope_to_stratas(
        Strata.objects.filter(archived_at__isnull=True), user, Right.VIEW_REGISTER, via="pk"
    )


def memberships_visible_to(user) -> QuerySet[StrataMembership]:
    return scope_to_stratas(
        StrataMembership.objects.select_related("user", "strata"),
        user,
        Right.MANAGE_MEMBERSHIPS,
    )


def audit_log_visible_to(user) -> QuerySet[AuditLog]:
    """Entries of the stratas whose audit log the user reads, less those about a subject
    hidden from them (a case they are recused from: ``accounts.hidden_subjects``)."""
    return exclude_hidden_subjects(
        scope_to_stratas(
            AuditLog.objects.select_related("strata", "actor"), user, Right.READ_AUDIT
        ),
        user,
        field="target_uuid",
    )


def membership_to_accept_get(user, *, membership_uuid) -> StrataMembership | None:
    """The user's own membership by its uuid, to accept it; None for anyone else's."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        StrataMembership.objects.select_related("strata")
        .filter(uuid=membership_uuid, user=user)
        .first()
    )


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own app tokens that still open something (never anyone else's)."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-pk")
