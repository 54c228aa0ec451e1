"""Recording a council meeting's decisions in one action (DESIGN §9 bulk actions).

The meeting is one ``CouncilMeeting`` and one ``violation_record_decision`` per case, all in
one transaction: if council's decision on any case is refused, nothing is recorded. Every case
is tried before refusing, so the refusal names each refused case and why, at once. The
recording form carries a one-time ``submission`` token, unique on the meeting, so the same
form sent twice (a double click, a reload, two racing requests) records one meeting.
"""

import datetime as dt
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record
from accounts.models import Strata, User
from accounts.permissions import Right
from accounts.request_meta import AuditContext
from accounts.strata_time import strata_today
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import CouncilMeeting
from violations.services.frame import CaseAction, cases_lock, check_right

# What each item may carry besides its case, as ``violation_record_decision`` takes it.
ITEM_FIELDS = (
    "recusals",
    "motion",
    "votes_for",
    "votes_against",
    "votes_abstaining",
    "outcome",
    "reasons",
    "fine_amount",
    "fine_bylaw",
    "continuing_every_days",
)


class ItemRefused(TransitionRefused):
    """Council's decision on one case of the meeting was refused; ``case`` says which."""

    def __init__(self, refusal: TransitionRefused, *, case):
        detail = refusal.error_dict if hasattr(refusal, "error_dict") else refusal.error_list
        super().__init__(detail)
        self.case = case


class ItemsRefused(TransitionRefused):
    """Council's decisions on one or more cases of the meeting were refused, and nothing was
    recorded: ``refusals`` holds an ``ItemRefused`` per refused case, in the order given."""

    def __init__(self, refusals: list[ItemRefused]):
        super().__init__(list(refusals))
        self.refusals = refusals


def meeting_decisions_record(
    *,
    strata: Strata,
    actor: User,
    submission: uuid.UUID,
    held_on: dt.date | None,
    members_present: list[User],
    items: list[dict],
    context: AuditContext | None = None,
) -> CouncilMeeting:
    """Record the meeting and council's decision on each case in ``items`` (each a dict of
    ``case`` and ``ITEM_FIELDS``). A submission already recorded returns its meeting and
    records nothing again. Raises ``ItemsRefused`` naming every case refused."""
    recording = CaseAction(
        _("Recording council's decisions"), Right.RECORD_DECISIONS, who=_("manager or council")
    )
    check_right(actor, recording, strata)
    _check_meeting(strata, held_on, members_present, items)
    with transaction.atomic():
        # The unique token makes a racing second submission wait for the first, then find it.
        meeting, created = CouncilMeeting.objects.get_or_create(
            submission=submission,
            defaults={"strata": strata, "held_on": held_on, "recorded_by": actor},
        )
        if not created:
            if meeting.strata_id != strata.pk:
                raise TransitionRefused(_("This form was already used for another strata."))
            return meeting
        meeting.members_present.set(members_present)
        # Every case locked up front, so two overlapping meetings wait for each other instead
        # of deadlocking; each decision then takes the frame on its own case (recusal too).
        cases_lock([item["case"].pk for item in items])
        refusals = []
        for item in items:
            case = item["case"]
            try:
                with transaction.atomic():
                    services.violation_record_decision(
                        case=case,
                        actor=actor,
                        meeting=meeting,
                        meeting_on=held_on,
                        members_present=members_present,
                        context=context,
                        **{name: item[name] for name in ITEM_FIELDS if name in item},
                    )
            except TransitionRefused as refusal:
                # Only this case's savepoint is undone: the rest are still tried, so staff
                # correct every refused case in one go. Raising below then undoes them all.
                refusals.append(ItemRefused(refusal, case=case))
        if refusals:
            raise ItemsRefused(refusals)
        audit_log_record(
            actor=actor,
            action="violation.council_meeting_recorded",
            strata=strata,
            target=meeting,
            changes={
                "held_on": held_on.isoformat(),
                "members_present": [str(u) for u in members_present],
                "cases": [item["case"].reference for item in items],
            },
            context=context,
        )
    return meeting


def _check_meeting(strata, held_on, members_present, items) -> None:
    """What the whole meeting needs; each case's guard checks the rest (quorum, votes)."""
    errors = {}
    if held_on is None:
        errors["held_on"] = _("Give the date of the council meeting.")
    elif held_on > strata_today(strata):
        errors["held_on"] = _("The meeting date cannot be in the future.")
    if not members_present:
        errors["members_present"] = _("Name the council members present at the meeting.")
    about_items = []  # every problem with the cases, not only the last found
    cases = [item["case"] for item in items]
    if not cases:
        about_items.append(_("Include at least one case the meeting decided."))
    elif len({case.pk for case in cases}) != len(cases):
        about_items.append(_("Each case can be decided once at a meeting."))
    elsewhere = [case.reference for case in cases if case.strata_id != strata.pk]
    if elsewhere:
        about_items.append(
            _("%(cases)s are not cases of %(strata)s.")
            % {"cases": ", ".join(elsewhere), "strata": strata.name}
        )
    present = {u.pk for u in members_present}
    for item in items:
        absent = [u for u in item.get("recusals", []) if u.pk not in present]
        if absent:
            about_items.append(
                _("%(case)s: %(names)s cannot be recused from a meeting they were not at.")
                % {"case": item["case"].reference, "names": ", ".join(str(u) for u in absent)}
            )
    if about_items:
        errors["items"] = about_items
    if errors:
        raise TransitionRefused(errors)
