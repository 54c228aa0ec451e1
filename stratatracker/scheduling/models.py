from django.db import models


class JobRun(models.Model):
    """The last run of one scheduled task (a beat entry's task), written when a run ends."""

    task = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField(help_text="When the last run ended.")
    last_duration = models.DurationField(null=True, blank=True)
    last_succeeded = models.BooleanField()
    last_error = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "scheduled job run"

    def __str__(self):
        return f"{self.task} at {self.last_run_at:%Y-%m-%d %H:%M:%S}"
