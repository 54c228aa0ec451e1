"""Correcting what staff recorded (issue 13 item 3): void an entry, or amend it, with a reason.

The entries: a response, a paper service, a payment, a hearing's outcome, the observation a
continuing fine was charged on, and the compliance date a case closed with (``entry`` is then
the case). Nothing is edited away:

- a response, a service or a payment (``Correctable``) is stamped voided (when, by whom,
  why); an amendment is a new entry that ``amends`` it, the original voided with the reason.
  Every read but the record's own leaves voided entries out (``LiveManager``), so the guards,
  deadlines and balances follow the corrected record;
- a hearing's outcome, an observation and a compliance date are fields of a larger record
  (the hearing, the continuing fine with its charge, the case): they are corrected in place,
  and what they said before stays in the correction's event and audit entry, which the case
  page and the case file show beside them.

Each correction is one transaction in the case-action frame (``services.frame``): it locks the
case, checks the right that records the entry (a payment: RECORD_PAYMENTS; the rest:
REVIEW_CASES) and recusal, checks the amended values as they are checked when recorded
(``record_dates`` among them), and writes one ``correction`` event and one
``violation.correction`` audit entry. Its consequences follow
from the corrected record: voiding the only response sends a case back from "responded" to
"notice sent", voiding a hearing's outcome reopens the hearing, voiding a recorded service puts
the letter back in the print queue, and a notice's deadline is computed again. A correction
that would take the ground from under a later step already taken is refused, with the reason,
rather than rewinding it: one that would leave council's recorded decision without the basis
the decision guard requires, voiding a hearing's outcome after the decision or a postponement,
voiding an observation whose fine is still owing or paid, voiding the compliance a fined case
closed on.

The entry's kind and case are in ``entries``; the rows voided or amended as new rows
(response, service, payment) are corrected in ``records``, the fields corrected in place
(hearing outcome, observation, compliance) in ``in_place``. This module is what they share
around the case-action frame: the reason, the entry reloaded under the lock, the decision's
basis.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_meta import AuditContext
from accounts.strata_time import local_date, strata_zone
from violations.domain.workflow import TransitionRefused, refuse
from violations.models import Decision, Violation
from violations.selectors import guards, record_dates, serving
from violations.services import ledger
from violations.services.corrections import in_place, records
from violations.services.corrections.entries import (
    DECISION_KINDS,
    KINDS,
    UNCORRECTABLE_OUTCOMES,
    Kind,
    correctable,
    entry_case,
    entry_kind,
    plain,
)
from violations.services.frame import CaseAction, _finish, case_lock

__all__ = [
    "KINDS",
    "UNCORRECTABLE_OUTCOMES",
    "Kind",
    "correctable",
    "entry_amend",
    "entry_case",
    "entry_kind",
    "entry_void",
]

SNAPSHOTS = {**records.SNAPSHOTS, **in_place.SNAPSHOTS}
VOIDS = {**records.VOIDS, **in_place.VOIDS}
AMENDS = {**records.AMENDS, **in_place.AMENDS}


def entry_void(*, entry, actor: User, reason: str, context: AuditContext | None = None) -> object:
    """Void ``entry``: it stays on the record, marked voided with ``reason``. Returns it."""
    return _correct(entry, actor, reason, None, context)


def entry_amend(
    *, entry, actor: User, reason: str, context: AuditContext | None = None, **values
) -> object:
    """Amend ``entry`` with ``values`` (of its kind's ``fields``). Returns the entry as it
    now stands: the new response, service or payment, or the corrected record."""
    return _correct(entry, actor, reason, values, context)


# --- the frame -----------------------------------------------------------------------------


def _correct(entry, actor: User, reason: str, values: dict | None, context) -> object:
    kind = entry_kind(entry)
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(
            {"reason": _("Give the reason for the correction: it stays on the record with it.")}
        )
    if values is not None and (unknown := sorted(set(values) - set(kind.fields))):
        raise TypeError(f"a {kind.name} has no amendable {', '.join(unknown)}")
    with transaction.atomic():
        correcting = CaseAction(_("Correcting a %(entry)s") % {"entry": kind.label}, kind.right)
        case = case_lock(entry_case(entry), actor, correcting)
        entry = _reload(kind, entry)
        before = SNAPSHOTS[kind.name](entry)
        if values is not None and not _changes(kind, before, values):
            refuse(_("The amendment changes nothing: give the corrected values."))
        decision = (
            Decision.objects.filter(case=case).first() if kind.name in DECISION_KINDS else None
        )
        standing = decision is not None and _decision_refusal(case, decision) is None
        from_status = case.status
        if values is None:
            result, extra = VOIDS[kind.name](case, entry, actor, reason)
            data = {"before": before, **extra}
        else:
            result = AMENDS[kind.name](case, entry, actor, reason, values)
            now = SNAPSHOTS[kind.name](result)
            data = {"before": before, "after": {k: v for k, v in now.items() if before[k] != v}}
            if result is not entry:
                data["replacement"] = str(result.uuid)
        if standing and (why := _decision_refusal(case, decision)):
            refuse(
                _(
                    "Council decided %(case)s at its meeting of %(meeting)s on the record as it "
                    "stood; after this correction the decision would have no basis: %(why)s"
                )
                % {
                    "case": case.reference,
                    "meeting": record_dates.day(decision.meeting_on),
                    "why": why,
                }
            )
        _finish(
            case,
            "correction",
            actor,
            from_status=from_status,
            text=_("%(entry)s %(done)s. Reason: %(reason)s")
            % {
                "entry": _describe(kind, entry, case),
                "done": _("voided") if values is None else _("amended"),
                "reason": reason,
            },
            data={
                "entry": kind.name,
                "uuid": str(entry.uuid),
                # A service's event is hidden with it where the case file hides the letter.
                **({"service": str(entry.uuid)} if kind.name == "service" else {}),
                "action": "void" if values is None else "amend",
                "reason": reason,
                **data,
            },
            visible_to_resident=kind.visible_to_resident,
            context=context,
        )
    return result


def _reload(kind: Kind, entry):
    """The entry, locked, as stored now; a voided one is refused."""
    manager = getattr(kind.model, "all_objects", kind.model.objects)
    entry = manager.select_for_update(of=("self",)).get(pk=entry.pk)
    if getattr(entry, "voided_at", None) is not None:
        refuse(
            _("This %(entry)s was voided on %(date)s: it cannot be corrected again.")
            % {"entry": kind.label, "date": record_dates.day(_local_date(entry, entry.voided_at))}
        )
    return entry


def _local_date(entry, moment: dt.datetime) -> dt.date:
    return local_date(entry_case(entry).strata, moment)


def _decision_refusal(case: Violation, decision: Decision) -> str | None:
    """Why council could not have decided as it did on the record as it stands now (the
    decision guard at its meeting, with the deadline the service sets now), or None."""
    stored = case.response_deadline
    case.response_deadline = serving.deadline_for(case)
    try:
        guards.decision_guard(case, decision.meeting_on)
    except TransitionRefused as refusal:
        return refusal.messages[0]
    finally:
        case.response_deadline = stored
    return None


def _changes(kind: Kind, before: dict, values: dict) -> dict:
    changed = {}
    for name, value in values.items():
        if kind.name == "payment" and name == "amount":
            money = ledger._money(value)
            value = money if money is not None else value
        if plain(value) != before.get(name):
            changed[name] = value
    return changed


def _describe(kind: Kind, entry, case: Violation) -> str:
    """The entry in words, for the timeline."""
    zone = strata_zone(case.strata)
    match kind.name:
        case "response":
            return _("The response of %(party)s received %(date)s") % {
                "party": entry.party.person.full_name,
                "date": record_dates.day(entry.received_at.astimezone(zone).date()),
            }
        case "service":
            return _("The service of the %(letter)s on %(person)s (%(method)s, %(date)s)") % {
                "letter": entry.letter.get_kind_display().lower(),
                "person": entry.person.full_name,
                "method": entry.get_method_display().lower(),
                "date": record_dates.day(entry.sent_at.astimezone(zone).date()),
            }
        case "payment":
            return _("The payment of $%(amount)s on %(date)s") % {
                "amount": entry.amount,
                "date": record_dates.day(entry.paid_on),
            }
        case "hearing_outcome":
            return _("The outcome of the hearing requested on %(date)s") % {
                "date": record_dates.day(entry.requested_on)
            }
        case "observation":
            return _("The observation the fine due %(date)s was charged on") % {
                "date": record_dates.day(entry.due_on)
            }
        case _:
            return _("Compliance on %(date)s") % {"date": record_dates.day(entry.compliance_on)}
