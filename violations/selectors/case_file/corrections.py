"""What the case file says of corrected entries (``services.corrections``): beside a voided
response, service or payment when, by whom and why it was voided; beside an amendment the
entry it replaces; and a list of every correction with the values it replaced, which is the
only place a corrected hearing outcome, observation or compliance date keeps what it said
before. Every sentence goes through the export's ``Redactor``."""

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from violations.selectors.record_dates import day

KIND_WORDS = {
    "response": gettext_lazy("Response"),
    "service": gettext_lazy("Service"),
    "payment": gettext_lazy("Payment"),
    "hearing_outcome": gettext_lazy("Hearing outcome"),
    "observation": gettext_lazy("Observation"),
    "compliance": gettext_lazy("Compliance"),
}
FIELD_WORDS = {
    "received_at": gettext_lazy("received"),
    "channel": gettext_lazy("by"),
    "text": gettext_lazy("text"),
    "declines_hearing": gettext_lazy("declines a hearing"),
    "method": gettext_lazy("method"),
    "on_date": gettext_lazy("served on"),
    "deemed_given_on": gettext_lazy("deemed given on"),
    "delivered_by": gettext_lazy("delivered by"),
    "address": gettext_lazy("address"),
    "amount": gettext_lazy("amount"),
    "paid_on": gettext_lazy("paid on"),
    "reference": gettext_lazy("reference"),
    "outcome": gettext_lazy("outcome"),
    "minutes": gettext_lazy("minutes"),
    "held_at": gettext_lazy("held at"),
    "observed_by": gettext_lazy("seen by"),
    "observed_at": gettext_lazy("seen at"),
    "observation": gettext_lazy("what was seen"),
    "compliance_on": gettext_lazy("compliance on"),
}


def _who(user) -> str:
    return (user.full_name or user.email) if user is not None else _("the system")


def void_note(entry, zone, scrub) -> str:
    """ "Voided on 25 Nov 2026 by …: why", or "" for a live entry. ``scrub(text)``: the
    export's redaction of this entry's text."""
    if entry.voided_at is None:
        return ""
    return scrub(
        _("Voided on %(date)s by %(who)s: %(reason)s")
        % {
            "date": day(entry.voided_at.astimezone(zone).date()),
            "who": _who(entry.voided_by),
            "reason": entry.void_reason,
        }
    )


def amends_note(entry, zone) -> str:
    """ "Amends the entry voided on 25 Nov 2026.", or "" for an entry that amends none."""
    if entry.amends_id is None:
        return ""
    return _("Amends the entry voided on %(date)s.") % {
        "date": day(entry.amends.voided_at.astimezone(zone).date())
    }


def _values(values: dict, zone) -> str:
    """``name value; …`` of an event's stored values, dates and times as the rest of the case
    file writes them (the event keeps them as ISO text, times in UTC)."""

    def shown(value) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                return value
            if len(value) == len("2026-11-20"):
                return day(moment.date())
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone)
                return f"{day(moment.date())} {moment:%H:%M %Z}"
        return str(value)

    return "; ".join(f"{FIELD_WORDS.get(name, name)} {shown(v)}" for name, v in values.items())


def corrections(case, zone, scrub) -> list[str]:
    """Every correction of the case, oldest first, in one sentence each: "Compliance amended on
    25 Nov 2026 by …: why. Was: compliance on 20 Nov 2026. Now: compliance on 21 Nov 2026."
    ``scrub(text, event)``: the export's redaction of an event's text."""
    rows = []
    for event in case.events.filter(kind="correction").select_related("actor"):
        data = event.data
        amended = data.get("action") == "amend"
        text = _("%(entry)s %(done)s on %(date)s by %(who)s: %(reason)s") % {
            "entry": KIND_WORDS.get(data.get("entry"), data.get("entry")),
            "done": _("amended") if amended else _("voided"),
            "date": day(event.created_at.astimezone(zone).date()),
            "who": _who(event.actor),
            "reason": data.get("reason", ""),
        }
        if not text.endswith((".", "!", "?")):
            text += "."
        before = data.get("before") or {}
        after = data.get("after") or {}
        if amended:
            was = {name: before.get(name) for name in after}
            text += " " + _("Was: %(was)s. Now: %(now)s.") % {
                "was": _values(was, zone),
                "now": _values(after, zone),
            }
        elif before:
            text += " " + _("Was: %(was)s.") % {"was": _values(before, zone)}
        rows.append(scrub(text, event))
    return rows
