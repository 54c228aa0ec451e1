"""Each scheduled task's runs, recorded from Celery's task signals, whichever worker (or eager
call) runs it. Only tasks named by a beat entry are recorded; a retry is not a finished run."""

import datetime as dt
import logging
import time

from celery import states
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from stratatracker.scheduling.services import job_run_record

logger = logging.getLogger(__name__)

# Task id → monotonic start, between a scheduled task's prerun and postrun signals.
_started: dict[str, float] = {}


def scheduled_tasks() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


@task_prerun.connect(dispatch_uid="scheduling.job_started")
def job_started(sender=None, task_id=None, task=None, **kwargs):
    if task is not None and task.name in scheduled_tasks():
        _started[task_id] = time.monotonic()


@task_postrun.connect(dispatch_uid="scheduling.job_finished")
def job_finished(sender=None, task_id=None, task=None, state=None, retval=None, **kwargs):
    started = _started.pop(task_id, None)
    if task is None or task.name not in scheduled_tasks():
        return
    if state not in (states.SUCCESS, states.FAILURE):
        return
    error = f"{type(retval).__name__}: {retval}" if state == states.FAILURE else ""
    duration = dt.timedelta(seconds=time.monotonic() - started) if started is not None else None
    try:
        job_run_record(task=task.name, finished_at=timezone.now(), duration=duration, error=error)
    except DatabaseError:
        # The job's own outcome stands; the dashboard shows this run as missing.
        logger.exception("Could not record the run of %s", task.name)
