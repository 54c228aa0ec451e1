"""The dashboard's list of scheduled jobs: every beat entry, its last run, when the next is
due, and whether it is late (docs/operations.md, "Scheduled jobs")."""

import datetime as dt

from celery.schedules import crontab, maybe_schedule
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stratatracker.scheduling.models import JobRun

# What each beat entry does, as the dashboard names it. Every entry needs one (a test checks).
JOB_LABELS = {
    "outbox-sweep": _("Outbox sweep: email the broker lost or a dead worker held"),
    "outbox-purge-bodies": _("Purge the bodies of old emails"),
    "campaign-tick": _("Campaigns: start scheduled ones, resume and finish sending"),
    "notice-services-check": _("Emailed letters: served once sent, else to the print queue"),
    "send-digests": _("Staff digests"),
    "send-deadline-reminders": _("Response-deadline reminders"),
    "propose-continuing-fines": _("Continuing fines to propose"),
    "purge-orphan-files": _("Files no record names"),
}
# A run is late once its due time has passed by a tenth of the job's interval, and never
# sooner than this: a busy worker may start an every-minute job a little after its minute.
MIN_GRACE = dt.timedelta(minutes=5)


def describe(schedule) -> str:
    if isinstance(schedule, crontab):
        fields = (
            schedule._orig_minute,
            schedule._orig_hour,
            schedule._orig_day_of_month,
            schedule._orig_month_of_year,
            schedule._orig_day_of_week,
        )
        return _("cron %(fields)s UTC") % {"fields": " ".join(str(f) for f in fields)}
    seconds = int(schedule.run_every.total_seconds())
    if seconds % 60:
        return _("every %(n)d s") % {"n": seconds}
    return _("every %(n)d min") % {"n": seconds // 60}


def next_due(schedule, last_run_at: dt.datetime) -> dt.datetime:
    """When the run after one at ``last_run_at`` is due."""
    if isinstance(schedule, crontab):
        last, ahead, _now = schedule.remaining_delta(last_run_at)
        return (last + ahead).astimezone(dt.UTC)
    return last_run_at + schedule.run_every


def scheduled_job_list(*, now: dt.datetime | None = None) -> list[dict]:
    """Every beat entry in the schedule's order with its last run. One query."""
    now = now or timezone.now()
    entries = settings.CELERY_BEAT_SCHEDULE
    runs = {
        run.task: run
        for run in JobRun.objects.filter(task__in={entry["task"] for entry in entries.values()})
    }
    rows = []
    for name, entry in entries.items():
        schedule = maybe_schedule(entry["schedule"])
        run = runs.get(entry["task"])
        row = {
            "name": name,
            "label": JOB_LABELS.get(name, name),
            "task": entry["task"],
            "schedule": describe(schedule),
            "last_run_at": run.last_run_at if run else None,
            "last_duration": run.last_duration if run else None,
            "last_error": run.last_error if run else "",
            "last_success_at": run.last_success_at if run else None,
            "never": run is None,
            "failed": bool(run) and not run.last_succeeded,
            "next_due": None,
            "late": False,
        }
        if run:
            due = next_due(schedule, run.last_run_at)
            grace = max(MIN_GRACE, (due - run.last_run_at) / 10)
            row.update(next_due=due, late=now > due + grace)
        rows.append(row)
    return rows
