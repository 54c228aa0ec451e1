"""Approving a prepared notice from its emailed link (``approval_links``): the draft the
member read, and only while it is still the one waiting for approval."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from violations import services
from violations.domain.workflow import refuse
from violations.models import Letter, LetterKind, NoticeApproval, Violation
from violations.selectors.drafts import draft_get


def notice_approve_by_link(
    *, letter: Letter, actor: User, context: AuditContext | None = None
) -> NoticeApproval:
    """Approve the draft the link showed: refused if it was replaced by a newer draft or
    sent meanwhile (checked under the case's lock, so a draft prepared at the same moment
    is never approved unseen). ``violation_approve_notice`` checks the member."""
    with transaction.atomic():
        case = Violation.objects.select_for_update(of=("self",)).get(pk=letter.case_id)
        letter_check_current(case, letter)
        return services.violation_approve_notice(case=case, actor=actor, context=context)


def letter_check_current(case: Violation, letter: Letter) -> None:
    """Refuse unless ``letter`` is the case's draft notice awaiting approval now."""
    notices = case.letters.filter(kind=LetterKind.NOTICE)
    if notices.filter(pk=letter.pk, issued_at__isnull=False).exists():
        refuse(_("This notice has already been sent; there is nothing left to approve."))
    latest = draft_get(case)
    if latest is None or latest.pk != letter.pk:
        refuse(
            _(
                "The notice was prepared again after this link was sent; approve the new "
                "draft from its own link or from the case page."
            )
        )
