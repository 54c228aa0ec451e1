"""Starting a background register import: the file kept, the job enqueued on commit.

``properties.import_run`` runs it; the admin's import pages start it (``properties.import_admin``).
"""

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import User
from accounts.request_meta import AuditContext
from properties.import_files import import_file_read, import_file_strata
from properties.models import RegisterImportJob
from properties.register_io import RESOURCES
from properties.tasks import import_register_task


def register_import_job_create(
    *,
    actor: User,
    resource: str,
    file_name: str,
    file_format: str,
    content: bytes,
    context: AuditContext | None = None,
) -> RegisterImportJob:
    """Keep the file for ``import_register_task``, enqueued once this commits.

    The limits and the file's one strata (where the actor may import) are checked again
    here, on the bytes the job will read: the admin checked them on the upload, a request
    earlier. Each row is checked when the job runs.
    """
    if resource not in RESOURCES:
        raise ValueError(f"Unknown register resource {resource!r}.")
    dataset = import_file_read(content, file_format=file_format)
    strata = import_file_strata(dataset, user=actor)
    context = context or AuditContext()
    with transaction.atomic():
        job = RegisterImportJob(
            strata=strata,
            created_by=actor,
            resource=resource,
            file_name=file_name[:255],
            file_format=file_format,
            ip_address=context.ip_address,
            user_agent=context.user_agent,
            rows_total=len(dataset),
        )
        job.file.save(f"{job.uuid}.{file_format}", ContentFile(content), save=False)
        job.save()
        transaction.on_commit(lambda: import_register_task.delay(job.pk))
    return job
