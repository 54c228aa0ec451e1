"""The demo's communication: a template, a draft newsletter with a real audience and a
current announcement, made once however often the demo is seeded."""

import pytest

from accounts.models import Strata
from campaigns.models import Campaign, CampaignTemplate
from campaigns.selectors import campaign_audience, current_announcements
from demo import register_data as demo_data
from demo.campaigns import demo_campaigns_create

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_draft_newsletter_and_a_current_announcement_once():
    demo_data.demo_seed(units=20)
    strata = Strata.objects.get(plan_number="BCS2024")

    assert demo_campaigns_create(strata) is True
    assert demo_campaigns_create(strata) is False

    campaign = Campaign.objects.get()
    assert (campaign.status, list(campaign.stratas.all())) == (Campaign.Status.DRAFT, [strata])
    assert campaign_audience(campaign).count > 0
    assert CampaignTemplate.objects.filter(strata=strata).count() == 1
    assert [a.title for a in current_announcements([strata.pk])] == ["Water shut-off on Thursday"]
    assert strata.contact_line
