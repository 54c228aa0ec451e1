"""StrataTracker project package: settings, URLs, Celery and health wiring, no business logic."""

from stratatracker.celery import app as celery_app

__all__ = ["celery_app"]
