"""The daily digest: one email a day to each staff member with work waiting (DESIGN §6).

Beat runs ``digests_send`` every hour; a staff member gets the day's digest on the first run
after ``DIGEST_LOCAL_HOUR`` (07:00) in their own time, and never a second one that day: the
dedup key names the user and their local date, so reruns, overlapping runs and the catch-up
command queue nothing twice. Users have no time zone field; their day is their stratas' day
(``selectors.digests.staff_zone``). Overdue hearings and decisions head each strata's section
rather than arriving as separate alerts, so the people who can act (managers and council)
read one email a day.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from communications.models import EmailKind, OutboundEmail
from communications.services import queue_email
from violations.selectors.digests import (
    digest_item_count,
    digest_items_for,
    staff_memberships,
    staff_zone,
)


def digest_key(user: User, day: dt.date) -> str:
    return f"digest:{user.uuid}:{day.isoformat()}"


def digest_recipients() -> list[User]:
    """Active users with a membership that may still be current somewhere today."""
    yesterday = timezone.now().date() - dt.timedelta(days=1)
    return list(
        User.objects.filter(
            Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gte=yesterday),
            memberships__ended_at__isnull=True,
            is_active=True,
            memberships__strata__archived_at__isnull=True,
        )
        .distinct()
        .order_by("email")
    )


def digests_send(*, now: dt.datetime | None = None, on: dt.date | None = None) -> int:
    """Queue today's digest for every staff member whose local time has reached
    ``DIGEST_LOCAL_HOUR`` and who has something waiting. ``on`` names the day instead (the
    catch-up command), whatever the hour. Returns the number of digests queued."""
    now = now or timezone.now()
    queued = 0
    for user in digest_recipients():
        memberships = staff_memberships(user)
        local = now.astimezone(staff_zone(memberships))
        if on is None and local.hour < settings.DIGEST_LOCAL_HOUR:
            continue
        day = on or local.date()
        if OutboundEmail.objects.filter(dedup_key=digest_key(user, day)).exists():
            continue
        sections = digest_items_for(user, today=day, now=now)
        if sections:
            queued += digest_queue(user=user, day=day, local=local, sections=sections)
    return queued


def digest_queue(*, user: User, day: dt.date, local: dt.datetime, sections: list[dict]) -> int:
    """Render and queue one digest. Returns 1 if it is queued to send (0: the address is
    suppressed)."""
    for section in sections:
        for case in (
            *section["approvals"],
            *section["responses"],
            *section["unanswered"],
            *section["unserved"],
        ):
            case.url = _case_url(case)
        for case in section["overdue_decisions"]:
            case.url = _case_url(case)
        for hearing in (*section["overdue_hearings"], *section["hearings"]):
            hearing.case.url = _case_url(hearing.case)
        for proposal in section["fines"]:
            proposal.case.url = _case_url(proposal.case)
    count = sum(digest_item_count(section) for section in sections)
    day_label = f"{day:%A}, {day:%B} {day.day}, {day.year}"
    context = {
        "recipient_name": user.get_short_name(),
        "day_label": day_label,
        "as_of": f"{local:%H:%M} {local.tzname()}",
        "sections": sections,
        "print_queue_url": _absolute(reverse("admin:violations_letterdelivery_changelist")),
        "awaiting_council_url": _absolute(reverse("admin:cases_awaiting_council")),
    }
    subject = ngettext(
        "StrataTracker digest for %(day)s: %(count)d item",
        "StrataTracker digest for %(day)s: %(count)d items",
        count,
    ) % {"day": day_label, "count": count}
    with transaction.atomic():
        row = queue_email(
            kind=EmailKind.DIGEST,
            to=user.email,
            to_name=user.full_name,
            subject=subject,
            body_text=render_to_string("violations/digest/email.txt", context),
            body_html=render_to_string("violations/digest/email.html", context),
            dedup_key=digest_key(user, day),
            about=user.uuid,
        )
    return int(row.status == OutboundEmail.Status.QUEUED)


def _case_url(case) -> str:
    return _absolute(reverse("admin:violations_violation_change", args=[case.pk]))


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
