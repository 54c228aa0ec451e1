"""Response-deadline reminders to the parties of a case who have not answered (DESIGN §6).

A required party who was served the notice, gave an email for notices, and has neither
responded nor asked for a hearing is reminded once, when the deadline is within the strata's
``reminder_lead_days`` (0: on the deadline day only), counted in strata time. Never after the
deadline. The key names the deadline's date, so a deadline that moves (a re-served notice)
earns a new reminder, and reruns send nothing twice.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.strata_time import local_date
from communications.models import EmailKind, OutboundEmail
from communications.services import queue_email
from violations.domain.workflow import SERVED_STATUSES
from violations.models import CaseParty, Hearing, Response


def reminder_key(party: CaseParty, deadline_on: dt.date) -> str:
    return f"violation:{party.case.uuid}:reminder:{party.person.uuid}:{deadline_on.isoformat()}"


def parties_to_remind(*, now: dt.datetime) -> list[CaseParty]:
    """Required parties of open cases whose deadline has not passed, with an email for
    notices, who have not responded or asked for a hearing, and whose reminder is due today
    in their strata's time. Each has ``deadline_on``. One query."""
    rows = (
        CaseParty.objects.filter(
            required=True,
            case__status__in=SERVED_STATUSES,
            case__archived_at__isnull=True,
            case__response_deadline__gt=now,
        )
        .exclude(person__email_for_notices="")
        .exclude(Exists(Response.objects.filter(party=OuterRef("pk"))))
        .exclude(Exists(Hearing.objects.filter(requested_by=OuterRef("pk"))))
        .select_related("case__strata", "case__unit", "person")
        .order_by("case__response_deadline", "case_id", "id")
    )
    due = []
    for party in rows:
        strata = party.case.strata
        party.deadline_on = local_date(strata, party.case.response_deadline)
        lead = dt.timedelta(days=strata.reminder_lead_days)
        if local_date(strata, now) >= party.deadline_on - lead:
            due.append(party)
    return due


def deadline_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Queue the reminders due now; returns how many were queued (none for an address that
    opted out of all mail, none twice)."""
    now = now or timezone.now()
    queued = 0
    for party in parties_to_remind(now=now):
        key = reminder_key(party, party.deadline_on)
        if OutboundEmail.objects.filter(dedup_key=key).exists():
            continue
        case, person, strata = party.case, party.person, party.case.strata
        deadline_on = party.deadline_on
        with transaction.atomic():
            row = queue_email(
                kind=EmailKind.REMINDER,
                to=person.email_for_notices,
                strata=strata,
                person=person,
                template="violations.deadline_reminder",
                context={
                    "recipient_name": person.full_name,
                    "strata_name": strata.name,
                    "case_reference": case.reference,
                    "unit": str(case.unit),
                    "deadline_date": f"{deadline_on:%A}, {deadline_on:%B} {deadline_on.day}, "
                    f"{deadline_on.year}",
                    "reply_email": strata.reply_email,
                    "reply_address": " ".join(strata.postal_address.split()),
                },
                dedup_key=key,
                about=case.uuid,
            )
        queued += row.status == OutboundEmail.Status.QUEUED
    return queued
