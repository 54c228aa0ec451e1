"""Beat's schedule: every job the product runs on its own (docs/operations.md, "Scheduled
jobs", lists their cron equivalents). One beat per deployment (bin/beat); the dashboard names
each entry (stratatracker.scheduling.selectors.JOB_LABELS)."""

from celery.schedules import crontab


def beat_schedule(*, sweep_seconds: int) -> dict:
    """``CELERY_BEAT_SCHEDULE``; the outbox sweep's interval is a setting."""
    return {
        "outbox-sweep": {
            "task": "communications.tasks.sweep_outbox_task",
            "schedule": sweep_seconds,
        },
        # Starts scheduled campaigns, resumes one whose queueing died, finishes sent ones.
        "campaign-tick": {
            "task": "campaigns.tasks.campaign_tick_task",
            "schedule": 60,
        },
        "outbox-purge-bodies": {
            "task": "communications.tasks.purge_outbox_bodies_task",
            "schedule": crontab(hour=3, minute=17),
        },
        "notice-services-check": {
            "task": "violations.tasks.check_notice_services_task",
            "schedule": 300,
        },
        # Hourly: each staff member's digest goes out on the first run after DIGEST_LOCAL_HOUR in
        # their own time; the dedup key (user, local date) makes the other runs send nothing.
        "send-digests": {
            "task": "violations.tasks.send_digests_task",
            "schedule": crontab(minute=5),
        },
        # Hourly too: a reminder is due on a strata's date, whichever zone it keeps.
        "send-deadline-reminders": {
            "task": "violations.tasks.send_deadline_reminders_task",
            "schedule": crontab(minute=35),
        },
        # 13:07 UTC is early morning in BC (05:07 PST, 06:07 PDT): the day's proposals are ready
        # when staff start.
        "propose-continuing-fines": {
            "task": "violations.tasks.propose_continuing_fines_task",
            "schedule": crontab(hour=13, minute=7),
        },
        "purge-orphan-files": {
            "task": "violations.tasks.purge_orphan_files_task",
            "schedule": crontab(hour=3, minute=41),
        },
    }
