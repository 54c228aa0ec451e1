"""Who may compose, send, cancel and test a campaign (Right.SEND_CAMPAIGNS: managers), and
who sees which campaigns: a campaign to several stratas belongs to the managers of all."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditLog, StrataMembership
from campaigns.models import Campaign, CampaignTemplate
from campaigns.selectors import campaigns_visible_to
from campaigns.services import campaign_cancel, campaign_save, campaign_send, campaign_test_send
from communications.models import OutboundEmail
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _save(actor, stratas, **fields):
    return campaign_save(
        actor=actor,
        stratas=stratas,
        title=fields.pop("title", "Newsletter"),
        kind=Campaign.Kind.NEWSLETTER,
        subject="News",
        body_markdown="Hello {{ recipient_name }}",
        audience={"groups": ["all"]},
        **fields,
    )


@pytest.fixture
def campaign(strata, manager, owner):
    return _save(manager, [strata])


def _assert_untouched(campaign):
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.title == "Newsletter"
    assert list(campaign.stratas.all()) == list(Campaign.objects.get().stratas.all())
    assert not campaign.recipients.exists()
    assert not OutboundEmail.objects.exists()
    assert list(
        AuditLog.objects.filter(target_uuid=campaign.uuid).values_list("action", flat=True)
    ) == ["campaign.created"]


@pytest.fixture(params=["council_member", "caretaker", "other_manager"])
def outsider(request):
    return request.getfixturevalue(request.param)


def test_only_managers_of_the_strata_can_compose_a_campaign(strata, outsider):
    with pytest.raises(PermissionDenied):
        _save(outsider, [strata])

    assert not Campaign.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="campaign.").exists()


def test_others_cannot_change_a_campaign(strata, campaign, outsider):
    with pytest.raises(PermissionDenied):
        _save(outsider, [strata], title="Changed", campaign=campaign)

    _assert_untouched(campaign)


def test_others_cannot_send_or_schedule_a_campaign(campaign, outsider):
    with pytest.raises(PermissionDenied):
        campaign_send(campaign=campaign, actor=outsider)

    _assert_untouched(campaign)


def test_others_cannot_cancel_a_campaign(campaign, outsider):
    with pytest.raises(PermissionDenied):
        campaign_cancel(campaign=campaign, actor=outsider)

    _assert_untouched(campaign)


def test_others_cannot_test_send_a_campaign(campaign, outsider):
    with pytest.raises(PermissionDenied):
        campaign_test_send(campaign=campaign, actor=outsider)

    _assert_untouched(campaign)


def test_the_manager_can_test_send_to_their_own_address(campaign, manager):
    email = campaign_test_send(campaign=campaign, actor=manager)

    assert email.to_address == "manager@example.test"
    assert email.subject == "[Test] News"
    assert not campaign.recipients.exists()


def test_a_manager_of_one_strata_cannot_add_another(strata, other_strata, manager, campaign):
    with pytest.raises(PermissionDenied):
        _save(manager, [strata, other_strata], title="Both")
    with pytest.raises(PermissionDenied):
        _save(manager, [strata, other_strata], title="Changed", campaign=campaign)

    assert Campaign.objects.get() == campaign
    _assert_untouched(campaign)
    assert list(campaign.stratas.all()) == [strata]


def test_a_manager_of_one_strata_cannot_touch_a_campaign_of_both(
    strata, other_strata, manager, superuser
):
    both = _save(superuser, [strata, other_strata], title="Both")

    for action in (campaign_send, campaign_cancel, campaign_test_send):
        with pytest.raises(PermissionDenied):
            action(campaign=both, actor=manager)
    with pytest.raises(PermissionDenied):
        _save(manager, [strata], title="Mine now", campaign=both)

    both.refresh_from_db()
    assert (both.status, both.title) == (Campaign.Status.DRAFT, "Both")
    assert set(both.stratas.all()) == {strata, other_strata}


def test_a_template_of_another_strata_is_refused(strata, other_strata, manager):
    template = CampaignTemplate.objects.create(
        strata=other_strata, name="Theirs", subject="S", body_markdown="B"
    )

    with pytest.raises(ValidationError):
        _save(manager, [strata], template=template)

    assert not Campaign.objects.exists()


def test_campaigns_visible_to_needs_the_right_in_every_strata_of_the_campaign(
    strata, other_strata, manager, other_manager, council_member, superuser
):
    mine = _save(manager, [strata], title="A only")
    theirs = _save(other_manager, [other_strata], title="B only")
    both = _save(superuser, [strata, other_strata], title="A and B")
    manager_of_both = MembershipFactory(strata=strata, role=StrataMembership.Role.MANAGER).user
    MembershipFactory(strata=other_strata, role=StrataMembership.Role.MANAGER, user=manager_of_both)

    assert list(campaigns_visible_to(manager)) == [mine]
    assert list(campaigns_visible_to(other_manager)) == [theirs]
    assert set(campaigns_visible_to(manager_of_both)) == {mine, theirs, both}
    assert campaigns_visible_to(manager_of_both).count() == 3  # no duplicates from the join
    assert set(campaigns_visible_to(superuser)) == {mine, theirs, both}
    assert not campaigns_visible_to(council_member).exists()
