"""Sending a campaign (issue 16, items 2-3): one email per eligible unique address, opt-outs
and suppressions honoured, a second click or a crash never sending twice, cancel stopping
what is not yet sent, and queueing in chunks rather than one statement per recipient."""

import datetime as dt
from collections import Counter
from email.utils import parseaddr

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLog
from campaigns import queueing
from campaigns.models import Campaign
from campaigns.queueing import campaign_queue, campaign_tick
from campaigns.selectors import campaign_audience, campaign_progress
from campaigns.services import campaign_cancel, campaign_save, campaign_send
from communications import sending
from communications.decoration import ONE_CLICK
from communications.mail_links import click_url, open_pixel_url, unsubscribe_url
from communications.models import OutboundEmail, Suppression
from properties.models import Occupancy, Person, Unit
from tests import people
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db
Role = Occupancy.Role
EmailStatus = OutboundEmail.Status
SINCE = dt.date(2020, 1, 1)


def _campaign(manager, stratas, *, kind=Campaign.Kind.NEWSLETTER, audience=None, **fields):
    return campaign_save(
        actor=manager,
        stratas=stratas,
        title=fields.pop("title", "October newsletter"),
        kind=kind,
        subject=fields.pop("subject", "News for {{ recipient_name }}"),
        body_markdown=fields.pop(
            "body_markdown", "Dear {{ recipient_name }} of {{ units }},\n\nThe pool reopens."
        ),
        audience=audience or {"groups": ["all"]},
        **fields,
    )


def _delivered(mailoutbox) -> Counter:
    return Counter(parseaddr(address)[1] for message in mailoutbox for address in message.to)


def _rows(campaign):
    return OutboundEmail.objects.filter(about=campaign.uuid)


# --- The issue's strata -----------------------------------------------------------------------


def _issue_register(strata) -> None:
    """500 units. 120 persons share 50 household addresses (units 0-49: an owner, a tenant
    and, in 20 of them, an occupant); 300 residents have their own address (units 50-349);
    one person owns units 350 and 351; the owner and the tenant of unit 352 share an address.
    Households 0 and solo residents 0-9 opted out everywhere; in household 25 one of two did.
    Suppressed: home2 (newsletters, unsubscribed), home3 (all, bounced), solo10 (all,
    complained), solo11 (newsletters, unsubscribed)."""
    units = Unit.objects.bulk_create(
        Unit(strata=strata, unit_number=str(1000 + i), strata_lot_number=i + 1, floor=str(i // 25))
        for i in range(500)
    )
    opted_out = {0, 50, 100, 25} | {120 + k for k in range(10)}
    persons = [
        Person(
            strata=strata,
            full_name=f"Household {j}",
            email=f"home{j % 50}@example.test",
            newsletters=j not in opted_out,
        )
        for j in range(120)
    ] + [
        Person(
            strata=strata,
            full_name=f"Solo {k}",
            email=f"solo{k}@example.test",
            newsletters=120 + k not in opted_out,
        )
        for k in range(300)
    ]
    two_units = Person(strata=strata, full_name="Owner of two", email="two@example.test")
    shared_owner = Person(strata=strata, full_name="Shared Owner", email="shared@example.test")
    shared_tenant = Person(strata=strata, full_name="Shared Tenant", email="Shared@Example.test")
    Person.objects.bulk_create([*persons, two_units, shared_owner, shared_tenant])
    household_roles = {0: Role.OWNER, 1: Role.TENANT, 2: Role.OCCUPANT}
    occupancies = [
        Occupancy(unit=units[j % 50], person=person, role=household_roles[j // 50], starts_on=SINCE)
        for j, person in enumerate(persons[:120])
    ] + [
        Occupancy(unit=units[50 + k], person=person, role=Role.OWNER, starts_on=SINCE)
        for k, person in enumerate(persons[120:])
    ]
    occupancies += [
        Occupancy(unit=units[350], person=two_units, role=Role.OWNER, starts_on=SINCE),
        Occupancy(unit=units[351], person=two_units, role=Role.OWNER, starts_on=SINCE),
        Occupancy(unit=units[352], person=shared_owner, role=Role.OWNER, starts_on=SINCE),
        Occupancy(unit=units[352], person=shared_tenant, role=Role.TENANT, starts_on=SINCE),
    ]
    Occupancy.objects.bulk_create(occupancies)
    Suppression.objects.bulk_create(
        [
            Suppression(address="home2@example.test", reason="unsubscribed", scope="newsletters"),
            Suppression(address="home3@example.test", reason="bounced", scope="all"),
            Suppression(address="solo10@example.test", reason="complained", scope="all"),
            Suppression(address="solo11@example.test", reason="unsubscribed", scope="newsletters"),
        ]
    )


ALL_ADDRESSES = (
    {f"home{h}@example.test" for h in range(50)}
    | {f"solo{k}@example.test" for k in range(300)}
    | {"two@example.test", "shared@example.test"}
)
OPTED_OUT = {"home0@example.test"} | {f"solo{k}@example.test" for k in range(10)}
NEWSLETTER_SUPPRESSED = {"home2@example.test", "solo11@example.test"}
HARD_SUPPRESSED = {"home3@example.test", "solo10@example.test"}


def test_newsletter_to_everyone_makes_one_row_per_eligible_unique_address(
    strata, manager, django_capture_on_commit_callbacks, mailoutbox
):
    _issue_register(strata)
    campaign = _campaign(manager, [strata])
    preview = campaign_audience(campaign)
    assert (preview.count, preview.opted_out, preview.suppressed) == (341, 11, 4)

    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_send(campaign=campaign, actor=manager)

    eligible = ALL_ADDRESSES - OPTED_OUT
    suppressed = NEWSLETTER_SUPPRESSED | HARD_SUPPRESSED
    rows = Counter(_rows(campaign).values_list("to_address", "status"))
    assert set(rows.values()) == {1}
    assert {address for address, _status in rows} == eligible
    assert {address for address, status in rows if status == EmailStatus.SUPPRESSED} == (suppressed)
    assert {address for address, status in rows if status == EmailStatus.SENT} == (
        eligible - suppressed
    )
    assert _delivered(mailoutbox) == Counter(eligible - suppressed)
    # The address of an opted-out and an opted-in person of household 25 gets one email.
    assert _delivered(mailoutbox)["home25@example.test"] == 1
    assert campaign.recipients.get(address="two@example.test").units == "1350, 1351"
    shared = campaign.recipients.get(address="shared@example.test")
    assert (shared.name, shared.units) == ("Shared Owner and Shared Tenant", "1352")

    progress = campaign_progress(campaign)
    assert progress.as_dict() == {
        "total": 341,
        "sent": 337,
        "failed": 0,
        "suppressed": 4,
        "cancelled": 0,
        "remaining": 0,
        "done": 341,
        "percent": 100,
    }
    assert campaign.recipients.count() == _rows(campaign).count() == progress.total
    assert campaign.recipients.filter(email__isnull=True).exists() is False

    assert campaign_tick()["finished"] == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_emergency_reaches_opted_out_and_unsubscribed_but_not_bounced_or_complained(
    strata, manager, django_capture_on_commit_callbacks, mailoutbox
):
    _issue_register(strata)
    campaign = _campaign(
        manager,
        [strata],
        kind=Campaign.Kind.EMERGENCY,
        subject="Water shut off today",
        body_markdown="The water is off until 18:00.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_send(campaign=campaign, actor=manager)

    rows = Counter(_rows(campaign).values_list("to_address", "status"))
    assert set(rows.values()) == {1}
    assert {address for address, _status in rows} == ALL_ADDRESSES
    assert {address for address, status in rows if status == EmailStatus.SUPPRESSED} == (
        HARD_SUPPRESSED
    )
    assert _delivered(mailoutbox) == Counter(ALL_ADDRESSES - HARD_SUPPRESSED)
    progress = campaign_progress(campaign)
    assert (progress.total, progress.sent, progress.suppressed, progress.remaining) == (
        352,
        350,
        2,
        0,
    )
    opted_out = _rows(campaign).get(to_address="solo0@example.test")
    why = "including those who chose not to receive newsletters"
    assert why in opted_out.body_text
    assert why in opted_out.body_html
    assert "on the register of Harbour View (unit 1050)" in opted_out.body_text


# --- Sending safely ---------------------------------------------------------------------------


@pytest.fixture
def residents(strata):
    """Five residents of five units, each with their own address."""
    found = []
    for number in range(1, 6):
        person = PersonFactory(
            strata=strata, full_name=f"Resident {number}", email=f"r{number}@example.test"
        )
        OccupancyFactory(unit=UnitFactory(strata=strata, unit_number=f"{number}01"), person=person)
        found.append(person)
    return found


ADDRESSES = {f"r{number}@example.test" for number in range(1, 6)}


def test_a_double_click_sends_once(
    strata, manager, residents, django_capture_on_commit_callbacks, mailoutbox
):
    campaign = _campaign(manager, [strata])

    with django_capture_on_commit_callbacks(execute=True):
        first = campaign_send(campaign=campaign, actor=manager)
        second = campaign_send(campaign=campaign, actor=manager)
    third = campaign_send(campaign=campaign, actor=manager)

    assert (first, second, third) == (True, False, False)
    assert _delivered(mailoutbox) == Counter(ADDRESSES)
    assert _rows(campaign).count() == 5
    assert (
        AuditLog.objects.filter(action="campaign.started", target_uuid=campaign.uuid).count() == 1
    )


def test_cancel_stops_queued_emails_and_no_worker_claims_them(strata, manager, residents):
    campaign = _campaign(manager, [strata])
    campaign_send(campaign=campaign, actor=manager)  # its on-commit task never runs here
    assert campaign_queue(campaign=campaign) == 5  # queued; the send tasks never run here

    assert campaign_cancel(campaign=campaign, actor=manager) == 5

    assert set(_rows(campaign).values_list("status", flat=True)) == {EmailStatus.CANCELLED}
    assert sending.claim(limit=100) == []
    progress = campaign_progress(campaign)
    assert (progress.total, progress.cancelled, progress.remaining, progress.sent) == (5, 5, 0, 0)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CANCELLED
    assert campaign_queue(campaign=campaign) == 0
    assert campaign_tick()["finished"] == []
    assert set(_rows(campaign).values_list("status", flat=True)) == {EmailStatus.CANCELLED}


def test_cancel_stops_emails_a_worker_claimed_but_has_not_started(
    strata, manager, residents, mailoutbox
):
    campaign = _campaign(manager, [strata])
    campaign_send(campaign=campaign, actor=manager)
    campaign_queue(campaign=campaign)
    claimed = sending.claim(limit=100)
    assert len(claimed) == 5

    assert campaign_cancel(campaign=campaign, actor=manager) == 5
    result = sending.send_batch(claimed)

    assert (result.sent, mailoutbox) == (0, [])
    assert set(_rows(campaign).values_list("status", flat=True)) == {EmailStatus.CANCELLED}


def test_cancel_before_queueing_counts_every_recipient_cancelled(strata, manager, residents):
    campaign = _campaign(manager, [strata])
    campaign_send(campaign=campaign, actor=manager)  # frozen; queueing never ran

    assert campaign_cancel(campaign=campaign, actor=manager) == 0

    assert campaign_queue(campaign=campaign) == 0
    assert not _rows(campaign).exists()
    campaign.refresh_from_db()
    progress = campaign_progress(campaign)
    assert (progress.total, progress.cancelled, progress.remaining, progress.percent) == (
        5,
        5,
        0,
        100,
    )


def test_a_crash_after_freezing_is_resumed_by_the_tick_without_duplicates(
    strata, manager, residents, django_capture_on_commit_callbacks, mailoutbox
):
    campaign = _campaign(manager, [strata])
    campaign_send(campaign=campaign, actor=manager)  # the queueing task is lost
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert not _rows(campaign).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_tick() == {
            "started": [],
            "refused": [],
            "resumed": [campaign.pk],
            "finished": [],
        }
    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_tick() == {
            "started": [],
            "refused": [],
            "resumed": [],
            "finished": [campaign.pk],
        }

    assert _delivered(mailoutbox) == Counter(ADDRESSES)
    assert _rows(campaign).count() == 5
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_crash_half_way_through_queueing_resumes_exactly(
    strata, manager, residents, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    campaign = _campaign(manager, [strata])
    campaign_send(campaign=campaign, actor=manager)
    real_queue_bulk, calls = queueing.queue_bulk, []

    def killed_on_second_chunk(emails, **options):
        calls.append(options["chunk"])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_queue_bulk(emails, **options)

    monkeypatch.setattr(queueing, "queue_bulk", killed_on_second_chunk)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        campaign_queue(campaign=campaign, chunk=2)
    first_chunk = dict(_rows(campaign).values_list("to_address", "pk"))
    assert len(first_chunk) == 2
    assert len(mailoutbox) == 2
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_tick()["resumed"] == [campaign.pk]

    assert _delivered(mailoutbox) == Counter(ADDRESSES)
    assert _rows(campaign).count() == 5
    assert (
        dict(_rows(campaign).filter(pk__in=first_chunk.values()).values_list("to_address", "pk"))
        == first_chunk
    )
    assert campaign.recipients.filter(email__isnull=True).exists() is False
    assert campaign_progress(campaign).sent == 5


def test_a_scheduled_campaign_starts_on_the_tick_once_its_time_has_come(
    strata, manager, residents, django_capture_on_commit_callbacks, mailoutbox
):
    campaign = _campaign(manager, [strata])
    at = timezone.now() + dt.timedelta(hours=2)

    assert campaign_send(campaign=campaign, actor=manager, at=at)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.scheduled_for) == (Campaign.Status.SCHEDULED, at)

    with django_capture_on_commit_callbacks(execute=True):
        early = campaign_tick(now=at - dt.timedelta(minutes=1))
    assert early == {"started": [], "refused": [], "resumed": [], "finished": []}
    assert not campaign.recipients.exists()
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        due = campaign_tick(now=at + dt.timedelta(minutes=1))
    assert due["started"] == [campaign.pk]
    assert _delivered(mailoutbox) == Counter(ADDRESSES)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.sent_by == manager
    assert not campaign_send(campaign=campaign, actor=manager)


def test_the_tick_marks_a_campaign_sent_only_when_nothing_remains(
    strata, manager, residents, django_capture_on_commit_callbacks
):
    campaign = _campaign(manager, [strata])
    campaign_send(campaign=campaign, actor=manager)
    campaign_queue(campaign=campaign)  # queued, not yet sent

    assert campaign_tick()["finished"] == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign_progress(campaign).remaining == 5

    with django_capture_on_commit_callbacks(execute=True):
        sending_ids = list(_rows(campaign).values_list("pk", flat=True))
        sending.send_batch(sending.claim(ids=sending_ids, limit=10))
    now = timezone.now()
    assert campaign_tick(now=now)["finished"] == [campaign.pk]
    campaign.refresh_from_db()
    assert (campaign.status, campaign.finished_at) == (Campaign.Status.SENT, now)


def test_a_campaign_that_started_sending_cannot_be_changed(strata, manager, residents):
    campaign = _campaign(manager, [strata])
    campaign_send(campaign=campaign, actor=manager)  # ``campaign`` is now a stale copy

    with pytest.raises(ValidationError):
        _campaign(manager, [strata], subject="Changed", campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.subject == "News for {{ recipient_name }}"


# --- What each email carries ------------------------------------------------------------------


def test_outbox_rows_carry_unsubscribe_headers_footer_tracking_and_a_plain_text_part(
    strata, manager, residents
):
    campaign = _campaign(
        manager,
        [strata],
        body_markdown="Dear {{ recipient_name }},\n\nRead **the agenda**: [AGM](https://example.test/agm)",
    )
    campaign_send(campaign=campaign, actor=manager)
    campaign_queue(campaign=campaign)

    row = _rows(campaign).get(to_address="r1@example.test")
    assert row.kind == "campaign"
    assert row.dedup_key == queueing.outbox_key(campaign, "r1@example.test")
    assert row.dedup_key.startswith(f"campaign:{campaign.uuid}:")
    assert row.headers == {
        "List-Unsubscribe": f"<{unsubscribe_url(row.uuid)}>",
        "List-Unsubscribe-Post": ONE_CLICK,
    }
    assert f'href="{click_url(row.uuid, "https://example.test/agm")}"' in row.body_html
    assert 'href="https://example.test/agm"' not in row.body_html
    assert f'<img src="{open_pixel_url(row.uuid)}"' in row.body_html
    assert "c/o Manager, PO Box 1, Vancouver BC V6B 1A1" in row.body_html
    assert f'href="{unsubscribe_url(row.uuid)}"' in row.body_html
    assert row.body_text == (
        "Dear Resident 1,\n\nRead **the agenda**: [AGM](https://example.test/agm)\n\n"
        "You receive this because you are on the register of Harbour View (unit 101).\n"
        "\n-- \nHarbour View\nc/o Manager, PO Box 1, Vancouver BC V6B 1A1\n"
        f"Unsubscribe from newsletters: {unsubscribe_url(row.uuid)}\n"
    )
    assert "<" not in row.body_text


def test_placeholders_are_filled_per_recipient_and_escaped_in_html(strata, manager, residents):
    residents[0].full_name = "<b>x</b>"
    residents[0].save(update_fields=["full_name"])
    campaign = _campaign(manager, [strata], body_markdown="Dear **{{ recipient_name }}**")
    campaign_send(campaign=campaign, actor=manager)
    campaign_queue(campaign=campaign)

    tricky = _rows(campaign).get(to_address="r1@example.test")
    plain = _rows(campaign).get(to_address="r2@example.test")
    assert tricky.subject == "News for <b>x</b>"
    assert "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in tricky.body_html
    assert "<b>x</b>" not in tricky.body_html
    assert tricky.body_text.startswith("Dear **<b>x</b>**\n")
    assert plain.subject == "News for Resident 2"
    assert "<strong>Resident 2</strong>" in plain.body_html


def test_a_strata_without_a_postal_address_refuses_to_send(strata, manager, residents):
    strata.postal_address = "  "
    strata.save(update_fields=["postal_address"])
    campaign = _campaign(manager, [strata])

    with pytest.raises(ValidationError) as caught:
        campaign_send(campaign=campaign, actor=manager)

    assert "Harbour View has no postal address" in caught.value.messages[0]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not campaign.recipients.exists()
    assert not _rows(campaign).exists()
    assert not AuditLog.objects.filter(action="campaign.started").exists()


# --- Statements, not one per row --------------------------------------------------------------


def _strata_of(size: int):
    strata = people.cedar_grove() if size < 100 else people.harbour_view()
    manager = people.member(strata, "manager", f"manager-{size}@example.test")
    units = Unit.objects.bulk_create(
        Unit(strata=strata, unit_number=str(i), strata_lot_number=i + 1) for i in range(size)
    )
    persons = Person.objects.bulk_create(
        Person(strata=strata, full_name=f"R {i}", email=f"r{i}-{size}@example.test")
        for i in range(size)
    )
    Occupancy.objects.bulk_create(
        Occupancy(unit=unit, person=person, role=Role.OWNER, starts_on=SINCE)
        for unit, person in zip(units, persons, strict=True)
    )
    Suppression.objects.create(address=f"r0-{size}@example.test", reason="bounced", scope="all")
    return strata, manager


def _statements_to_send(strata, manager) -> int:
    campaign = _campaign(manager, [strata])
    with CaptureQueriesContext(connection) as queries:
        campaign_send(campaign=campaign, actor=manager)
        campaign_queue(campaign=campaign)
    assert _rows(campaign).count() == campaign.recipients.count()
    return len(queries)


def test_sending_500_takes_about_the_statements_of_50(db):
    small = _statements_to_send(*_strata_of(50))
    large = _statements_to_send(*_strata_of(500))

    # 26 and 26 when written (SQLite): a chunk is a few statements, not one per recipient.
    assert large <= small + 2
    assert large <= 30


def test_a_scheduled_campaign_whose_strata_lost_its_postal_address_goes_back_to_draft(
    strata, manager, residents, django_capture_on_commit_callbacks, mailoutbox
):
    campaign = _campaign(manager, [strata])
    at = timezone.now() + dt.timedelta(hours=1)
    assert campaign_send(campaign=campaign, actor=manager, at=at)
    strata.postal_address = ""
    strata.save()

    with django_capture_on_commit_callbacks(execute=True):
        done = campaign_tick(now=at + dt.timedelta(minutes=1))

    campaign.refresh_from_db()
    assert done["refused"] == [campaign.pk]
    assert (campaign.status, campaign.scheduled_for) == (Campaign.Status.DRAFT, None)
    assert not campaign.recipients.exists()
    assert mailoutbox == []
    assert AuditLog.objects.filter(action="campaign.schedule_refused").exists()


def test_the_longest_address_still_gets_its_one_email(
    strata, manager, django_capture_on_commit_callbacks, mailoutbox
):
    address = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 56}.test"
    assert len(address) == 254
    campaign = _campaign(manager, [strata], audience={"addresses": [address]})

    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_send(campaign=campaign, actor=manager)

    row = _rows(campaign).get()
    assert (row.to_address, row.status, len(row.dedup_key) <= 255) == (address, "sent", True)
    assert campaign.recipients.get().email_id == row.pk
    assert _delivered(mailoutbox) == Counter({address: 1})
