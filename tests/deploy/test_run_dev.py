"""`make run`'s processes, started as `make run` starts them (``bin/run-dev``): runserver and one
Celery worker with beat inside it, on a broker kept in files, so the scheduled jobs run on their
schedule with no server installed; one Ctrl-C stops every process.

The database is a file of the test's own (the worker is another process), its tables made from
the models (``tests.sqlite_schema``); broker, beat schedule and media go to the test's
directory too, never to the checkout's ``var/``.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing, suppress
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy.test_entry_scripts import free_port, http_get, script_env
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]


def test_make_run_serves_through_bin_run_dev():
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)

    assert "bin/run-dev" in recipe
    assert os.access(REPO / "bin" / "run-dev", os.X_OK)
    assert os.access(REPO / "bin" / "dev-worker", os.X_OK)


def session_processes(session_id: int) -> list[tuple[int, str]]:
    """(pid, "name state") of the processes still in the session, zombies included."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            name, _, rest = stat.read_text().partition(" (")[2].rpartition(")")
            fields = rest.split()
            if int(fields[3]) == session_id:
                found.append((int(stat.parent.name), f"{name} {fields[0]}"))
    return found


def job_runs(database: Path) -> dict[str, int]:
    """Task name → succeeded, read from the worker's database."""
    with closing(sqlite3.connect(database, timeout=5)) as db:
        try:
            rows = db.execute("SELECT task, last_succeeded FROM scheduling_jobrun").fetchall()
        except sqlite3.OperationalError:
            return {}
    return dict(rows)


@pytest.mark.reliability
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_run_dev_runs_the_scheduled_jobs_and_one_ctrl_c_stops_everything(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = script_env(
        DATABASE_URL=f"sqlite:///{database}",
        CELERY_LOCAL_BROKER_DIR=str(tmp_path / "broker"),
        CELERY_BEAT_SCHEDULE_DIR=str(tmp_path),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "CELERY_RESULT_BACKEND", "CELERY_KEY_PREFIX"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "tests.sqlite_schema", str(database)],
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port()
    log_path = tmp_path / "run-dev.log"
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bin/run-dev", f"127.0.0.1:{port}"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:

            def running(check):
                def condition():
                    if process.poll() is not None:
                        raise AssertionError(f"bin/run-dev exited: {log_path.read_text()}")
                    return check()

                return condition

            _status, body = wait_until(
                running(lambda: http_get(port, "/api/health")),
                timeout=20,
                interval=0.2,
                message="runserver did not answer in 20 s",
            )
            # The web process queues tasks for the worker (no longer runs them eagerly).
            assert json.loads(body)["broker"] == "ok", body
            # Beat runs every job that has not run yet as soon as it starts, then on schedule.
            runs = wait_until(
                running(lambda: (r := job_runs(database)) and set(r) >= scheduled and r),
                timeout=20,
                interval=0.2,
                message=f"not every scheduled job ran in 20 s: {log_path.read_text()}",
            )
            assert {task: runs[task] for task in scheduled} == dict.fromkeys(scheduled, 1)
            assert (tmp_path / "broker").is_dir()

            # Ctrl-C in a terminal signals the foreground process group.
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=30)
            wait_until(
                lambda: not session_processes(process.pid),
                timeout=10,
                message="processes outlived bin/run-dev",
            )
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            for pid, _name in session_processes(process.pid):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    assert process.returncode == 0, log_path.read_text()
