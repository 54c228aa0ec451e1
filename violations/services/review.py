"""Review: reject, warn, and prepare, approve and send the notice (SPA s.135(1))."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.login_tokens import case_links_revoke
from accounts.models import User
from accounts.request_meta import AuditContext
from properties.models import Person
from violations.domain import rule_pack
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    Letter,
    LetterKind,
    NoticeApproval,
    Status,
    Violation,
)
from violations.selectors import letters, serving
from violations.selectors.access import counted_approvals
from violations.services import approval_links
from violations.services.case_letters import (
    _draft,
    _fine_terms,
    _letter_create,
    _parties_set,
    letter_issue,
)
from violations.services.frame import _begin, _finish, _set_status
from violations.services.serving import deadline_recompute, letter_serve

# --- review --------------------------------------------------------------------------------


def violation_reject(
    *, case: Violation, actor: User, reason: str, context: AuditContext | None = None
) -> Violation:
    if not reason.strip():
        raise TransitionRefused({"reason": _("Give the reason for rejecting the complaint.")})
    with transaction.atomic():
        case = _begin(case, "reject", actor)
        before = case.status
        _set_status(case, Status.REJECTED, closed_at=timezone.now())
        case_links_revoke(case_uuid=case.uuid)
        _finish(case, "reject", actor, from_status=before, text=reason, context=context)
    return case


def violation_warn(
    *,
    case: Violation,
    actor: User,
    respondent_role: str,
    respondent: Person | None = None,
    html: str | None = None,
    context: AuditContext | None = None,
) -> Letter:
    """A courtesy warning letter to the parties. No fine can follow a warning alone."""
    with transaction.atomic():
        case = _begin(case, "warn", actor)
        parties = _parties_set(case, respondent_role, respondent)
        context_ = letters.base_context(case, [p.person.full_name for p in parties])
        letter = _letter_create(case, LetterKind.WARNING, context_, actor, html=html)
        letter_issue(letter)
        before = case.status
        _set_status(case, Status.WARNED)
        letter_serve(letter, [(p.person, p) for p in parties], actor, key="warning")
        _finish(
            case,
            "warn",
            actor,
            from_status=before,
            data={"letter": str(letter.uuid)},
            visible_to_resident=True,
            context=context,
        )
    return letter


def violation_prepare_notice(
    *,
    case: Violation,
    actor: User,
    respondent_role: str,
    respondent: Person | None = None,
    html: str | None = None,
    context: AuditContext | None = None,
) -> Letter:
    """Choose the respondent, compute who is served, and draft the notice for review.

    ``html`` is the reviewer's edit of the draft. Preparing again makes a new draft, so
    approvals given to the old wording do not carry over. Where the strata requires
    approvals, each council member who may approve is emailed a link to the draft.
    """
    with transaction.atomic():
        case = _begin(case, "prepare_notice", actor)
        parties = _parties_set(case, respondent_role, respondent)
        fine, interval = _fine_terms(case)
        deadline = serving.stated_deadline(case)
        context_ = letters.notice_context(
            case,
            [p.person.full_name for p in parties],
            fine=fine,
            interval_days=interval,
            deadline=deadline,
        )
        letter = _letter_create(case, LetterKind.NOTICE, context_, actor, html=html)
        before = case.status
        _set_status(case, Status.NOTICE_PENDING_APPROVAL)
        _finish(
            case,
            "prepare_notice",
            actor,
            from_status=before,
            data={"letter": str(letter.uuid), "parties": [str(p.person) for p in parties]},
            context=context,
        )
        if case.strata.notice_approvals_required:
            approval_links.approval_requests_queue(case, letter)
    return letter


def violation_approve_notice(
    *, case: Violation, actor: User, context: AuditContext | None = None
) -> NoticeApproval:
    """One council member's approval of the draft; refused to the member who prepared it
    (docs/security.md, "Separation of duties")."""
    with transaction.atomic():
        case = _begin(case, "approve_notice", actor)
        required = case.strata.notice_approvals_required
        if required == 0:
            refuse(
                _(
                    "%(strata)s does not require council approval of notices; a manager or "
                    "council member sends it."
                )
                % {"strata": case.strata.name}
            )
        draft = _draft(case, LetterKind.NOTICE)
        if draft.created_by_id == actor.pk:
            refuse(
                _(
                    "You prepared this notice: an approval counts only from a council member "
                    "who did not prepare it. Another member must approve."
                )
            )
        if draft.approvals.filter(approver=actor).exists():
            refuse(_("You have already approved this notice; another member must approve."))
        approval = NoticeApproval.objects.create(letter=draft, approver=actor)
        count = counted_approvals(draft.approvals.all()).count()
        _finish(
            case,
            "approve_notice",
            actor,
            from_status=case.status,
            data={"approvals": count, "required": required},
            context=context,
        )
    return approval


def violation_send_notice(
    *, case: Violation, actor: User, context: AuditContext | None = None
) -> Letter:
    """Issue the notice and serve it on every party: email to an address given for notices,
    otherwise the print queue. Two clicks send it once. The sender's own approval does not
    count toward the strata's required number."""
    with transaction.atomic():
        case = _begin(case, "send_notice", actor)
        draft = _draft(case, LetterKind.NOTICE)
        required = case.strata.notice_approvals_required
        given = counted_approvals(draft.approvals.all(), sender=actor).count()
        if given < required:
            message = _(
                "This notice has %(given)d of the %(required)d council approvals "
                "%(strata)s requires; it can be sent once %(more)d more member(s) approve."
            ) % {
                "given": given,
                "required": required,
                "strata": case.strata.name,
                "more": required - given,
            }
            if draft.approvals.filter(approver=actor).exists():
                message += " " + _(
                    "Your own approval does not count when you send the notice: an approval "
                    "counts only from a member who neither prepared nor sends it."
                )
            refuse(message)
        parties = list(case.parties.filter(required=True).select_related("person"))
        fine, interval = _fine_terms(case)
        deadline = serving.stated_deadline(case)
        context_ = letters.notice_context(
            case,
            [p.person.full_name for p in parties],
            fine=fine,
            interval_days=interval,
            deadline=deadline,
        )
        if not draft.edited:
            draft.html, draft.template_version = letters.render(
                LetterKind.NOTICE, case.strata, context_
            )
        missing = letters.notice_missing_elements(draft.html, context_)
        if missing:
            refuse(
                _(
                    "The notice cannot go: it does not state %(missing)s (SPA s.135(1)). "
                    "Prepare the notice again, or edit it to include them."
                )
                % {"missing": "; ".join(missing)}
            )
        letter_issue(draft)
        before = case.status
        _set_status(
            case,
            Status.NOTICE_SENT,
            fine_contemplated=fine,
            continuing_interval_days=interval,
            limits=rule_pack.limits_snapshot(case.strata, case.bylaws.all()),
            stated_deadline=deadline,
        )
        letter_serve(draft, [(p.person, p) for p in parties], actor, key="notice")
        deadline_recompute(case)
        _finish(
            case,
            "send_notice",
            actor,
            from_status=before,
            data={"letter": str(draft.uuid), "parties": len(parties)},
            visible_to_resident=True,
            context=context,
        )
    return draft
