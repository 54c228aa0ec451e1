"""Scheduled jobs: beat's schedule runs every job the product promises, each run of a scheduled
task records its last run, and the dashboard lists every job with its last run and next due
time, flagging one that is late."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.module_loading import import_string

from stratatracker.scheduling.models import JobRun
from stratatracker.scheduling.selectors import JOB_LABELS, scheduled_job_list

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
SWEEP = "communications.tasks.sweep_outbox_task"
DIGESTS = "violations.tasks.send_digests_task"
NOTICE_CHECK = "violations.tasks.check_notice_services_task"

# The jobs issue 13 names, by their beat entry.
NAMED_JOBS = {
    "propose-continuing-fines": "violations.tasks.propose_continuing_fines_task",
    "send-deadline-reminders": "violations.tasks.send_deadline_reminders_task",
    "send-digests": DIGESTS,
    "outbox-sweep": SWEEP,
    "notice-services-check": NOTICE_CHECK,
    # Issue 16: scheduled campaigns start, stalled ones resume.
    "campaign-tick": "campaigns.tasks.campaign_tick_task",
}


def test_the_schedule_runs_every_named_job_and_the_dashboard_names_every_entry():
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert {name: schedule[name]["task"] for name in NAMED_JOBS} == NAMED_JOBS
    for name, entry in schedule.items():
        assert import_string(entry["task"]).name == entry["task"], name
    assert set(JOB_LABELS) == set(schedule)


# --- recording runs -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_of_a_scheduled_task_records_its_last_run():
    from communications.tasks import sweep_outbox_task

    with time_machine.travel(NOW, tick=False):
        sweep_outbox_task.delay()

    run = JobRun.objects.get()
    assert (run.task, run.last_run_at, run.last_succeeded, run.last_error) == (
        SWEEP,
        NOW,
        True,
        "",
    )
    assert run.last_success_at == NOW
    assert run.last_duration is not None


@pytest.mark.django_db
def test_a_failed_run_is_recorded_as_failed_and_keeps_the_last_success(monkeypatch):
    from violations import tasks

    earlier = NOW - dt.timedelta(minutes=5)
    with time_machine.travel(earlier, tick=False):
        tasks.check_notice_services_task.delay()

    def fail():
        raise RuntimeError("the outbox table is gone")

    monkeypatch.setattr(tasks, "violation_services_check", fail)
    with time_machine.travel(NOW, tick=False):
        # As a worker runs it: the failure is the task's outcome, not raised to the caller.
        result = tasks.check_notice_services_task.apply(throw=False)

    assert result.state == "FAILURE"

    run = JobRun.objects.get()
    assert (run.task, run.last_run_at, run.last_succeeded, run.last_error, run.last_success_at) == (
        NOTICE_CHECK,
        NOW,
        False,
        "RuntimeError: the outbox table is gone",
        earlier,
    )


@pytest.mark.django_db
def test_a_task_that_is_not_scheduled_records_nothing():
    from stratatracker.tasks import ping_task

    ping_task.delay()

    assert not JobRun.objects.exists()


# --- the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def job_history(db):
    """At NOW: the sweep ran 30 s ago (on time), the digests last ran at 09:05 (their 10:05 and
    11:05 runs are missing: late), the notice check failed 2 minutes ago; the rest never ran."""
    JobRun.objects.create(
        task=SWEEP,
        last_run_at=NOW - dt.timedelta(seconds=30),
        last_succeeded=True,
        last_success_at=NOW - dt.timedelta(seconds=30),
    )
    JobRun.objects.create(
        task=DIGESTS,
        last_run_at=dt.datetime(2026, 12, 1, 9, 5, 2, tzinfo=dt.UTC),
        last_succeeded=True,
        last_success_at=dt.datetime(2026, 12, 1, 9, 5, 2, tzinfo=dt.UTC),
    )
    JobRun.objects.create(
        task=NOTICE_CHECK,
        last_run_at=NOW - dt.timedelta(minutes=2),
        last_succeeded=False,
        last_error="OperationalError: database is locked",
    )


def job_row_classes(html: str, name: str) -> set[str]:
    match = re.search(rf'<tr class="([^"]*)" id="job-{name}">', html)
    assert match, f"no dashboard row for {name}"
    return set(match.group(1).split())


def test_dashboard_lists_every_job_and_flags_the_late_one(client, manager, job_history):
    client.force_login(manager)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("admin:index"))

    rows = {row["name"]: row for row in response.context["scheduled_jobs"]}
    assert list(rows) == list(settings.CELERY_BEAT_SCHEDULE)
    sweep, digests, check = (
        rows["outbox-sweep"],
        rows["send-digests"],
        rows["notice-services-check"],
    )
    assert (sweep["late"], sweep["failed"], sweep["never"]) == (False, False, False)
    assert sweep["next_due"] == NOW + dt.timedelta(seconds=30)
    assert (digests["late"], digests["failed"]) == (True, False)
    assert digests["next_due"] == dt.datetime(2026, 12, 1, 10, 5, tzinfo=dt.UTC)
    assert (check["late"], check["failed"]) == (False, True)
    assert check["next_due"] == NOW + dt.timedelta(minutes=3)
    fines = rows["propose-continuing-fines"]
    assert (fines["never"], fines["late"], fines["last_run_at"]) == (True, False, None)
    html = response.text
    assert job_row_classes(html, "send-digests") == {"scheduled-job", "job-late"}
    assert job_row_classes(html, "outbox-sweep") == {"scheduled-job"}
    assert job_row_classes(html, "notice-services-check") == {"scheduled-job", "job-failed"}
    assert job_row_classes(html, "propose-continuing-fines") == {"scheduled-job", "job-never"}
    assert "OperationalError: database is locked" in html


def test_every_job_is_flagged_late_once_its_run_is_overdue_past_the_grace(job_history):
    # The sweep runs every minute: due at 12:00:30, late after five minutes' grace.
    with time_machine.travel(NOW + dt.timedelta(minutes=5, seconds=29), tick=False):
        on_time = {row["name"]: row["late"] for row in scheduled_job_list()}
    with time_machine.travel(NOW + dt.timedelta(minutes=5, seconds=31), tick=False):
        late = {row["name"]: row["late"] for row in scheduled_job_list()}

    assert on_time["outbox-sweep"] is False
    assert late["outbox-sweep"] is True


def test_the_jobs_panel_takes_one_query_however_many_jobs_ran(
    client, manager, db, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("admin:index")
    client.get(url)  # warm process-wide caches
    with CaptureQueriesContext(connection) as none_ran:
        client.get(url)
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        JobRun.objects.create(task=entry["task"], last_run_at=NOW, last_succeeded=True)

    with django_assert_num_queries(len(none_ran)):
        response = client.get(url)
    with django_assert_num_queries(1):
        scheduled_job_list()

    assert [row["last_run_at"] for row in response.context["scheduled_jobs"]] == [NOW] * len(
        settings.CELERY_BEAT_SCHEDULE
    )


@pytest.mark.parametrize("role", ["council_member", "caretaker"])
def test_the_jobs_panel_is_for_managers_only(client, request, job_history, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:index"))

    assert response.context["scheduled_jobs"] is None
    assert 'id="scheduled-jobs-dashboard"' not in response.text
