"""Reads of enforcement records, scoped to the caller."""

import datetime as dt

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Strata
from accounts.permissions import Right, scope_to_stratas, strata_ids_with
from accounts.strata_time import local_date
from properties.models import Person, Unit
from violations.domain.workflow import OPEN_STATUSES, SERVED_STATUSES, TRANSITIONS, Transition
from violations.models import (
    HEARD_OUTCOMES,
    Bylaw,
    BylawRevision,
    CaseParty,
    DeliveryMethod,
    DeliveryStatus,
    FineProposal,
    Hearing,
    HearingOutcome,
    LetterDelivery,
    LetterKind,
    LetterTemplate,
    NoticeApproval,
    PartyRole,
    ProposalStatus,
    Response,
    Status,
    Violation,
    ViolationCategory,
)
from violations.selectors.access import (
    cases_visible_to_staff,
    counted_approvals,
    has_case_right,
    is_recused,
)
from violations.selectors.drafts import draft_notice_id
from violations.selectors.overdue import hearing_date_passed_q, hearing_overdue_q
from violations.selectors.serving import unserved_parties_q

# --- bylaws ----------------------------------------------------------------------------------


def stratas_for_bylaw_editing(user) -> QuerySet[Strata]:
    """Non-archived stratas whose bylaws the user may edit and import into."""
    return scope_to_stratas(
        Strata.objects.filter(archived_at__isnull=True).order_by("name"),
        user,
        Right.EDIT_BYLAWS,
        via="pk",
    )


def bylaw_editing_today(user, strata_id: int | None = None) -> dt.date | None:
    """The date a new bylaw text is in force from by default: today in the strata picked
    (``strata_id``), else in the first the user edits bylaws in; None if there is none."""
    stratas = stratas_for_bylaw_editing(user)
    if strata_id:
        stratas = stratas.filter(pk=strata_id)
    strata = stratas.only("time_zone").first()
    return None if strata is None else local_date(strata)


def bylaw_revision_in_force(bylaw: Bylaw, on_date: dt.date) -> BylawRevision | None:
    """The wording in force on ``on_date``: the latest revision effective on or before it
    (the last saved, when two take effect the same day). None before the first revision."""
    return (
        BylawRevision.objects.filter(bylaw=bylaw, effective_on__lte=on_date)
        .order_by("-effective_on", "-id")
        .first()
    )


# --- cases -----------------------------------------------------------------------------------


def filing_choices_for(user) -> dict[str, QuerySet]:
    """What ``user`` may name when filing a complaint, by the field naming it: the units,
    active categories and bylaws, and persons of the stratas where they file cases. The API
    checks a complaint's uuids against these and lists the bylaws and categories from them,
    so what it offers is exactly what filing accepts."""

    def scoped(queryset):
        return scope_to_stratas(queryset, user, Right.FILE_CASES)

    return {
        "unit": scoped(Unit.objects.filter(archived_at__isnull=True)),
        "category": scoped(ViolationCategory.objects.filter(is_active=True)),
        "bylaws": scoped(Bylaw.objects.filter(is_active=True)),
        "complainant": scoped(Person.objects.filter(archived_at__isnull=True)),
    }


def open_cases_for(unit: Unit, bylaws, *, user) -> list[Violation]:
    """Open cases of the same unit under one of the bylaws that ``user`` may see (not recused
    from), newest first: a complaint about them goes into one of these, not a duplicate."""
    return list(
        cases_visible_to_staff(user)
        .filter(unit=unit, status__in=OPEN_STATUSES, bylaws__in=bylaws, archived_at__isnull=True)
        .distinct()
        .order_by("-created_at")
    )


def allowed_transitions(case: Violation, user) -> list[Transition]:
    """The transitions ``user`` may start on ``case`` now (DESIGN §9: only these become
    buttons): the case's status is a source, the user holds the right in its strata and is
    not recused. Approving is offered only where the strata requires approvals, and
    recording service only while a paper service is pending. Other guards that need the
    case's records (deadlines, hearings) are left to the services to explain."""
    if is_recused(user, case):
        return []
    offered = [
        transition
        for transition in TRANSITIONS.values()
        if case.status in transition.sources
        and has_case_right(user, transition.right, case)
        and (transition.name != "approve_notice" or case.strata.notice_approvals_required)
    ]
    if (
        any(t.name == "record_service" for t in offered)
        and not LetterDelivery.objects.filter(
            letter__case=case, status=LetterDelivery.Status.PENDING
        ).exists()
    ):
        offered = [t for t in offered if t.name != "record_service"]
    return offered


# --- work queues and dashboard ---------------------------------------------------------------
# The print queue, the "cases awaiting council" page and the dashboard's cases panel
# (DESIGN §6, §9). Every read starts from ``cases_visible_to_staff`` (the user's stratas, less
# the cases they are recused from) and runs a fixed number of queries, however many cases.

# Where a decision may be recorded from (workflow "record_decision").
DECISION_STATUSES = tuple(TRANSITIONS["record_decision"].sources)


def decision_ready_q(now: dt.datetime) -> Q:
    """On Violation: ``guards.decision_guard`` would pass at ``now`` — every required party
    served, no hearing waiting to be held, and either the deadline passed, a hearing was held
    (or not attended), or every required respondent declined a hearing in writing. A test
    keeps the two in step."""
    hearings = Hearing.objects.filter(case=OuterRef("pk"))
    respondents = CaseParty.objects.filter(
        case=OuterRef("pk"), role=PartyRole.RESPONDENT, required=True
    )
    undeclined = respondents.exclude(
        Exists(Response.objects.filter(party=OuterRef("pk"), declines_hearing=True))
    )
    return (
        ~Q(unserved_parties_q())
        & ~Q(Exists(hearings.filter(outcome="")))
        & (
            Q(response_deadline__lt=now)
            | Q(Exists(hearings.filter(outcome__in=HEARD_OUTCOMES)))
            | (Q(Exists(respondents)) & ~Q(Exists(undeclined)))
        )
    )


def answered_q() -> Q:
    """On Violation: a party answered the notice, in writing (a ``Response``) or in person at
    a hearing held. A respondent who did not attend, or asked for a hearing and withdrew it,
    has not answered."""
    return Q(Exists(Response.objects.filter(case=OuterRef("pk")))) | Q(
        Exists(Hearing.objects.filter(case=OuterRef("pk"), outcome=HearingOutcome.HELD))
    )


def _council_strata_ids(user) -> set[int] | None:
    """Stratas where the user records decisions or approves notices (None: every strata)."""
    decisions = strata_ids_with(user, Right.RECORD_DECISIONS)
    approvals = strata_ids_with(user, Right.APPROVE_NOTICES)
    if decisions is None or approvals is None:
        return None
    return decisions | approvals


def may_see_cases_awaiting_council(user) -> bool:
    ids = _council_strata_ids(user)
    return ids is None or bool(ids)


def print_queue_for(user, *, strata_id: int | None = None) -> QuerySet[LetterDelivery]:
    """Pending paper services by mail of the cases the user may review (and is not recused
    from), oldest first: the letters to print, put in envelopes and post."""
    cases = scope_to_stratas(cases_visible_to_staff(user), user, Right.REVIEW_CASES)
    if strata_id is not None:
        cases = cases.filter(strata_id=strata_id)
    return (
        LetterDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            method=DeliveryMethod.MAIL,
            letter__case__in=cases.values("pk"),
        )
        .select_related("letter__case__strata", "person")
        .order_by("created_at", "id")
    )


def hearings_due_for(
    user, *, strata_ids: set[int] | None = None, limit: int | None = None
) -> list[Hearing]:
    """Hearings requested and not yet held (nor recorded as no-show, withdrawn or postponed),
    soonest hold-by date first, each with ``days_left`` (negative once the hold-by date has
    passed), ``date_passed`` (scheduled for a day before today, and still no outcome recorded)
    and ``overdue`` (``overdue.hearing_overdue_q``), counted in its strata's time. One query."""
    cases = cases_visible_to_staff(user)
    if strata_ids is not None:
        cases = cases.filter(strata_id__in=strata_ids)
    hearings = (
        Hearing.objects.filter(outcome="", case__in=cases.values("pk"))
        .select_related("case__strata", "case__unit")
        .annotate(
            date_passed=ExpressionWrapper(hearing_date_passed_q(), output_field=BooleanField()),
            overdue=ExpressionWrapper(hearing_overdue_q(), output_field=BooleanField()),
        )
        .order_by("hold_by", "id")
    )
    hearings = list(hearings if limit is None else hearings[:limit])
    today: dict[int, dt.date] = {}
    for hearing in hearings:
        strata = hearing.case.strata
        if strata.pk not in today:
            today[strata.pk] = local_date(strata)
        hearing.days_left = (hearing.hold_by - today[strata.pk]).days
    return hearings


def cases_awaiting_council_for(
    user, *, strata_id: int | None = None, now: dt.datetime | None = None
) -> list[dict]:
    """What council has to act on, per strata the user records decisions or approves notices
    in (less recused cases), as ``[{"strata", "approvals", "ready", "waiting", "unserved",
    "hearings"}]``:

    - ``approvals``: notices waiting for council's approval, each with ``approvals_given``
      and ``approvals_required`` (only stratas that require approvals);
    - ``ready``: cases council may decide now (``decision_ready_q``), each with ``answered``
      (a party's written response is on file, or a hearing was held);
    - ``waiting``: notices served whose response deadline has not passed (each case has
      ``deadline_on``, the deadline's date in its strata's time);
    - ``unserved``: notices out but not yet served on every required party (no decision yet);
    - ``hearings``: hearings requested and not yet held, with ``days_left``.

    Two queries, however many cases.
    """
    now = now or timezone.now()
    cases = cases_visible_to_staff(user)
    ids = _council_strata_ids(user)
    if ids is not None:
        cases = cases.filter(strata_id__in=ids)
    if strata_id is not None:
        cases = cases.filter(strata_id=strata_id)
        ids = {strata_id} if ids is None or strata_id in ids else set()
    approvals = (
        counted_approvals(NoticeApproval.objects.filter(letter_id=OuterRef("draft_id")))
        .order_by()
        .values("letter_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    rows = (
        cases.filter(
            Q(
                status=Status.NOTICE_PENDING_APPROVAL,
                strata__notice_approvals_required__gt=0,
            )
            | Q(status__in=DECISION_STATUSES),
            archived_at__isnull=True,
        )
        .select_related("strata", "unit")
        .annotate(
            draft_id=draft_notice_id(),
            approvals_given=Coalesce(Subquery(approvals), 0),
            ready=ExpressionWrapper(decision_ready_q(now), output_field=BooleanField()),
            answered=ExpressionWrapper(answered_q(), output_field=BooleanField()),
        )
        .order_by("strata__name", "strata_id", "response_deadline", "created_at", "id")
    )
    by_strata: dict[int, dict] = {}

    def section(strata) -> dict:
        if strata.pk not in by_strata:
            by_strata[strata.pk] = {
                "strata": strata,
                **{key: [] for key in ("approvals", "ready", "waiting", "unserved", "hearings")},
            }
        return by_strata[strata.pk]

    for case in rows:
        case.deadline_on = (
            None
            if case.response_deadline is None
            else local_date(case.strata, case.response_deadline)
        )
        if case.status == Status.NOTICE_PENDING_APPROVAL:
            case.approvals_required = case.strata.notice_approvals_required
            section(case.strata)["approvals"].append(case)
        elif case.ready:
            section(case.strata)["ready"].append(case)
        elif case.response_deadline is not None and case.response_deadline >= now:
            section(case.strata)["waiting"].append(case)
        else:
            section(case.strata)["unserved"].append(case)
    for hearing in hearings_due_for(user, strata_ids=ids):
        section(hearing.case.strata)["hearings"].append(hearing)
    return sorted(by_strata.values(), key=lambda s: (s["strata"].name, s["strata"].pk))


def case_counts_for(user, *, now: dt.datetime | None = None) -> list[dict]:
    """The dashboard's cases panel: per strata (with cases the user may see), the number of
    cases in each status (``statuses``), notices awaiting approval, notices out but not yet
    served on every required party, responses awaiting a decision (responded, or heard),
    cases ready for a decision, hearings due, continuing fines to confirm, and letters waiting
    in the print queue. Two grouped queries, however many cases and stratas."""
    now = now or timezone.now()
    status_counts = {
        f"status_{status}": Count("pk", filter=Q(status=status)) for status in Status.values
    }
    rows = (
        cases_visible_to_staff(user)
        .filter(archived_at__isnull=True)
        .order_by()
        .values("strata_id", "strata__name")
        .annotate(
            total=Count("pk"),
            **status_counts,
            awaiting_approval=Count("pk", filter=Q(status=Status.NOTICE_PENDING_APPROVAL)),
            awaiting_service=Count(
                "pk", filter=Q(status__in=SERVED_STATUSES) & Q(unserved_parties_q())
            ),
            awaiting_decision=Count(
                "pk", filter=Q(status__in=(Status.RESPONDED, Status.AWAITING_DECISION))
            ),
            ready=Count("pk", filter=Q(status__in=DECISION_STATUSES) & decision_ready_q(now)),
            hearings_due=Count(
                "pk",
                filter=Q(Exists(Hearing.objects.filter(case=OuterRef("pk"), outcome=""))),
            ),
            fines_to_confirm=Count(
                "pk",
                filter=Q(
                    Exists(
                        FineProposal.objects.filter(
                            case=OuterRef("pk"), status=ProposalStatus.PROPOSED
                        )
                    )
                ),
            ),
        )
        .order_by("strata__name", "strata_id")
    )
    to_print = dict(
        print_queue_for(user)
        .order_by()
        .values("letter__case__strata_id")
        .annotate(n=Count("pk"))
        .values_list("letter__case__strata_id", "n")
    )
    counts = []
    for row in rows:
        counts.append(
            {
                "strata_id": row["strata_id"],
                "name": row["strata__name"],
                "total": row["total"],
                "statuses": {s: row[f"status_{s}"] for s in Status.values},
                "awaiting_approval": row["awaiting_approval"],
                "awaiting_service": row["awaiting_service"],
                "awaiting_decision": row["awaiting_decision"],
                "ready": row["ready"],
                "hearings_due": row["hearings_due"],
                "fines_to_confirm": row["fines_to_confirm"],
                "to_print": to_print.get(row["strata_id"], 0),
            }
        )
    return counts


# --- letter templates ------------------------------------------------------------------------


def letter_templates_visible_to(user) -> QuerySet[LetterTemplate]:
    """Every saved version of the stratas whose letters the user edits."""
    return scope_to_stratas(
        LetterTemplate.objects.select_related("strata", "created_by"), user, Right.EDIT_TEMPLATES
    )


def letter_template_overview(stratas) -> list[dict]:
    """Every letter, and for each of ``stratas`` its version in use, if any.

    ``[{"kind": LetterKind, "stratas": [{"strata": Strata, "override": LetterTemplate | None},
    …]}, …]`` in one query for the overrides, however many stratas.
    """
    stratas = list(stratas)
    active = {
        (row.strata_id, row.kind): row
        for row in LetterTemplate.objects.filter(
            strata__in=[s.pk for s in stratas], is_active=True
        ).only("strata", "kind", "version")
    }
    return [
        {
            "kind": kind,
            "stratas": [
                {"strata": strata, "override": active.get((strata.pk, kind.value))}
                for strata in stratas
            ],
        }
        for kind in LetterKind
    ]


def letter_template_versions(*, strata: Strata, kind: str) -> QuerySet[LetterTemplate]:
    """Every saved version of one strata's letter, newest first, with who saved it."""
    return (
        LetterTemplate.objects.filter(strata=strata, kind=kind)
        .select_related("created_by")
        .order_by("-version")
    )
