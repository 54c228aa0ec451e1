"""The case file's rows, one record at a time: the incident, the bylaws in force, each
response, hearing, decision and charge as the PDF shows them, each text already passed
through the ``Redactor``. Split from ``case_file.contents``, which gathers the records and
the originals and calls these for each row.
"""

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from violations.models import Decision, Violation
from violations.selectors.case_file import corrections
from violations.selectors.case_file.redaction import Redactor
from violations.selectors.cases import bylaw_revision_in_force
from violations.selectors.letters import clock, long_date, money


def incident(case: Violation) -> str:
    text = long_date(case.incident_on)
    if case.incident_time:
        text += " at " + clock(case.incident_time)
    return text


def bylaws(case: Violation) -> list[dict]:
    rows = []
    for bylaw in case.bylaws.order_by("kind", "number"):
        revision = bylaw_revision_in_force(bylaw, case.incident_on)
        rows.append(
            {
                "bylaw": bylaw,
                "effective": long_date(revision.effective_on) if revision else "",
                "text": revision.text if revision else "",
            }
        )
    return rows


def response_row(response, zone, r: Redactor) -> dict:
    return {
        "response": response,
        "party": r.scrub(
            response.party.person.full_name, record="response", uuid=response.uuid, field="party"
        ),
        "received": when(response.received_at, zone),
        "text": r.scrub(response.text, record="response", uuid=response.uuid, field="text"),
        "voided": corrections.void_note(
            response,
            zone,
            lambda text: r.scrub(text, record="response", uuid=response.uuid, field="void_reason"),
        ),
        "amends": corrections.amends_note(response, zone),
    }


def hearing_row(hearing, zone, r: Redactor, written_requests: dict) -> dict:
    def scrub(value, name):
        return r.scrub(value, record="hearing", uuid=hearing.uuid, field=name)

    return {
        "hearing": hearing,
        "requested": long_date(hearing.requested_on),
        "requested_by": scrub(hearing.requested_by.person.full_name, "requested_by"),
        "reason": scrub(hearing.reason, "reason"),
        "hold_by": long_date(hearing.hold_by),
        "scheduled": when(hearing.scheduled_for, zone) if hearing.scheduled_for else "",
        "location": scrub(hearing.location, "location"),
        "held": when(hearing.held_at, zone) if hearing.held_at else "",
        "minutes": scrub(hearing.minutes, "minutes"),
        "has_written_request": hearing.pk in written_requests,
        "written_request": written_requests.get(hearing.pk, ""),
        "notice": long_date(hearing.notice_letter.issued_at.astimezone(zone).date())
        if hearing.notice_letter and hearing.notice_letter.issued_at
        else "",
    }


def decision_row(decision: Decision, redact: bool, r: Redactor) -> dict:
    """Who was present and who was recused. A redacted copy counts the recused members
    instead of naming them: why a member is recused (a complainant in their household, a
    neighbour) can point at the complainant."""

    def scrub(value, name):
        return r.scrub(value, record="decision", uuid=decision.uuid, field=name)

    recused = sorted(m.full_name or m.email for m in decision.recusals.all())
    present = sorted(m.full_name or m.email for m in decision.members_present.all())
    members, recusals = ", ".join(present), ", ".join(recused)
    if redact and recused:
        members = ", ".join(name for name in present if name not in recused)
        members += ngettext(
            " and %(count)d recused member", " and %(count)d recused members", len(recused)
        ) % {"count": len(recused)}
        recusals = ngettext(
            "%(count)d council member recused (not named in a redacted copy)",
            "%(count)d council members recused (not named in a redacted copy)",
            len(recused),
        ) % {"count": len(recused)}
        r.log(
            "decision",
            decision.uuid,
            "recusals",
            "who is recused may point at the complainant; counted, not named",
        )
    return {
        "decision": decision,
        "meeting": long_date(decision.meeting_on),
        "members": scrub(members, "members_present"),
        "recusals": scrub(recusals, "recusals"),
        "motion": scrub(decision.motion, "motion"),
        "reasons": scrub(decision.reasons, "reasons"),
        "vote": _("%(f)d for, %(a)d against, %(s)d abstaining")
        % {"f": decision.votes_for, "a": decision.votes_against, "s": decision.votes_abstaining},
        "fine": money(decision.fine_amount) if decision.fine_amount else "",
    }


def charge_row(charge, r: Redactor, zone) -> dict:
    return {
        "charge": charge,
        "liable": r.scrub(
            charge.liable_person.full_name, record="charge", uuid=charge.uuid, field="liable"
        ),
        "date": long_date(charge.charged_on),
        "amount": money(charge.amount),
        "paid": money(charge.paid),
        "waived": money(charge.waived),
        "balance": money(charge.balance),
        "payments": [
            {
                "date": long_date(p.paid_on),
                "amount": money(p.amount),
                "payment": p,
                "reference": r.scrub(p.reference, record="payment", uuid=p.uuid, field="reference"),
                "voided": corrections.void_note(
                    p,
                    zone,
                    lambda text, p=p: r.scrub(
                        text, record="payment", uuid=p.uuid, field="void_reason"
                    ),
                ),
                "amends": corrections.amends_note(p, zone),
            }
            for p in charge.payments.all()
        ],
        "waivers": [
            {
                "date": long_date(w.meeting_on),
                "amount": money(w.amount),
                "waiver": w,
                "resolution": r.scrub(
                    w.resolution, record="waiver", uuid=w.uuid, field="resolution"
                ),
            }
            for w in charge.waivers.all()
        ],
    }


def when(moment: dt.datetime, zone) -> str:
    """A moment as the case file writes it: its date and time of day in ``zone``."""
    local = moment.astimezone(zone)
    return f"{long_date(local.date())} at {clock(local)}"


def with_letters_as_received(context: dict, evidence_rows: list[dict]) -> None:
    """Each response and hearing request with its letter as received on paper: the names its
    scans have in this copy's evidence list (neutral names in a redacted copy)."""
    names: dict[tuple[str, int], list[str]] = {}
    for row in evidence_rows:
        item = row["evidence"]
        if item.response_id:
            names.setdefault(("response", item.response_id), []).append(row["name"])
        elif item.hearing_request_id:
            names.setdefault(("hearing", item.hearing_request_id), []).append(row["name"])
    for row in context["responses"]:
        row["scans"] = names.get(("response", row["response"].pk), [])
    for row in context["hearings"]:
        row["scans"] = names.get(("hearing", row["hearing"].pk), [])
