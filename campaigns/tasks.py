"""Celery tasks of campaigns: each calls one service."""

from celery import shared_task

from campaigns.models import Campaign
from campaigns.queueing import campaign_queue, campaign_tick


@shared_task(ignore_result=True)
def queue_campaign_task(campaign_id: int) -> int:
    """Queue a started campaign's recipients in the outbox (safe to run twice)."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return 0 if campaign is None else campaign_queue(campaign=campaign)


@shared_task(ignore_result=True)
def campaign_tick_task() -> dict:
    """Every minute: start due scheduled campaigns, resume stalled ones, finish sent ones."""
    return campaign_tick()
