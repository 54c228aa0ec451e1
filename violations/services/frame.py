"""The frame every action on a case shares, transitions of the table and the rest (a
payment, a waiver, a continuing fine, a remedy cost, a correction, a council meeting, a case
file export): lock the case row, check the actor's right in its strata and recusal, and write
the action's one event and one audit entry. A transition also checks the case's status against
the table (``_begin``)."""

from dataclasses import dataclass
from typing import NoReturn

from django.db.models import Model
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import Strata, User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from violations.domain.workflow import TRANSITIONS, WHO, Transition, TransitionRefused
from violations.models import (
    CaseParty,
    Status,
    Violation,
    ViolationEvent,
)
from violations.selectors.access import has_case_right, is_recused

# Who holds each right, as a refusal names them.
WHO_HOLDS = {**WHO, Right.RECORD_PAYMENTS: "manager"}


@dataclass(frozen=True)
class CaseAction:
    """An action on a case outside the transition table: the right it needs, its name and
    who holds the right as a refusal says them (``who``: ``WHO_HOLDS`` unless given), and who
    a recused actor leaves it to (``instead``: another member, unless given)."""

    label: str
    right: Right
    who: str = ""
    instead: str = ""


# --- lock, right, recusal ------------------------------------------------------------------


def case_row_lock(case: Violation | int, *related: str) -> Violation:
    """The case row locked, with its strata, unit and ``related``: every write on a case
    takes this lock first, so the writes on one case run one at a time."""
    return (
        Violation.objects.select_for_update(of=("self",))
        .select_related("strata", "unit", *related)
        .get(pk=getattr(case, "pk", case))
    )


def cases_lock(pks) -> None:
    """Lock several cases at once, in one order, so two actions on overlapping cases wait
    for each other instead of deadlocking."""
    list(
        Violation.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def case_lock(
    case: Violation | int, actor: User, action: Transition | CaseAction, *, check=None
) -> Violation:
    """Lock the case (``case_row_lock``) and check ``actor`` may take ``action`` on it
    (``check``: ``check_actor`` unless given, e.g. ``party_check`` for a resident)."""
    locked = case_row_lock(case)
    (check or check_actor)(locked, action, actor)
    return locked


def check_actor(case: Violation, action: Transition | CaseAction, actor: User) -> None:
    """Refuse an actor without the action's right in the case's strata, or recused from it."""
    action = _as_case_action(action)
    if not has_case_right(actor, action.right, case):
        _refuse_role(action, case.strata)
    if is_recused(actor, case):
        raise TransitionRefused(
            _(
                "You are recused from %(case)s: you are a party, a complainant or an occupant "
                "of its unit (SPA s.32). %(instead)s"
            )
            % {"case": case.reference, "instead": action.instead or _("Another member must act.")},
            code="recused",
        )


def party_check(party: CaseParty):
    """The check for a resident acting for themselves (DESIGN §8): ``party`` is theirs, on
    this case, and served as required. What staff record for them needs a staff right; what
    they send from their own pages needs only that it is their own case."""

    def check(case: Violation, action: Transition | CaseAction, actor: User) -> None:
        if (
            party.case_id != case.pk
            or not party.required
            or party.person.user_id != actor.pk
            or party.person.archived_at is not None
        ):
            raise TransitionRefused(
                _("Only a person served with this notice may answer it."), code="role"
            )

    return check


def check_right(actor: User, action: CaseAction, strata: Strata) -> None:
    """The right alone, for an action on several cases of ``strata`` at once (a council
    meeting); each case's own frame checks recusal."""
    if not can(actor, action.right, strata):
        _refuse_role(action, strata)


def _as_case_action(action: Transition | CaseAction) -> CaseAction:
    if isinstance(action, CaseAction):
        return action
    return CaseAction(action.label, action.right, action.who)


def _refuse_role(action: CaseAction, strata: Strata) -> NoReturn:
    raise TransitionRefused(
        _("%(action)s needs the role of %(who)s in %(strata)s.")
        % {
            "action": action.label,
            "who": action.who or WHO_HOLDS[action.right],
            "strata": strata.name,
        },
        code="role",
    )


# --- a transition --------------------------------------------------------------------------


def _begin(case: Violation, name: str, actor: User, *, check=None) -> Violation:
    """Lock the case and check right, recusal and status for transition ``name``
    (``check``: as ``case_lock``)."""
    transition = TRANSITIONS[name]
    locked = case_lock(case, actor, transition, check=check)
    if transition.sources and locked.status not in transition.sources:
        raise TransitionRefused(_state_message(locked, transition), code="state")
    return locked


def _state_message(case: Violation, transition: Transition) -> str:
    sources = ", ".join(sorted(str(Status(s).label) for s in transition.sources))
    message = _("%(case)s is %(status)s; %(action)s is possible only when it is: %(sources)s.") % {
        "case": case.reference,
        "status": case.get_status_display(),
        "action": transition.label.lower(),
        "sources": sources,
    }
    if transition.name == "record_decision" and case.status in (
        Status.HEARING_REQUESTED,
        Status.HEARING_SCHEDULED,
    ):
        hearing = case.hearings.order_by("-id").first()
        message += " " + _(
            "A hearing was requested on %(date)s; record it as held, no-show or withdrawn "
            "first (it must be held by %(hold_by)s)."
        ) % {"date": hearing.requested_on, "hold_by": hearing.hold_by}
    return message


def _finish(case: Violation, name: str, actor: User | None, **fields) -> ViolationEvent:
    """The transition's one event and one audit entry (``event_record``)."""
    kind = TRANSITIONS[name].event if name in TRANSITIONS else name
    return event_record(case, kind, actor, **fields)


def _set_status(case: Violation, status: str, **fields) -> None:
    case.status = status
    for name, value in fields.items():
        setattr(case, name, value)
    case.save(update_fields=["status", "updated_at", *fields])


# --- the event and the audit entry ---------------------------------------------------------


def event_record(
    case: Violation,
    kind: str,
    actor: User | None,
    *,
    from_status: str | None = None,
    text: str = "",
    data: dict | None = None,
    visible_to_resident: bool = False,
    context: AuditContext | None = None,
    target: Model | None = None,
    audit_changes: dict | None = None,
) -> ViolationEvent:
    """The action's one timeline entry and one audit entry. ``from_status``: the status before
    a transition (None: the action leaves it as is). The audit entry is about ``target`` (the
    case unless given, e.g. a charge), named ``<its model>.<kind>``; its changes are the
    status change and ``data`` unless ``audit_changes`` are given."""
    from_status = case.status if from_status is None else from_status
    event = ViolationEvent.objects.create(
        case=case,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=case.status,
        text=text,
        data=data or {},
        visible_to_resident=visible_to_resident,
    )
    if audit_changes is None:
        status = {"status": {"from": from_status, "to": case.status}}
        audit_changes = {
            **(status if from_status != case.status else {}),
            **({"data": data} if data else {}),
        }
    target = case if target is None else target
    audit_log_record(
        actor=actor,
        action=f"{target._meta.model_name}.{kind}",
        strata=case.strata,
        target=target,
        changes=audit_changes,
        context=context,
    )
    return event
