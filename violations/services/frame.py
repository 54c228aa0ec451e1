"""The frame every transition shares: lock the case, check the actor's right, recusal and
the case's status against the table, then write the event and the audit entry."""

from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import User
from accounts.request_meta import AuditContext
from violations.domain.workflow import TRANSITIONS, Transition, TransitionRefused
from violations.models import (
    Status,
    Violation,
    ViolationEvent,
)
from violations.selectors.access import has_case_right, is_recused

# --- the frame every transition shares ---------------------------------------------------


def _begin(case: Violation, name: str, actor: User) -> Violation:
    """Lock the case and check right, recusal and status for transition ``name``."""
    transition = TRANSITIONS[name]
    locked = (
        Violation.objects.select_for_update(of=("self",))
        .select_related("strata", "unit")
        .get(pk=case.pk)
    )
    check_actor(locked, transition, actor)
    if transition.sources and locked.status not in transition.sources:
        raise TransitionRefused(_state_message(locked, transition), code="state")
    return locked


def check_actor(case: Violation, transition: Transition, actor: User) -> None:
    if not has_case_right(actor, transition.right, case):
        raise TransitionRefused(
            _("%(action)s needs the role of %(who)s in %(strata)s.")
            % {"action": transition.label, "who": transition.who, "strata": case.strata.name},
            code="role",
        )
    if is_recused(actor, case):
        raise TransitionRefused(
            _(
                "You are recused from %(case)s: you are a party, a complainant or an occupant "
                "of its unit (SPA s.32). Another member must act."
            )
            % {"case": case.reference},
            code="recused",
        )


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


def _finish(
    case: Violation,
    name: str,
    actor: User | None,
    *,
    from_status: str,
    text: str = "",
    data: dict | None = None,
    visible_to_resident: bool = False,
    context: AuditContext | None = None,
) -> ViolationEvent:
    """Write the transition's one event and one audit entry."""
    event = ViolationEvent.objects.create(
        case=case,
        actor=actor,
        kind=TRANSITIONS[name].event if name in TRANSITIONS else name,
        from_status=from_status,
        to_status=case.status,
        text=text,
        data=data or {},
        visible_to_resident=visible_to_resident,
    )
    changes = (
        {"status": {"from": from_status, "to": case.status}} if from_status != case.status else {}
    )
    audit_log_record(
        actor=actor,
        action=f"violation.{event.kind}",
        strata=case.strata,
        target=case,
        changes={**changes, **({"data": data} if data else {})},
        context=context,
    )
    return event


def _set_status(case: Violation, status: str, **fields) -> None:
    case.status = status
    for name, value in fields.items():
        setattr(case, name, value)
    case.save(update_fields=["status", "updated_at", *fields])
