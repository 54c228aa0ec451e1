"""What must be true before council's decision can be recorded (SPA ss.26-27, 34.1, 135).

The decision guard (service, deadline, hearing), the meeting guard (a council meeting, the
members present, recusals, a carried motion) and the fine guard (one bylaw, every cap).
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import StrataMembership
from accounts.strata_time import strata_today, strata_zone
from violations.domain import rule_pack
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import (
    HEARD_OUTCOMES,
    Bylaw,
    DecisionOutcome,
    LetterKind,
    PartyRole,
    Response,
    Violation,
)
from violations.selectors import letters, serving
from violations.selectors.access import is_recused


def decision_refusal(case: Violation) -> str | None:
    """Why council cannot decide this case yet (service, deadline, hearing), or None."""
    try:
        decision_guard(case)
    except TransitionRefused as refusal:
        return refusal.messages[0]
    return None


def decision_guard(case: Violation, meeting_on=None) -> None:
    """``meeting_on``: the council meeting that decided; a meeting inside the response
    window did not decide after the deadline, whenever it is recorded."""
    unserved = serving.unserved_parties(case)
    if unserved:
        refuse(
            _(
                "The notice has not been served on %(names)s. A decision needs service on "
                "every required party: record how each paper copy was served, or re-serve (an "
                "emailed notice counts once the mail server accepts it)."
            )
            % {"names": ", ".join(p.person.full_name for p in unserved)}
        )
    open_hearing = case.hearings.filter(outcome="").first()
    if open_hearing is not None:
        refuse(
            _(
                "A hearing was requested on %(date)s and is not yet held; record it as held, "
                "no-show or withdrawn first (it must be held by %(hold_by)s)."
            )
            % {"date": open_hearing.requested_on, "hold_by": open_hearing.hold_by}
        )
    zone = strata_zone(case.strata)
    if meeting_on is not None:
        _meeting_after_the_record(case, meeting_on, zone)
    deadline = case.response_deadline
    if deadline is not None and timezone.now() > deadline:
        last_day = deadline.astimezone(zone).date()
        if meeting_on is None or meeting_on > last_day:
            return
    if case.hearings.filter(outcome__in=HEARD_OUTCOMES).exists():
        return  # the respondent was heard (or did not come): council may decide
    respondents = case.parties.filter(role=PartyRole.RESPONDENT, required=True)
    declining = Response.objects.filter(party__in=respondents, declines_hearing=True)
    declined = declining.values("party").distinct().count()
    if respondents.count() and declined == respondents.count():
        return
    refuse(
        _(
            "The response deadline is %(deadline)s; before then a decision needs the "
            "respondent's written response declining a hearing."
        )
        % {"deadline": letters.deadline_text(case, deadline)}
    )


def _meeting_after_the_record(case: Violation, meeting_on, zone) -> None:
    """A meeting decides on what was before it: never before the notice went out, a hearing
    was held or the response that declined a hearing arrived."""
    notice = (
        case.letters.filter(kind=LetterKind.NOTICE, issued_at__isnull=False).order_by("-id").first()
    )
    events = []
    if notice is not None:
        events.append((notice.issued_at, _("the notice was sent")))
    heard = (
        case.hearings.filter(outcome__in=HEARD_OUTCOMES).exclude(scheduled_for=None).order_by("-id")
    )
    if heard:
        events.append((heard[0].scheduled_for, _("the hearing")))
    response = (
        Response.objects.filter(case=case, declines_hearing=True).order_by("-received_at").first()
    )
    if response is not None:
        events.append((response.received_at, _("the response declining a hearing arrived")))
    for moment, what in events:
        on = moment.astimezone(zone).date()
        if meeting_on < on:
            raise TransitionRefused(
                {
                    "meeting_on": _(
                        "The meeting of %(meeting)s is before %(what)s (%(on)s): council decides "
                        "on the record before it."
                    )
                    % {"meeting": meeting_on, "what": what, "on": on}
                }
            )


def meeting_guard(
    case,
    meeting_on,
    members_present,
    recusals,
    motion,
    votes_for,
    votes_against,
    votes_abstaining,
    outcome,
    reasons,
) -> None:
    errors = {}
    if meeting_on is None:
        errors["meeting_on"] = _(
            "A decision is council's (SPA s.26-27): give the date of the council meeting."
        )
    elif meeting_on > strata_today(case.strata):
        errors["meeting_on"] = _("The meeting date cannot be in the future.")
    if not members_present:
        errors["members_present"] = _("Name the council members present at the meeting.")
    on = meeting_on if meeting_on is not None else strata_today(case.strata)
    council_ids = set(
        StrataMembership.objects.filter(
            Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on)),
            accepted_at__isnull=False,
            strata=case.strata,
            role=StrataMembership.Role.COUNCIL,
        ).values_list("user_id", flat=True)
    )
    outsiders = [u for u in members_present if u.pk not in council_ids]
    if outsiders:
        errors["members_present"] = _(
            "%(names)s were not council members of %(strata)s on %(on)s."
        ) % {
            "names": ", ".join(str(u) for u in outsiders),
            "strata": case.strata.name,
            "on": on,
        }
    elif members_present and len(members_present) < rule_pack.council_quorum(len(council_ids)):
        errors["members_present"] = _(
            "%(present)d of %(council)d council members were present; a quorum is %(quorum)d "
            "(Standard Bylaw 18)."
        ) % {
            "present": len(members_present),
            "council": len(council_ids),
            "quorum": rule_pack.council_quorum(len(council_ids)),
        }
    conflicted = [u for u in members_present if is_recused(u, case) and u not in recusals]
    if conflicted:
        errors["recusals"] = _(
            "%(names)s must be recorded as recused: a party, complainant or occupant of the "
            "unit (SPA s.32)."
        ) % {"names": ", ".join(str(u) for u in conflicted)}
    if not motion.strip():
        errors["motion"] = _("Record the motion council voted on.")
    if votes_for is None or votes_against is None:
        errors["votes_for"] = _("Record the vote: for, against and abstaining.")
    else:
        voting = len([u for u in members_present if u not in recusals])
        if not voting:
            errors["votes_for"] = _(
                "Every member present is recused: no one present may vote on this case."
            )
        elif votes_for + votes_against + votes_abstaining > voting:
            errors["votes_for"] = ngettext(
                "%(votes)d votes were recorded but only %(voting)d member present could vote.",
                "%(votes)d votes were recorded but only %(voting)d members present could vote.",
                voting,
            ) % {"votes": votes_for + votes_against + votes_abstaining, "voting": voting}
        elif votes_for <= votes_against:
            errors["votes_for"] = _(
                "The motion did not carry (%(for)d for, %(against)d against); record the "
                "motion council passed."
            ) % {"for": votes_for, "against": votes_against}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if not reasons.strip():
        errors["reasons"] = _("Give council's reasons; the decision letter states them.")
    if errors:
        raise TransitionRefused(errors)


def fine_guard(case, outcome, fine_amount, fine_bylaw, continuing_every_days) -> Bylaw | None:
    if outcome not in (DecisionOutcome.UPHELD_FINE, DecisionOutcome.UPHELD_CONTINUING):
        return None
    bylaws = list(case.bylaws.all())
    if fine_bylaw is None and len(bylaws) == 1:
        fine_bylaw = bylaws[0]
    if fine_bylaw is None or fine_bylaw not in bylaws:
        raise TransitionRefused(
            {"fine_bylaw": _("Name the one bylaw of the case the fine is for.")}
        )
    if fine_amount is None or fine_amount <= 0:
        raise TransitionRefused({"fine_amount": _("Give the amount of the fine.")})
    limit = rule_pack.fine_limit(fine_bylaw, case.strata)
    if fine_amount > limit.amount:
        raise TransitionRefused(
            {
                "fine_amount": _("A fine of %(amount)s is over the cap of %(cap)s: %(why)s.")
                % {
                    "amount": letters.money(fine_amount),
                    "cap": letters.money(limit.amount),
                    "why": limit.why,
                }
            }
        )
    if case.fine_contemplated is not None and fine_amount > case.fine_contemplated:
        raise TransitionRefused(
            {
                "fine_amount": _(
                    "The notice contemplated at most %(notice)s; council cannot fine more."
                )
                % {"notice": letters.money(case.fine_contemplated)}
            }
        )
    if outcome == DecisionOutcome.UPHELD_CONTINUING and (
        continuing_every_days is None or continuing_every_days < limit.interval_days
    ):
        raise TransitionRefused(
            {
                "continuing_every_days": _(
                    "A continuing fine repeats at most every %(days)d days for %(bylaw)s "
                    "(Reg 7.1(2))."
                )
                % {"days": limit.interval_days, "bylaw": fine_bylaw}
            }
        )
    return fine_bylaw
