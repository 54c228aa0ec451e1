"""A file-backed SQLite database for tests that run other processes on it.

pytest-django's SQLite test database lives in memory, where a second process cannot reach it.
Tests of what happens between processes (a worker, a second writer) build a file of their own
with this module: ``python -m tests.sqlite_schema <path>``, or ``create_schema()`` inside a
process already set up on that file. The tables are made from the models, as
``pytest --nomigrations`` makes them: a second rather than the migrations' quarter minute.
"""

import os
import sys


def create_schema() -> None:
    """Create every model's table in the configured (already set up) database."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)


if __name__ == "__main__":
    os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stratatracker.settings")
    import django

    django.setup()
    create_schema()
