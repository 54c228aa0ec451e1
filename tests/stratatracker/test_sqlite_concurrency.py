"""SQLite in development behaves like PostgreSQL under a double submit: one request wins, the
other is refused by the state check, and nobody gets "database is locked" (a 500).

Each transaction begins IMMEDIATE, taking the write lock before it reads, and a busy timeout
makes the second wait for the first instead of failing. The race runs in a process of its own
on a database file, as ``make run`` has it (the suite's own SQLite database is in memory).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_double_submitted_transition_on_sqlite_succeeds_once_and_refuses_once(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "stratatracker.settings"}
    # Development's settings: no broker either (tasks run in the request, as under runserver).
    for name in ("DJANGO_DEBUG", "CELERY_BROKER_URL", "REDIS_URL", "CELERY_LOCAL_BROKER_DIR"):
        env.pop(name, None)

    result = subprocess.run(
        [sys.executable, "-m", "tests.stratatracker.sqlite_race", str(tmp_path / "race.sqlite3")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "outcomes": ["refused: state", "rejected"],
        "status": "rejected",
        "rejections": 1,
        "journal_mode": "wal",
    }
