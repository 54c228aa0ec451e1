"""The demo's communication: a newsletter template, a draft newsletter to every resident
ready to preview and send, and a current announcement (docs/campaigns.md)."""

import datetime as dt

from django.utils import timezone

from accounts.models import Strata, StrataMembership
from campaigns.models import Announcement, Campaign, CampaignTemplate
from campaigns.services import announcement_save, campaign_save, campaign_template_save

NEWSLETTER = """Dear {{ recipient_name }},

**The pool reopens on Saturday** after its annual maintenance. Hours are 7:00 to 22:00.

- The bike room has ten new racks: ask the caretaker for a tag.
- Council meets on the first Tuesday of the month in the amenity room.

The minutes are on [the strata's page](https://example.com/harbourview).
"""
SHUT_OFF = """Water will be **off on Thursday from 9:00 to 13:00** on floors 1 to 4 while the
risers are replaced. Please keep a jug of water ready."""


def demo_campaigns_create(strata: Strata) -> bool:
    """Once per strata: returns False when the demo's communication is already there."""
    if CampaignTemplate.objects.filter(strata=strata).exists():
        return False
    manager = (
        StrataMembership.objects.filter(strata=strata, role=StrataMembership.Role.MANAGER)
        .select_related("user")
        .first()
        .user
    )
    campaign_template_save(
        template=CampaignTemplate(
            strata=strata,
            name="Monthly newsletter",
            kind=Campaign.Kind.NEWSLETTER,
            subject="{{ strata_name }} news",
            body_markdown=NEWSLETTER,
        ),
        actor=manager,
    )
    campaign_save(
        actor=manager,
        stratas=[strata],
        title="Newsletter (draft)",
        kind=Campaign.Kind.NEWSLETTER,
        subject="{{ strata_name }} news",
        body_markdown=NEWSLETTER,
        audience={"groups": ["all"]},
    )
    now = timezone.now()
    announcement_save(
        actor=manager,
        strata=strata,
        title="Water shut-off on Thursday",
        body_markdown=SHUT_OFF,
        priority=Announcement.Priority.IMPORTANT,
        starts_at=now,
        ends_at=now + dt.timedelta(days=7),
    )
    return True
