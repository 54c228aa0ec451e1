"""The British Columbia rule pack: the dates, limits and service rules enforcement follows.

Everything the Strata Property Act and Regulation fix (SPA ss.34.1, 61, 135; Reg 7.1) is here
and nowhere else, so another jurisdiction is another module with the same functions and the
services do not change. The strata's own settings (accounts.Strata) choose within these limits.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import (
    MIN_CONTINUING_INTERVAL_DAYS,
    REG_7_1_MAX_BYLAW_FINE,
    REG_7_1_MAX_RULE_FINE,
)
from accounts.strata_time import end_of_day
from properties.models import Occupancy
from violations.models import (
    PAPER_METHODS,
    REG_7_1_MAX_SHORT_TERM_RENTAL_FINE,
    Bylaw,
    DeliveryMethod,
    PartyRole,
)

NAME = "British Columbia (Strata Property Act)"

# SPA s.61(3): a notice given under s.61(1)(a)(ii) or (b)(ii) to (vii) — mailed, left with an
# adult occupant, put under the door, put through the mail slot or in the mailbox, faxed or
# emailed — is conclusively deemed given 4 days after it is left, mailed, put, faxed or sent
# (Interpretation Act s.25(5): the first day excluded, the last included).
DEEMED_DAYS_AFTER_SENDING = 4

# SPA s.135(1): what a notice must say before a fine can follow. The send service refuses a
# notice letter whose context leaves any of these empty (letters.notice_missing_elements).
NOTICE_ELEMENTS = {
    "strata_name": "the strata corporation's name",
    "strata_plan": "the strata plan number",
    "unit": "the unit",
    "strata_lot": "the strata lot",
    "bylaw_text": "the text of each bylaw in force on the incident date",
    "incident_when": "the date (and time) of the incident",
    "incident_place": "where it happened",
    "description": "what happened",
    "fine_contemplated": "the fine contemplated, up to what amount",
    "continuing": "how often a continuing contravention may be fined",
    "right_to_answer": "the right to answer in writing and to ask in writing for a hearing",
    "response_window": "the deadline to answer, as a date",
    "no_answer": "that council will decide on what it has if there is no answer",
    "reply_address": "a postal address for replies",
    "reply_email": "an email address for replies",
}


def deemed_given_on(method: str, sent_on: dt.date) -> dt.date:
    """The day a letter served by ``method`` on ``sent_on`` is given (SPA s.61).

    Leaving it with the person (s.61(1)(a)(i), (b)(i)) is not among the methods s.61(3)
    defers: it is given that day. Every other method of s.61(1) — left with an adult occupant,
    under the door, through the mail slot or in the mailbox, mailed, emailed — is
    conclusively deemed given 4 days later (s.61(3)).
    """
    if method == DeliveryMethod.HAND_PERSON:
        return sent_on
    if method in DeliveryMethod.values:
        return sent_on + dt.timedelta(days=DEEMED_DAYS_AFTER_SENDING)
    raise ValueError(f"Not a method of service: {method!r}")


def earliest_hearing_on(notice_deemed_given_on: dt.date) -> dt.date:
    """The first day a hearing may be held for a party given its notice on
    ``notice_deemed_given_on`` (SPA s.61): that day itself. Scheduling refuses an earlier
    day for the date the notice would be deemed given if served today, and the hearing night
    refuses to count a hearing held before a party's notice was deemed given: one rule."""
    return notice_deemed_given_on


# SPA s.61(1)(b)(ii), (iii), (v): ways of leaving a notice at the person's own strata lot.
AT_THE_STRATA_LOT = (
    DeliveryMethod.ADULT_OCCUPANT,
    DeliveryMethod.UNDER_DOOR,
    DeliveryMethod.MAIL_SLOT,
)


def paper_methods_allowed(*, gave_postal_address: bool) -> tuple[str, ...]:
    """SPA s.61(1): someone who gave an address for notices outside the strata plan is served
    by leaving the notice with them or mailing it there (s.61(1)(a)); anyone else also at
    their strata lot — with an adult occupant, under the door, through the mail slot or in
    the mailbox (s.61(1)(b))."""
    if gave_postal_address:
        return (DeliveryMethod.HAND_PERSON, DeliveryMethod.MAIL)
    return PAPER_METHODS


def response_deadline(strata, latest_deemed: dt.date) -> dt.datetime:
    """End of day, strata time, of the latest deemed date plus the response window."""
    return end_of_day(strata, latest_deemed + dt.timedelta(days=strata.response_window_days))


def hearing_hold_by(strata, requested_on: dt.date) -> dt.date:
    """SPA s.34.1: a hearing asked for in writing is held within the strata's deadline."""
    return requested_on + dt.timedelta(days=strata.hearing_deadline_days)


def decision_due(strata, held_on: dt.date) -> dt.date:
    """SPA s.34.1(3): the decision is given within the strata's days after the hearing."""
    return held_on + dt.timedelta(days=strata.decision_deadline_days)


def council_quorum(council_size: int) -> int:
    """Standard Bylaw 18: 1 of 1, 2 of 2 to 4, 3 of 5 or 6, 4 of 7 (and a majority above)."""
    if council_size <= 1:
        return 1
    if council_size <= 4:
        return 2
    if council_size <= 6:
        return 3
    return council_size // 2 + 1


@dataclass(frozen=True)
class FineLimit:
    amount: Decimal
    interval_days: int  # the shortest repeat interval for a continuing contravention
    why: str  # which cap decides, for refusals


def fine_limit(bylaw: Bylaw, strata) -> FineLimit:
    """The largest fine for one contravention of ``bylaw``, and how often it may repeat.

    A bylaw without its own amount takes the strata's maximum for bylaws or rules; every
    amount is held to Reg 7.1 ($200 a bylaw, $50 a rule). Only a short-term rental bylaw that
    sets its own amount may go higher (up to $1,000, Reg 7.1(1)), and only one that sets its
    own interval may repeat more often than the strata's interval (daily at most, Reg 7.1(2)).
    """
    if bylaw.is_short_term_rental and bylaw.fine_amount is not None:
        legal = (
            Decimal(REG_7_1_MAX_SHORT_TERM_RENTAL_FINE),
            "Reg 7.1(1) caps a short-term rental fine at $1,000",
        )
        strata_cap = None
    elif bylaw.kind == Bylaw.Kind.RULE:
        legal = (Decimal(REG_7_1_MAX_RULE_FINE), "Reg 7.1 caps a rule fine at $50")
        strata_cap = strata.max_fine_rule
    else:
        legal = (Decimal(REG_7_1_MAX_BYLAW_FINE), "Reg 7.1 caps a bylaw fine at $200")
        strata_cap = strata.max_fine_bylaw
    candidates = [legal]
    if strata_cap is not None:
        candidates.append((Decimal(strata_cap), f"the strata's maximum is ${strata_cap}"))
    if bylaw.fine_amount is not None:
        candidates.append(
            (Decimal(bylaw.fine_amount), f"{bylaw} sets its fine at ${bylaw.fine_amount}")
        )
    amount, why = min(candidates, key=lambda pair: pair[0])
    if bylaw.is_short_term_rental and bylaw.continuing_interval_days:
        interval = bylaw.continuing_interval_days
    else:
        interval = max(
            MIN_CONTINUING_INTERVAL_DAYS,
            bylaw.continuing_interval_days or 0,
            strata.continuing_interval_days,
        )
    return FineLimit(amount=amount, interval_days=interval, why=why)


def limits_snapshot(strata, bylaws) -> dict:
    """What the notice tells the parties and the decision is held to, fixed when it is sent."""
    return {
        "rule_pack": NAME,
        "response_window_days": strata.response_window_days,
        "hearing_deadline_days": strata.hearing_deadline_days,
        "decision_deadline_days": strata.decision_deadline_days,
        "bylaws": {
            str(bylaw.uuid): {
                "number": bylaw.number,
                "max_fine": str(limit.amount),
                "interval_days": limit.interval_days,
            }
            for bylaw in bylaws
            for limit in [fine_limit(bylaw, strata)]
        },
    }


def parties_to_serve(*, respondent_role: str, respondent, occupancies) -> list[tuple]:
    """SPA s.135(1)(e) and (f): who is served particulars, as ``(person, role)``.

    A tenant respondent: the tenant, the tenant's landlord and the owner(s). Owners as
    respondents: the owner(s). Occupants and agents are never served particulars that are not
    theirs. ``occupancies`` are the unit's *current* occupancies. A person is listed once, in
    their strongest role (a landlord who owns the lot is served as owner).
    """
    owners = [o.person for o in occupancies if o.role == Occupancy.Role.OWNER]
    parties: dict[int, tuple] = {}

    def add(person, role):
        if person is not None and person.pk not in parties:
            parties[person.pk] = (person, role)

    if respondent_role == "tenant":
        add(respondent, PartyRole.RESPONDENT)
        for person in owners:
            add(person, PartyRole.OWNER)
        tenancy = next(
            (
                o
                for o in occupancies
                if o.role == Occupancy.Role.TENANT and o.person_id == respondent.pk
            ),
            None,
        )
        add(tenancy.landlord if tenancy else None, PartyRole.LANDLORD)
    else:
        for person in owners:
            add(person, PartyRole.RESPONDENT)
    return list(parties.values())
