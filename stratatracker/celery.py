"""The Celery application, its queues and routing.

Queues (DESIGN §7, §11):
- ``email``: the outbox sender. Only tasks here acknowledge late, one message at a time, so a
  whole worker killed mid-send leaves its message in Redis for another worker (after the
  visibility timeout). A killed prefork child's message is acknowledged instead; either way
  the outbox sweep finds the rows by their lease and decides (communications.housekeeping).
- ``default``: short jobs (sweeps, digests, reminders).
- ``heavy``: PDF rendering, image processing, virus scans, register imports (minutes for a
  large file). These can crash a worker, so they acknowledge early and never loop on
  redelivery.

With no broker configured, ``CELERY_TASK_ALWAYS_EAGER`` makes every task run in-process.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stratatracker.settings")

app = Celery("stratatracker")
app.config_from_object("django.conf:settings", namespace="CELERY")

app.conf.update(
    task_queues=(Queue("default"), Queue("email"), Queue("heavy")),
    task_default_queue="default",
    task_routes={
        # Exact names win over patterns: the outbox's housekeeping is a short default job.
        "communications.tasks.sweep_outbox_task": {"queue": "default"},
        "communications.tasks.purge_outbox_bodies_task": {"queue": "default"},
        "communications.tasks.*": {"queue": "email"},
        "*.tasks.render_*": {"queue": "heavy"},
        "properties.tasks.import_register_task": {"queue": "heavy"},
    },
    task_acks_late=False,
    task_ignore_result=True,
    task_track_started=False,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    enable_utc=True,
    accept_content=["json"],
    task_serializer="json",
    result_serializer="json",
    result_expires=3600,
    imports=("stratatracker.tasks",),
)


app.autodiscover_tasks()
