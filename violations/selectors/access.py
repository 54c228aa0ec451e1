"""Who may act on a case: the strata right, recusal (SPA s.32) and separation of duties.

A staff member who is a party to a case (respondent, owner or landlord served), a complainant
on it, or a current occupant of its unit is recused: they cannot read its staff view, approve
its notice, record anything on it or vote on it. DESIGN §5 names council members; the same
conflict applies to a manager or caretaker who lives there, so recusal applies to every staff
role.

Separation of duties (docs/security.md): an approval of a notice counts only from a council
member who neither prepared it nor sends it (``counted_approvals``).
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.models import Strata, StrataMembership, User
from accounts.permissions import Right, can, current_memberships, scope_to_stratas, staff_roles
from properties.selectors import current_occupancies
from violations.models import (
    UPHELD_OUTCOMES,
    Charge,
    CouncilMeeting,
    Decision,
    NoticeApproval,
    Violation,
)


def recused_q(user) -> Q:
    """Cases ``user`` is recused from, as a filter on Violation."""
    return (
        Q(parties__person__user=user)
        | Q(complaints__complainant__user=user)
        | Q(unit__in=current_occupancies().filter(person__user=user).values("unit_id"))
        | Q(unit__in=current_occupancies().filter(landlord__user=user).values("unit_id"))
    )


def is_recused(user, case: Violation) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if case.pk is None:  # a case being filed: recused from reporting on their own unit
        return (
            current_occupancies()
            .filter(Q(person__user=user) | Q(landlord__user=user), unit=case.unit_id)
            .exists()
        )
    return Violation.objects.filter(recused_q(user), pk=case.pk).exists()


def exclude_recused(queryset: QuerySet, user, *, via: str = "case") -> QuerySet:
    """``queryset`` less the rows of cases ``user`` is recused from (``via``: the path to the
    case; ``pk`` for cases themselves)."""
    return queryset.exclude(
        **{f"{via}__in": Violation.objects.filter(recused_q(user)).values("pk")}
    )


def recused_subjects(user) -> list[QuerySet]:
    """The uuids a recused user may not meet outside the case pages either: the cases, their
    charges, and the council meetings that decided them (a meeting's entry names its cases).
    Registered with ``accounts.hidden_subjects``, so the outbox, tracking events and the audit
    log leave out what concerns these cases."""
    if not getattr(user, "is_authenticated", False):
        return []
    recused = Violation.objects.filter(recused_q(user)).values("pk")
    decided_there = Decision.objects.filter(
        case__in=recused, case__strata=OuterRef("strata"), meeting_on=OuterRef("held_on")
    )
    return [
        Violation.objects.filter(pk__in=recused).values("uuid"),
        Charge.objects.filter(case__in=recused).values("uuid"),
        CouncilMeeting.objects.filter(Exists(decided_there)).values("uuid"),
    ]


def cases_visible_to_staff(user, queryset: QuerySet | None = None) -> QuerySet[Violation]:
    """The cases of the user's stratas, less those the user is recused from."""
    queryset = Violation.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return exclude_recused(scope_to_stratas(queryset, user, Right.VIEW_CASES), user, via="pk")


def has_case_right(user, right: Right, case: Violation) -> bool:
    """The right in the case's strata. Approving a notice is a council member's act: a
    superuser without a council membership there may not."""
    if right == Right.APPROVE_NOTICES:
        roles = staff_roles(user).get(case.strata_id, frozenset())
        return StrataMembership.Role.COUNCIL in roles
    return can(user, right, case.strata_id)


def council_members(strata: Strata) -> QuerySet[User]:
    """The strata's council today (its own today), by name: who may sit at a meeting, vote on
    a decision and be asked to approve a notice."""
    return User.objects.filter(
        pk__in=StrataMembership.objects.filter(
            current_memberships(), strata=strata, role=StrataMembership.Role.COUNCIL
        ).values("user_id")
    ).order_by("full_name", "email")


def counted_approvals(approvals: QuerySet[NoticeApproval], *, sender=None) -> QuerySet:
    """The ``approvals`` that count toward the number a strata requires: not the drafter's
    (the letter's ``created_by``), whenever it was given, nor ``sender``'s, the member
    sending the notice. Every count of a notice's approvals goes through here."""
    approvals = approvals.exclude(approver=F("letter__created_by"))  # a NULL drafter excludes none
    return approvals if sender is None else approvals.exclude(approver=sender)


def may_record_remedy_cost(user, case: Violation) -> bool:
    """Whether the case page offers "Record remedy cost" to ``user``: an upheld case, the
    right to record decisions, not recused. The service checks the same under the lock."""
    decision = getattr(case, "decision", None)
    return (
        decision is not None
        and decision.outcome in UPHELD_OUTCOMES
        and has_case_right(user, Right.RECORD_DECISIONS, case)
        and not is_recused(user, case)
    )
