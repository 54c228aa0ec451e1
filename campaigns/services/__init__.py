"""Writes of campaigns and announcements, one transaction each (docs/campaigns.md)."""

from campaigns.services.announcements import (
    announcement_end,
    announcement_save,
    announcement_send_as_campaign,
)
from campaigns.services.campaigns import (
    campaign_cancel,
    campaign_report_exported,
    campaign_save,
    campaign_send,
    campaign_test_send,
)
from campaigns.services.templates import campaign_template_save

__all__ = [
    "announcement_end",
    "announcement_save",
    "announcement_send_as_campaign",
    "campaign_cancel",
    "campaign_report_exported",
    "campaign_save",
    "campaign_send",
    "campaign_template_save",
    "campaign_test_send",
]
