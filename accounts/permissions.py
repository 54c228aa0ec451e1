"""The staff permission layer: what a staff member may do, from their current memberships.

One table (``RIGHTS``) encodes the staff rows of DESIGN §5 for what exists so far; the admin,
the API and the services ask ``can()`` or scope querysets with ``scope_to_stratas()``, and
nothing else decides who may do what. Superusers (the firm's administrators) may do anything.
"""

from enum import StrEnum

from django.db.models import Q, QuerySet

from accounts.models import StrataMembership
from accounts.strata_time import strata_today_sql

Role = StrataMembership.Role


class Right(StrEnum):
    VIEW_REGISTER = "view_register"
    EDIT_REGISTER = "edit_register"
    IMPORT_REGISTER = "import_register"
    EDIT_STRATA = "edit_strata"
    MANAGE_MEMBERSHIPS = "manage_memberships"
    READ_AUDIT = "read_audit"
    MANAGE_OUTBOX = "manage_outbox"
    EDIT_TEMPLATES = "edit_templates"
    VIEW_CASES = "view_cases"
    FILE_CASES = "file_cases"
    REVIEW_CASES = "review_cases"
    APPROVE_NOTICES = "approve_notices"
    RECORD_DECISIONS = "record_decisions"
    EDIT_BYLAWS = "edit_bylaws"
    VIEW_LEDGER = "view_ledger"
    RECORD_PAYMENTS = "record_payments"
    EXPORT_CASE_FILES = "export_case_files"
    SEND_CAMPAIGNS = "send_campaigns"
    POST_ANNOUNCEMENTS = "post_announcements"


RIGHTS: dict[Right, frozenset[str]] = {
    Right.VIEW_REGISTER: frozenset({Role.MANAGER, Role.COUNCIL, Role.CARETAKER}),
    Right.EDIT_REGISTER: frozenset({Role.MANAGER}),
    Right.IMPORT_REGISTER: frozenset({Role.MANAGER}),
    Right.EDIT_STRATA: frozenset({Role.MANAGER}),
    Right.MANAGE_MEMBERSHIPS: frozenset({Role.MANAGER}),
    Right.READ_AUDIT: frozenset({Role.MANAGER}),
    # The outbox shows every resident's mail: managers read it, retry failures, edit templates.
    Right.MANAGE_OUTBOX: frozenset({Role.MANAGER}),
    Right.EDIT_TEMPLATES: frozenset({Role.MANAGER}),
    # Enforcement (DESIGN §5): every staff role files; managers and council review, serve,
    # record responses and hearings; only council approves a notice; a decision is always
    # council's, and a manager may record it. A recused council member
    # (violations.selectors.access) loses these rights on that one case.
    Right.VIEW_CASES: frozenset({Role.MANAGER, Role.COUNCIL, Role.CARETAKER}),
    Right.FILE_CASES: frozenset({Role.MANAGER, Role.COUNCIL, Role.CARETAKER}),
    Right.REVIEW_CASES: frozenset({Role.MANAGER, Role.COUNCIL}),
    Right.APPROVE_NOTICES: frozenset({Role.COUNCIL}),
    Right.RECORD_DECISIONS: frozenset({Role.MANAGER, Role.COUNCIL}),
    Right.EDIT_BYLAWS: frozenset({Role.MANAGER, Role.COUNCIL}),
    # The fines ledger: council and managers read it; the manager, who keeps the accounts,
    # records payments; a waiver is council's decision, recorded with RECORD_DECISIONS.
    Right.VIEW_LEDGER: frozenset({Role.MANAGER, Role.COUNCIL}),
    Right.RECORD_PAYMENTS: frozenset({Role.MANAGER}),
    # The case file (DESIGN §6) names everyone involved: for a tribunal or a records request.
    Right.EXPORT_CASE_FILES: frozenset({Role.MANAGER, Role.COUNCIL}),
    # Campaigns reach every resident's mailbox: the manager, who runs the strata's
    # communication, composes and sends them. Council may post an announcement on the site.
    Right.SEND_CAMPAIGNS: frozenset({Role.MANAGER}),
    Right.POST_ANNOUNCEMENTS: frozenset({Role.MANAGER, Role.COUNCIL}),
}

_CACHE_ATTR = "_stratatracker_staff_roles"


def current_memberships() -> Q:
    """Memberships in force now: accepted, started, not ended (``ended_at``, set the moment
    a role is ended) and not past the last day they were given (``ends_on``), days counted in
    each membership's strata's time."""
    today = strata_today_sql("strata")
    return (
        Q(accepted_at__isnull=False)
        & Q(ended_at__isnull=True)
        & Q(starts_on__lte=today)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    )


def staff_roles(user) -> dict[int, frozenset[str]]:
    """Strata id → the user's current roles there. Cached on the user object for a request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        roles: dict[int, set[str]] = {}
        rows = StrataMembership.objects.filter(
            current_memberships(), user=user, strata__archived_at__isnull=True
        ).values_list("strata_id", "role")
        for strata_id, role in rows:
            roles.setdefault(strata_id, set()).add(role)
        cached = {strata_id: frozenset(r) for strata_id, r in roles.items()}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the cached roles after memberships change within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_superuser(user) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def is_staff_member(user) -> bool:
    """May use the staff admin at all: a superuser, or a current member of some strata."""
    return is_superuser(user) or bool(staff_roles(user))


def strata_ids_with(user, right: Right) -> set[int] | None:
    """Ids of the stratas where the user has ``right``; None means every strata (superuser)."""
    if is_superuser(user):
        return None
    allowed = RIGHTS[right]
    return {sid for sid, roles in staff_roles(user).items() if roles & allowed}


def can(user, right: Right, strata=None) -> bool:
    """Whether the user has ``right`` in ``strata`` (a Strata or its id), or in any strata."""
    ids = strata_ids_with(user, right)
    if ids is None:
        return True
    if strata is None:
        return bool(ids)
    strata_id = strata if isinstance(strata, int) else strata.pk
    return strata_id in ids


def scope_to_stratas(
    queryset: QuerySet, user, right: Right = Right.VIEW_REGISTER, *, via: str = "strata"
) -> QuerySet:
    """Limit a queryset to rows whose strata (reached through ``via``) grants ``right``."""
    ids = strata_ids_with(user, right)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{via}__in": ids})
