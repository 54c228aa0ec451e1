"""Scheduled jobs: beat's scheduler for development (``beat.py``), the last run of each
scheduled task (``JobRun``, written by ``recording.py`` when a task ends) and the dashboard's
list of jobs (``selectors.py``). The schedule itself is ``stratatracker.beat_schedule``."""
