"""Letters: default wording as files in ``violations/letters/<kind>.html``, per-strata
versioned overrides (``LetterTemplate``), rendered through the locked engine over a flat
dictionary of strings, and the check that a notice says everything SPA s.135(1) requires.
"""

import datetime as dt
import html as html_lib
import re
from decimal import Decimal
from pathlib import Path

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from accounts.strata_time import strata_today, strata_zone
from communications import template_engine
from violations.domain import rule_pack
from violations.models import Letter, LetterKind, LetterTemplate, Violation
from violations.selectors.cases import bylaw_revision_in_force

DEFAULTS_DIR = Path(__file__).parents[1] / "letters"

COMMON = {
    "strata_name": "Harbour View",
    "strata_plan": "BCS1234",
    "reply_address": "c/o Manager, PO Box 1, Vancouver BC V6B 1A1",
    "reply_email": "council@example.test",
    "signature": "Strata Council, Harbour View",
    "letter_date": "November 25, 2026",
    "reference": "VIO-20261125-001",
    "recipients": "Terry Tenant; Olive Owner",
    "unit": "Unit 101",
    "strata_lot": "1",
    "incident_when": "November 1, 2026 at 11:30 p.m.",
    "incident_place": "Unit balcony",
    "description": "Loud music until 2 a.m.",
    "bylaw_text": "Bylaw 3.1 Noise: An owner, tenant or occupant must not cause a nuisance.",
}
# Every variable each letter is given, with a sample for previews and template checks.
SAMPLES: dict[str, dict[str, str]] = {
    LetterKind.NOTICE: {
        **COMMON,
        "fine_contemplated": "up to $200.00 for each contravention",
        "continuing": "For a continuing contravention, a fine may be imposed every 7 days.",
        "response_deadline": "December 13, 2026 (end of day, Vancouver time)",
        "response_window": "14 days after this notice is deemed received",
        "right_to_answer": "You may answer this complaint in writing, and you may ask in "
        "writing, giving a reason, for a hearing before council (Strata Property Act, "
        "section 135).",
        "no_answer": "If council receives no answer by December 13, 2026 (end of day, "
        "Vancouver time), it will decide on the information it has.",
    },
    LetterKind.WARNING: COMMON,
    LetterKind.HEARING_NOTICE: {
        **COMMON,
        "requested_on": "November 20, 2026",
        "hearing_when": "December 2, 2026 at 7:00 p.m.",
        "hearing_place": "Amenity room",
        "replaces": "This notice replaces the notice of hearing dated November 18, 2026 for "
        "the hearing on November 30, 2026 at 7:00 p.m.: the hearing is now on December 2, 2026 "
        "at 7:00 p.m.",
    },
    LetterKind.DECISION: {
        **COMMON,
        "meeting_on": "December 16, 2026",
        "decision_outcome": "Upheld: continuing fine",
        "fine_text": "a fine of $200.00 under Bylaw 3.1, repeated every 7 days until the "
        "contravention stops",
        "continuing_basis": "While the contravention continues, council may impose this fine "
        "again every 7 days without giving a new notice (Strata Property Act, section 135(3); "
        "Strata Property Regulation, section 7.1(2)).",
        "vote": "4 for, 0 against, 1 abstaining (members present: 5)",
        "reasons": "Council accepted the neighbours' reports.",
        "payment": "How to pay: make your cheque payable to “The Owners, Strata Plan BCS1234” "
        "and mail or deliver it to c/o Manager, PO Box 1, Vancouver BC V6B 1A1, writing "
        "reference VIO-20261125-001 and strata lot 1 on it. To pay another way, or with a "
        "question about what you owe, write to council@example.test.",
    },
    LetterKind.FINE_NOTICE: {
        **COMMON,
        "meeting_on": "December 16, 2026",
        "charge_kind": "fine",
        "charge_amount": "$200.00",
        "charged_on": "December 23, 2026",
        "liable_person": "Olive Owner",
        "charge_description": "Continuing fine due December 23, 2026",
        "observation": "The contravention was seen continuing on December 22, 2026 at "
        "11:40 p.m. by the caretaker.",
        "charge_basis": "While the contravention continues, council may impose this fine "
        "again every 7 days without giving a new notice (Strata Property Act, section 135(3); "
        "Strata Property Regulation, section 7.1(2)).",
        "balance": "$200.00",
        "payment": "How to pay: make your cheque payable to “The Owners, Strata Plan BCS1234” "
        "and mail or deliver it to c/o Manager, PO Box 1, Vancouver BC V6B 1A1, writing "
        "reference VIO-20261125-001 and strata lot 1 on it. To pay another way, or with a "
        "question about what you owe, write to council@example.test.",
    },
    LetterKind.COMPLAINANT_ACKNOWLEDGEMENT: {
        **{key: COMMON[key] for key in COMMON if key not in ("bylaw_text", "description")},
        "received_on": "November 2, 2026",
    },
}
SUBJECTS = {
    LetterKind.NOTICE: "Notice of complaint {reference} — {strata}",
    LetterKind.WARNING: "Courtesy reminder {reference} — {strata}",
    LetterKind.HEARING_NOTICE: "Notice of hearing {reference} — {strata}",
    LetterKind.DECISION: "Council's decision {reference} — {strata}",
    LetterKind.FINE_NOTICE: "Notice of a charge {reference} — {strata}",
    LetterKind.COMPLAINANT_ACKNOWLEDGEMENT: "Complaint received {reference} — {strata}",
}


# A letter that replaces an earlier one says so in its subject (Letter.replaces).
REPLACING_SUBJECTS = {
    LetterKind.HEARING_NOTICE: "Notice of hearing (new date) {reference} — {strata}",
}


def default_source(kind: str) -> str:
    return (DEFAULTS_DIR / f"{LetterKind(kind)}.html").read_text(encoding="utf-8")


def active_template(kind: str, strata) -> LetterTemplate | None:
    return (
        LetterTemplate.objects.filter(strata=strata, kind=kind, is_active=True)
        .order_by("-version")
        .first()
    )


def template_errors(kind: str, source: str) -> str | None:
    """Why an edited letter template cannot be saved, or None."""
    try:
        template_engine.validate(source, allowed=set(SAMPLES[kind]))
    except template_engine.TemplateError as error:
        return str(error)
    return None


def render(kind: str, strata, context: dict[str, str]) -> tuple[str, int | None]:
    """The letter's HTML from the strata's active override or the default, and its version."""
    override = active_template(kind, strata)
    source = override.body_html if override else default_source(kind)
    return template_engine.render(source, context, html=True), (
        override.version if override else None
    )


# --- context -------------------------------------------------------------------------------


def long_date(value: dt.date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def money(amount) -> str:
    return f"${Decimal(amount):,.2f}"


def deadline_text(case: Violation, deadline: dt.datetime) -> str:
    local = deadline.astimezone(strata_zone(case.strata))
    city = case.strata.time_zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{long_date(local.date())} (end of day, {city} time)"


def bylaw_text_in_force(case: Violation) -> str:
    """Each bylaw of the case as worded on the incident date (its revision then in force).
    Empty if one had no wording then, so the notice check refuses it: never today's text."""
    parts = []
    for bylaw in case.bylaws.all():
        revision = bylaw_revision_in_force(bylaw, case.incident_on)
        if revision is None:
            return ""
        parts.append(f"{bylaw}: {revision.text}")
    return "\n\n".join(parts)


def clock(value: dt.time | dt.datetime) -> str:
    """A time as letters write it: "9:30 a.m."."""
    return value.strftime("%-I:%M %p").lower().replace("m", ".m.")


def base_context(case: Violation, recipients: list[str]) -> dict[str, str]:
    strata = case.strata
    when = long_date(case.incident_on)
    if case.incident_time:
        when += " at " + clock(case.incident_time)
    return {
        "strata_name": strata.name,
        "strata_plan": strata.plan_number,
        "reply_address": strata.postal_address,
        "reply_email": strata.reply_email,
        "signature": strata.letter_signature or f"Strata Council, {strata.name}",
        "letter_date": long_date(strata_today(strata)),
        "reference": case.reference,
        "recipients": "; ".join(recipients),
        "unit": str(case.unit),
        "strata_lot": str(case.unit.strata_lot_number or ""),
        "incident_when": when,
        "incident_place": case.incident_place,
        "description": case.description,
        "bylaw_text": bylaw_text_in_force(case),
    }


def notice_context(
    case: Violation,
    recipients: list[str],
    *,
    fine: Decimal,
    interval_days: int | None,
    deadline: dt.datetime,
) -> dict[str, str]:
    continuing = (
        f"For a continuing contravention, a fine of up to {money(fine)} may be imposed every "
        f"{interval_days} days."
        if interval_days
        else ""
    )
    window = case.strata.response_window_days
    deadline_words = deadline_text(case, deadline)
    return {
        **base_context(case, recipients),
        "fine_contemplated": f"up to {money(fine)} for each contravention",
        "continuing": continuing,
        "response_deadline": deadline_words,
        "response_window": f"{window} days after this notice is deemed received: "
        f"{rule_pack.DEEMED_DAYS_AFTER_SENDING} days after it is mailed or emailed",
        "right_to_answer": RIGHT_TO_ANSWER,
        "no_answer": NO_ANSWER.format(deadline=deadline_words),
    }


# --- money: the basis of a charge and how to pay it -----------------------------------------


def continuing_basis(every_days: int | None) -> str:
    """SPA s.135(3): once the notice and the chance to answer have been given, a continuing
    contravention may be fined again without a new process; Reg 7.1(2) limits how often
    (every 7 days; a short-term rental bylaw, daily). Empty for a fine that does not repeat."""
    if not every_days:
        return ""
    return _(
        "While the contravention continues, council may impose this fine again every %(days)d "
        "days without giving a new notice (Strata Property Act, section 135(3); Strata Property "
        "Regulation, section 7.1(2))."
    ) % {"days": every_days}


def remedy_cost_basis() -> str:
    """SPA s.133(2): the cost of remedying a contravention is owed by whoever may be fined."""
    return _(
        "The strata corporation may require the reasonable cost of remedying a contravention to "
        "be paid by the person who may be fined for it (Strata Property Act, section 133(2))."
    )


def payment_instructions(case: Violation) -> str:
    """How and where to pay what a decision or a charge says is owed: a cheque to the strata
    corporation under its legal name ("The Owners, Strata Plan <number>"), mailed or
    delivered to the strata's postal address for replies, quoting the case and strata lot;
    the strata's reply email for any other way to pay; and, where the strata set one
    (``fine_payable_within_days``, from its bylaws), by when. Without it no due date is
    stated: the Act sets none (docs/letters.md)."""
    strata = case.strata
    lines = (strata.postal_address or strata.address).splitlines()
    where = ", ".join(line.strip() for line in lines if line.strip())
    lot = case.unit.strata_lot_number
    text = _("How to pay: make your cheque payable to “The Owners, Strata Plan %(plan)s”") % {
        "plan": strata.plan_number
    }
    if where:
        text += _(" and mail or deliver it to %(where)s") % {"where": where}
    text += _(", writing reference %(reference)s and %(lot)s on it.") % {
        "reference": case.reference,
        "lot": _("strata lot %(n)s") % {"n": lot} if lot else str(case.unit),
    }
    if strata.fine_payable_within_days:
        text += " " + _(
            "The amount is payable within %(days)d days of the date of this letter."
        ) % {"days": strata.fine_payable_within_days}
    if strata.reply_email:
        text += _(
            " To pay another way, or with a question about what you owe, write to %(email)s."
        ) % {"email": strata.reply_email}
    return text


# The words of SPA s.135(1) a notice must carry, whatever a strata's template says around them.
RIGHT_TO_ANSWER = (
    "You may answer this complaint in writing, and you may ask in writing, giving a reason, "
    "for a hearing before council (Strata Property Act, section 135)."
)
NO_ANSWER = "If council receives no answer by {deadline}, it will decide on the information it has."


def notice_missing_elements(html: str, context: dict[str, str]) -> list[str]:
    """The SPA s.135(1) elements the letter does not state: each must be given and appear
    in the letter's text (an edited letter may have dropped one, or kept an old date)."""
    text = _normalised(html_to_text(html))
    values = {
        "strata_name": context["strata_name"],
        "strata_plan": context["strata_plan"],
        "unit": context["unit"],
        "strata_lot": context["strata_lot"],
        "bylaw_text": context["bylaw_text"],
        "incident_when": context["incident_when"],
        "incident_place": context["incident_place"],
        "description": context["description"],
        "fine_contemplated": context["fine_contemplated"],
        "right_to_answer": context["right_to_answer"],
        "response_window": context["response_deadline"],
        "no_answer": context["no_answer"],
        "reply_address": context["reply_address"],
        "reply_email": context["reply_email"],
    }
    if context["continuing"]:  # only a notice that contemplates a continuing fine says how often
        values["continuing"] = context["continuing"]
    return [
        rule_pack.NOTICE_ELEMENTS[key]
        for key, value in values.items()
        if not value.strip() or _normalised(value) not in text
    ]


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_to_text(html: str) -> str:
    """A plain-text body for the email that carries a letter."""
    text = re.sub(r"(?i)<br\s*/?>", "\n", html)
    text = re.sub(r"(?i)</(p|h1|h2|div|blockquote)>", "\n\n", text)
    text = html_lib.unescape(strip_tags(text))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines()))


def subject(letter: Letter) -> str:
    subjects = REPLACING_SUBJECTS if letter.replaces_id else SUBJECTS
    return subjects[letter.kind].format(
        reference=letter.case.reference, strata=letter.case.strata.name
    )
