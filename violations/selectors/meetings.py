"""Reads for a council meeting: the agenda of one strata and who may see it (DESIGN §9).

The agenda lists the notices waiting for council's approval and the cases council may decide
now (``selectors.decision_ready_q``), each with what a member reads before voting: the
particulars, the complaints without who made them, the notice's dates, the responses and the
hearing. A case the reader is recused from is listed by reference only. Five queries, however
many cases.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Strata, User
from accounts.permissions import Right, can, scope_to_stratas
from accounts.strata_time import local_date
from violations.models import (
    Bylaw,
    Complaint,
    CouncilMeeting,
    Hearing,
    Letter,
    LetterKind,
    NoticeApproval,
    Response,
    Status,
    Violation,
)
from violations.selectors.access import counted_approvals, recused_q
from violations.selectors.cases import DECISION_STATUSES, decision_ready_q
from violations.selectors.drafts import draft_notice_id


@dataclass
class AgendaItem:
    """One case on the agenda. A recused reader gets ``case`` with none of the lists."""

    case: Violation
    recused: bool
    bylaws: list[Bylaw] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    hearings: list[Hearing] = field(default_factory=list)
    notice_on: dt.date | None = None
    deadline_on: dt.date | None = None


def may_see_meeting_agenda(user, strata: Strata) -> bool:
    """Council and managers of the strata: those who record decisions or approve notices."""
    return can(user, Right.RECORD_DECISIONS, strata) or can(user, Right.APPROVE_NOTICES, strata)


def meeting_stratas_for(user) -> QuerySet[Strata]:
    """The stratas whose agenda the user may see."""
    stratas = Strata.objects.filter(archived_at__isnull=True).order_by("name")
    return scope_to_stratas(stratas, user, Right.RECORD_DECISIONS, via="pk") | scope_to_stratas(
        stratas, user, Right.APPROVE_NOTICES, via="pk"
    )


def meeting_agenda(strata: Strata, *, user, now: dt.datetime | None = None) -> dict:
    """``{"strata", "approvals", "decisions"}``: ``AgendaItem`` lists of the notices awaiting
    council's approval (only where the strata requires approvals; each case has
    ``approvals_given`` and ``approvals_required``) and the cases ready for a decision, oldest
    deadline first. Empty for a user who may not see the strata's agenda."""
    now = now or timezone.now()
    agenda = {"strata": strata, "approvals": [], "decisions": []}
    if not may_see_meeting_agenda(user, strata):
        return agenda
    approvals = (
        counted_approvals(NoticeApproval.objects.filter(letter_id=OuterRef("draft_id")))
        .order_by()
        .values("letter_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    notice_issued = (
        Letter.objects.filter(case=OuterRef("pk"), kind=LetterKind.NOTICE, issued_at__isnull=False)
        .order_by("-id")
        .values("issued_at")[:1]
    )
    pending = Q(status=Status.NOTICE_PENDING_APPROVAL) & Q(strata__notice_approvals_required__gt=0)
    ready = Q(status__in=DECISION_STATUSES) & decision_ready_q(now)
    cases = list(
        Violation.objects.filter(pending | ready, strata=strata, archived_at__isnull=True)
        .select_related("strata", "unit")
        .annotate(
            recused=Exists(Violation.objects.filter(recused_q(user), pk=OuterRef("pk"))),
            draft_id=draft_notice_id(),
            approvals_given=Coalesce(Subquery(approvals), Value(0)),
            notice_issued_at=Subquery(notice_issued),
        )
        .order_by("response_deadline", "created_at", "id")
    )
    readable = [case.pk for case in cases if not case.recused]
    bylaws = _grouped(
        Violation.bylaws.through.objects.filter(violation_id__in=readable)
        .select_related("bylaw")
        .order_by("bylaw__number"),
        "violation_id",
        "bylaw",
    )
    complaints = _grouped(
        Complaint.objects.filter(case_id__in=readable)
        .only("case_id", "received_on", "channel", "details")
        .order_by("received_on", "id"),
        "case_id",
    )
    responses = _grouped(
        Response.objects.filter(case_id__in=readable)
        .select_related("party__person")
        .order_by("received_at", "id"),
        "case_id",
    )
    hearings = _grouped(
        Hearing.objects.filter(case_id__in=readable).order_by("requested_on", "id"), "case_id"
    )
    for case in cases:
        item = AgendaItem(case=case, recused=case.recused)
        if not case.recused:
            item.bylaws = bylaws.get(case.pk, [])
            item.complaints = complaints.get(case.pk, [])
            item.responses = responses.get(case.pk, [])
            item.hearings = hearings.get(case.pk, [])
            if case.notice_issued_at is not None:
                item.notice_on = local_date(strata, case.notice_issued_at)
            if case.response_deadline is not None:
                item.deadline_on = local_date(strata, case.response_deadline)
        if case.status == Status.NOTICE_PENDING_APPROVAL:
            case.approvals_required = strata.notice_approvals_required
            agenda["approvals"].append(item)
        else:
            agenda["decisions"].append(item)
    return agenda


def meeting_for_submission(strata: Strata, submission: str) -> CouncilMeeting | None:
    """The meeting a recording form's token already recorded, if any."""
    try:
        token = uuid.UUID(submission)
    except ValueError:
        return None
    return CouncilMeeting.objects.filter(strata=strata, submission=token).first()


def members_recused(cases: list[Violation], members: list[User]) -> dict[int, set[int]]:
    """Case id → ids of ``members`` recused from it (SPA s.32): the recording form marks them.
    One query per member, however many cases."""
    recused: dict[int, set[int]] = {}
    ids = [case.pk for case in cases]
    for member in members:
        for case_id in Violation.objects.filter(recused_q(member), pk__in=ids).values_list(
            "pk", flat=True
        ):
            recused.setdefault(case_id, set()).add(member.pk)
    return recused


def _grouped(rows, key: str, attribute: str | None = None) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(
            getattr(row, attribute) if attribute else row
        )
    return grouped
