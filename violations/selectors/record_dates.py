"""The dates a case records, checked against the facts they follow and the strata's today.

One rule per kind of entry, each returning why the date cannot be (a sentence naming both
dates) or None. The services that record an entry call them, and so do the corrections
(``services/corrections/``), so an amended date passes the same rules:

- the incident: not after today;
- a response: received on or after the day the notice was sent (the earliest sending of the
  issued notice; its issue date while nothing has been sent), and not after today;
- a service (handed, left or mailed): not before its letter was issued (or, served again, the
  day it was sent for service again), and not after today;
- an observation of a continuing contravention: not before the incident, not before its fine
  fell due, not after today;
- compliance: not before the incident, not before the last sighting a fine was charged on,
  not after today;
- a payment: not before the charge, not after today;
- a hearing's outcome, held or not attended: not before the hearing's time.

Dates are the strata's (``accounts.strata_time``), written "20 Nov 2026".
"""

import datetime as dt

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.strata_time import strata_today, strata_zone
from violations.models import Hearing, LetterDelivery, LetterKind, Violation
from violations.selectors.letters import clock


def day(value: dt.date) -> str:
    """A date as the refusals write it: "20 Nov 2026"."""
    return f"{value.day} {value:%b %Y}"


def _local(case_or_strata, moment: dt.datetime) -> dt.datetime:
    strata = getattr(case_or_strata, "strata", case_or_strata)
    return moment.astimezone(strata_zone(strata))


def _after_today(what: str, on: dt.date, strata) -> str | None:
    """``what``: the start of the sentence, "The payment cannot be dated"."""
    today = strata_today(strata)
    if on > today:
        return _("%(what)s %(date)s, after today (%(today)s).") % {
            "what": what,
            "date": day(on),
            "today": day(today),
        }
    return None


def incident_refusal(strata, incident_on: dt.date) -> str | None:
    return _after_today(_("The incident cannot be dated"), incident_on, strata)


# --- responses -----------------------------------------------------------------------------


def notice_sent_on(case: Violation) -> dt.date | None:
    """The day the notice went out: its earliest sending (of its live services), else the day
    it was issued; None before it is issued."""
    notice = (
        case.letters.filter(kind=LetterKind.NOTICE, issued_at__isnull=False).order_by("id").first()
    )
    if notice is None:
        return None
    first = LetterDelivery.objects.filter(
        letter__case=case, letter__kind=LetterKind.NOTICE
    ).aggregate(first=Min("sent_at"))["first"]
    return _local(case, first or notice.issued_at).date()


def response_refusal(case: Violation, received_at: dt.datetime) -> str | None:
    received_on = _local(case, received_at).date()
    what = _("The response cannot be received on")
    sent_on = notice_sent_on(case)
    if sent_on is not None and received_on < sent_on:
        return _("%(what)s %(date)s, before the notice was sent on %(sent)s.") % {
            "what": what,
            "date": day(received_on),
            "sent": day(sent_on),
        }
    if refusal := _after_today(what, received_on, case.strata):
        return refusal
    if received_at > timezone.now():
        return _("%(what)s %(date)s at %(time)s: that is later than now.") % {
            "what": what,
            "time": clock(_local(case, received_at)),
            "date": day(received_on),
        }
    return None


# --- service -------------------------------------------------------------------------------


def service_refusal(service: LetterDelivery, on_date: dt.date) -> str | None:
    """``service``: the pending service being recorded, or the recorded one being amended."""
    case = service.letter.case
    issued_on = _local(case, service.letter.issued_at or service.created_at).date()
    created_on = _local(case, service.created_at).date()
    what = _("The service cannot be recorded on")
    if on_date < issued_on:
        return _("%(what)s %(date)s, before the letter was issued on %(issued)s.") % {
            "what": what,
            "date": day(on_date),
            "issued": day(issued_on),
        }
    if on_date < created_on:
        return _("%(what)s %(date)s, before the letter was sent for service again on %(on)s.") % {
            "what": what,
            "date": day(on_date),
            "on": day(created_on),
        }
    return _after_today(what, on_date, case.strata)


# --- observations and compliance -----------------------------------------------------------


def _before_incident(what: str, on: dt.date, case: Violation) -> str | None:
    if on < case.incident_on:
        return _("%(what)s %(date)s, before the incident on %(incident)s.") % {
            "what": what,
            "date": day(on),
            "incident": day(case.incident_on),
        }
    return None


def observation_refusal(case: Violation, proposal, observed_at: dt.datetime) -> str | None:
    """``proposal``: the continuing fine the observation confirms (its ``due_on``)."""
    seen_on = _local(case, observed_at).date()
    what = _("The observation cannot be dated")
    if refusal := _before_incident(what, seen_on, case):
        return refusal
    if seen_on < proposal.due_on:
        return _(
            "%(what)s %(date)s, before the fine fell due on %(due)s: only a sighting on or after "
            "that day shows the contravention continued into this interval."
        ) % {"what": what, "date": day(seen_on), "due": day(proposal.due_on)}
    if refusal := _after_today(what, seen_on, case.strata):
        return refusal
    if observed_at > timezone.now():
        return _("%(what)s %(date)s at %(time)s: that is later than now.") % {
            "what": what,
            "date": day(seen_on),
            "time": clock(_local(case, observed_at)),
        }
    return None


def compliance_refusal(
    case: Violation, compliance_on: dt.date, last_seen_on: dt.date | None
) -> str | None:
    """``last_seen_on``: the latest sighting a continuing fine was charged on, if any."""
    what = _("Compliance cannot be dated")
    if refusal := _before_incident(what, compliance_on, case):
        return refusal
    if refusal := _after_today(what, compliance_on, case.strata):
        return refusal
    if last_seen_on is not None and compliance_on < last_seen_on:
        return _(
            "%(what)s %(date)s, before the contravention was seen continuing on %(seen)s and "
            "charged (waive that fine first if it was wrong)."
        ) % {"what": what, "date": day(compliance_on), "seen": day(last_seen_on)}
    return None


# --- payments ------------------------------------------------------------------------------


def charge_date_refusal(charge, on: dt.date, what: str) -> str | None:
    """A payment (or a waiver's council meeting) against ``charge`` on ``on``. ``what``: the
    start of the sentence, "The payment cannot be dated"."""
    if on < charge.charged_on:
        return _("%(what)s %(date)s, before the charge was imposed on %(charged)s.") % {
            "what": what,
            "date": day(on),
            "charged": day(charge.charged_on),
        }
    return _after_today(what, on, charge.case.strata)


# --- hearings ------------------------------------------------------------------------------


def hearing_outcome_refusal(case: Violation, hearing: Hearing, outcome: str) -> str | None:
    """A hearing is recorded as held, or not attended, only once its time has come."""
    if hearing.scheduled_for is None or hearing.scheduled_for <= timezone.now():
        return None
    when = _local(case, hearing.scheduled_for)
    return _(
        "The hearing cannot be recorded as %(outcome)s on %(date)s, before it was held at "
        "%(time)s on %(when)s."
    ) % {
        "outcome": _("held") if outcome == "held" else _("not attended"),
        "date": day(strata_today(case.strata)),
        "when": day(when.date()),
        "time": clock(when),
    }
