from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "stratatracker.scheduling"
    label = "scheduling"
    verbose_name = "Scheduled jobs"

    def ready(self):
        # Connects the Celery signal receivers that record each scheduled task's runs.
        from stratatracker.scheduling import recording  # noqa: F401
