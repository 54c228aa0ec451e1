"""The sweep of files a rolled-back transaction left in private storage."""

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction

from tests.violations.drive import FAST_HASHERS, T0, Driver
from violations.models import Letter
from violations.services.file_sweep import orphan_files_purge
from violations.tasks import purge_orphan_files_task


class Refused(Exception):
    pass


@pytest.fixture(autouse=True)
def _hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def letter_files(settings) -> list[Path]:
    return sorted(Path(settings.MEDIA_ROOT, "letters").rglob("*.pdf"))


@pytest.fixture
def orphan_and_kept(settings, case, manager, council_member, noise_bylaw):
    """One warning letter rolled back with its transaction, one issued: both files dated T0."""
    with time_machine.travel(T0, tick=False):
        with pytest.raises(Refused), transaction.atomic():
            Driver(manager, [council_member]).to(case, "warned")
            raise Refused
        Driver(manager, [council_member]).to(case, "warned")
    kept = Letter.objects.get()
    files = letter_files(settings)
    for path in files:
        os.utime(path, (T0.timestamp(), T0.timestamp()))
    [orphan] = [p for p in files if not str(p).endswith(kept.pdf.name)]
    return orphan, Path(settings.MEDIA_ROOT, kept.pdf.name)


def test_a_file_no_row_names_is_deleted_once_a_day_old(orphan_and_kept, settings):
    orphan, kept = orphan_and_kept

    with time_machine.travel(T0 + dt.timedelta(hours=23), tick=False):
        assert orphan_files_purge() == []
    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False):
        name = orphan_files_purge(dry_run=True)
        assert orphan.exists()
        assert orphan_files_purge() == name
    assert name == [str(orphan.relative_to(settings.MEDIA_ROOT))]
    assert (orphan.exists(), kept.exists()) == (False, True)


def test_the_command_lists_deletes_and_refuses_a_young_cutoff(orphan_and_kept, capsys):
    orphan, kept = orphan_and_kept

    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False):
        call_command("purge_orphan_files", "--dry-run")
        assert orphan.exists()
        call_command("purge_orphan_files")
        with pytest.raises(CommandError, match="--hours must be at least 1"):
            call_command("purge_orphan_files", "--hours", "0")

    out = capsys.readouterr().out.splitlines()
    assert out[1:2] == ["Would delete 1 file(s) no record names."]
    assert out[3:] == ["Deleted 1 file(s) no record names."]
    assert (orphan.exists(), kept.exists()) == (False, True)


def test_beat_runs_the_sweep_daily(orphan_and_kept, settings):
    orphan, _kept = orphan_and_kept
    entry = settings.CELERY_BEAT_SCHEDULE["purge-orphan-files"]
    assert (entry["task"], entry["schedule"].hour) == (
        "violations.tasks.purge_orphan_files_task",
        {3},
    )

    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False):
        assert purge_orphan_files_task.delay().get() == 1
    assert not orphan.exists()
