"""Reads of campaigns and announcements: who a campaign reaches, how far its sending got,
what came back, and which campaigns and announcements a user may see."""

import dataclasses
from collections import Counter, defaultdict

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Strata
from accounts.permissions import Right, strata_ids_with
from accounts.selectors import stratas_visible_to
from campaigns.audience import Audience, parse_audience
from campaigns.models import Announcement, Campaign, CampaignRecipient
from communications.models import OutboundEmail, Suppression, TrackingEvent
from properties.models import Occupancy, Person
from properties.selectors import current_occupancies

Status = OutboundEmail.Status
Role = Occupancy.Role
_RESIDENT_ROLES = (Role.OWNER, Role.TENANT, Role.OCCUPANT)


# --- Who may see what -----------------------------------------------------------------------


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns all of whose stratas the user may send campaigns for: a manager of strata A
    never sees a campaign that also went to strata B unless they manage B too."""
    ids = strata_ids_with(user, Right.SEND_CAMPAIGNS)
    campaigns = Campaign.objects.all()
    if ids is None:
        return campaigns
    foreign = Campaign.stratas.through.objects.exclude(strata_id__in=ids).values("campaign_id")
    return campaigns.filter(stratas__in=ids).exclude(pk__in=foreign).distinct()


def announcements_visible_to_staff(user) -> QuerySet[Announcement]:
    ids = strata_ids_with(user, Right.POST_ANNOUNCEMENTS)
    announcements = Announcement.objects.select_related("strata")
    return announcements if ids is None else announcements.filter(strata_id__in=ids)


def current_announcements(strata_ids, *, now=None) -> QuerySet[Announcement]:
    """Announcements of these stratas shown now, the most urgent and newest first."""
    now = now or timezone.now()
    return (
        Announcement.objects.filter(strata_id__in=strata_ids, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("strata")
        .order_by(_priority_order(), "-starts_at")
    )


def _priority_order() -> Case:
    return Case(
        When(priority=Announcement.Priority.URGENT, then=Value(0)),
        When(priority=Announcement.Priority.IMPORTANT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def announcements_shown_to(user, *, as_staff: bool) -> QuerySet[Announcement]:
    """The current announcements of the stratas where ``user`` is on the register, and, when
    they act as staff (not a link's resident-only session), of the stratas they work in."""
    stratas = Q(pk__in=resident_strata_ids(user))
    if as_staff:
        stratas |= Q(pk__in=stratas_visible_to(user).values("pk"))
    return current_announcements(Strata.objects.filter(stratas).values("pk"))


def resident_strata_ids(user) -> set[int]:
    """The stratas where this resident login is a current person of the register."""
    return set(
        Person.objects.filter(user=user, archived_at__isnull=True).values_list(
            "strata_id", flat=True
        )
    )


# --- The audience -----------------------------------------------------------------------------


@dataclasses.dataclass
class Recipient:
    """One unique address and the persons behind it."""

    address: str
    strata: Strata
    names: list[str] = dataclasses.field(default_factory=list)
    person_uuids: list[str] = dataclasses.field(default_factory=list)
    person_id: int | None = None
    units: list[str] = dataclasses.field(default_factory=list)
    wants_newsletters: bool = False
    typed: bool = False

    @property
    def name(self) -> str:
        return _(" and ").join(self.names[:3]) if self.names else ""

    @property
    def units_label(self) -> str:
        return ", ".join(sorted(set(self.units), key=_natural))


@dataclasses.dataclass
class AudiencePreview:
    recipients: list[Recipient]
    opted_out: int
    suppressed: int
    without_address: int

    @property
    def count(self) -> int:
        return len(self.recipients)


def audience_recipients(*, stratas, audience: Audience, kind: str) -> AudiencePreview:
    """Evaluate the rule against today's register: one ``Recipient`` per unique address.

    A person counts through any current owner, tenant or occupant role (or by being chosen);
    the address is their email, else the one they gave for notices. An address is left out
    when none of its persons wants newsletters, unless the campaign is an emergency.
    ``suppressed`` counts those the outbox will not send to (they still get a row there).
    """
    stratas = sorted(stratas, key=lambda strata: strata.pk)
    by_id = {strata.pk: strata for strata in stratas}
    found: dict[str, Recipient] = {}
    without_address: set[int] = set()
    rows = _occupancy_rows(by_id, audience) + _chosen_person_rows(by_id, audience)
    rows.sort(key=lambda row: (row["person__strata_id"], row["person_id"]))
    for row in rows:
        address = (row["person__email"] or row["person__email_for_notices"]).strip().lower()
        if not address:
            without_address.add(row["person_id"])
            continue
        recipient = found.get(address)
        if recipient is None:
            recipient = found[address] = Recipient(
                address=address,
                strata=by_id[row["person__strata_id"]],
                person_id=row["person_id"],
            )
        person_uuid = str(row["person__uuid"])
        if person_uuid not in recipient.person_uuids:
            recipient.person_uuids.append(person_uuid)
        if row["person__full_name"] not in recipient.names:  # one person in two stratas
            recipient.names.append(row["person__full_name"])
        if row.get("unit__unit_number"):
            recipient.units.append(row["unit__unit_number"])
        # The person's own choice, and the register's flag on the role it came through.
        recipient.wants_newsletters |= row["person__newsletters"] and row.get(
            "receives_newsletters", True
        )
    for address in audience.addresses:
        if address not in found:
            found[address] = Recipient(
                address=address, strata=stratas[0], wants_newsletters=True, typed=True
            )
    everyone = list(found.values())
    if kind == Campaign.Kind.EMERGENCY:
        chosen = everyone
    else:
        chosen = [recipient for recipient in everyone if recipient.wants_newsletters]
    suppressed = _suppressed_count([recipient.address for recipient in chosen], kind)
    return AudiencePreview(
        recipients=chosen,
        opted_out=len(everyone) - len(chosen),
        suppressed=suppressed,
        without_address=len(without_address),
    )


def campaign_audience(campaign: Campaign) -> AudiencePreview:
    return audience_recipients(
        stratas=list(campaign.stratas.all()),
        audience=parse_audience(campaign.audience),
        kind=campaign.kind,
    )


_ROW_FIELDS = (
    "person_id",
    "person__uuid",
    "person__strata_id",
    "person__full_name",
    "person__email",
    "person__email_for_notices",
    "person__newsletters",
)


def _occupancy_rows(by_id: dict, audience: Audience) -> list[dict]:
    rule = Q()
    if "all" in audience.groups:
        rule |= Q(role__in=_RESIDENT_ROLES)
    if "owners" in audience.groups:
        rule |= Q(role=Role.OWNER)
    if "tenants" in audience.groups:
        rule |= Q(role=Role.TENANT)
    if audience.units:
        rule |= Q(unit__uuid__in=audience.units, role__in=_RESIDENT_ROLES)
    if audience.floors:
        rule |= Q(unit__floor__in=audience.floors, role__in=_RESIDENT_ROLES)
    if not rule:
        return []
    return list(
        current_occupancies()
        .filter(rule, unit__strata_id__in=by_id, person__archived_at__isnull=True)
        .values(*_ROW_FIELDS, "unit__unit_number", "receives_newsletters")
    )


def _chosen_person_rows(by_id: dict, audience: Audience) -> list[dict]:
    """Persons chosen by uuid, and persons whose address was typed: a typed address a person
    of these stratas holds is that person, with their choice about newsletters."""
    chosen = Q(uuid__in=audience.persons) if audience.persons else Q()
    if audience.addresses:
        chosen |= Q(email_lower__in=audience.addresses) | Q(
            email="", notices_lower__in=audience.addresses
        )
    if not chosen:
        return []
    persons = Person.objects.annotate(
        email_lower=Lower("email"), notices_lower=Lower("email_for_notices")
    ).filter(chosen, strata_id__in=by_id, archived_at__isnull=True)
    return [
        {
            "person_id": person.pk,
            "person__uuid": person.uuid,
            "person__strata_id": person.strata_id,
            "person__full_name": person.full_name,
            "person__email": person.email,
            "person__email_for_notices": person.email_for_notices,
            "person__newsletters": person.newsletters,
        }
        for person in persons
    ]


def _suppressed_count(addresses: list[str], kind: str) -> int:
    suppressions = Suppression.objects.filter(address__in=addresses)
    if kind == Campaign.Kind.EMERGENCY:
        suppressions = suppressions.filter(
            reason__in=[Suppression.Reason.BOUNCED, Suppression.Reason.COMPLAINED]
        )
    return suppressions.values("address").distinct().count()


def _natural(label: str):
    return (len(label), label)


# --- Progress and the report ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    suppressed: int
    cancelled: int
    remaining: int

    @property
    def done(self) -> int:
        return self.total - self.remaining

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else (100 * self.done) // self.total

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "done": self.done, "percent": self.percent}


def campaign_progress(campaign: Campaign) -> Progress:
    """Counted from the outbox rows (two queries): a recipient not yet queued is remaining."""
    return campaigns_progress([campaign])[campaign.pk]


def campaigns_progress(campaigns) -> dict[int, Progress]:
    """Each campaign's progress by its id, in two queries however many campaigns."""
    totals = Counter(
        dict(
            CampaignRecipient.objects.filter(campaign__in=campaigns)
            .values_list("campaign_id")
            .annotate(n=Count("pk"))
        )
    )
    statuses: dict = {campaign.uuid: Counter() for campaign in campaigns}
    rows = (
        OutboundEmail.objects.filter(about__in=list(statuses))
        .values_list("about", "status")
        .annotate(n=Count("pk"))
    )
    for about, status, count in rows:
        statuses[about][status] = count
    return {
        campaign.pk: _progress(campaign, totals[campaign.pk], statuses[campaign.uuid])
        for campaign in campaigns
    }


def _progress(campaign: Campaign, total: int, by_status: Counter) -> Progress:
    sent = by_status[Status.SENT]
    failed = by_status[Status.FAILED] + by_status[Status.UNKNOWN]
    suppressed = by_status[Status.SUPPRESSED] + by_status[Status.DUPLICATE]
    cancelled = by_status[Status.CANCELLED]
    if campaign.status == Campaign.Status.CANCELLED:
        # Recipients not queued when it was cancelled never will be: they are cancelled too.
        cancelled += max(0, total - sum(by_status.values()))
    return Progress(
        total=total,
        sent=sent,
        failed=failed,
        suppressed=suppressed,
        cancelled=cancelled,
        remaining=max(0, total - sent - failed - suppressed - cancelled),
    )


@dataclasses.dataclass(frozen=True)
class Report:
    progress: Progress
    opens: int
    clickers: int
    clicks_by_link: list[tuple[str, int]]


def campaign_report(campaign: Campaign) -> Report:
    """Totals of a campaign: opens are approximate (mail privacy proxies open everything)."""
    events = TrackingEvent.objects.filter(email__about=campaign.uuid)
    opens = events.filter(kind=TrackingEvent.Kind.OPEN).values("email_id").distinct().count()
    clicks = events.filter(kind=TrackingEvent.Kind.CLICK)
    clickers = clicks.values("email_id").distinct().count()
    by_link = list(
        clicks.values_list("url").annotate(n=Count("email_id", distinct=True)).order_by("-n", "url")
    )
    return Report(campaign_progress(campaign), opens, clickers, by_link)


def campaign_recipient_rows(campaign: Campaign) -> list[CampaignRecipient]:
    """Per-recipient rows with their email's status and what came back, in three queries."""
    events = TrackingEvent.objects.filter(email__about=campaign.uuid)
    opened = set(events.filter(kind=TrackingEvent.Kind.OPEN).values_list("email_id", flat=True))
    clicks = defaultdict(int)
    for email_id in events.filter(kind=TrackingEvent.Kind.CLICK).values_list("email_id", flat=True):
        clicks[email_id] += 1
    rows = list(campaign.recipients.select_related("email", "strata").order_by("address"))
    for row in rows:
        row.opened = row.email_id in opened
        row.clicks = clicks.get(row.email_id, 0)
    return rows
