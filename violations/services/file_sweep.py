"""Files a rolled-back transaction left behind: a letter's PDF, an evidence upload or a case
file export is written to storage before its row commits, so a refusal later in the same
transaction (one case of a council meeting, say) leaves a file no row names. The sweep
deletes such files once they are old enough that no transaction can still be writing them.
"""

import datetime as dt

from django.core.files.storage import default_storage
from django.utils import timezone

from violations.models import CaseFileExport, Complaint, Evidence, Hearing, Letter

# Each private folder and the file fields whose rows name the files in it.
FOLDERS = {
    "letters": ((Letter, "pdf"),),
    "evidence": ((Evidence, "original"), (Evidence, "resident_copy")),
    "complaints": ((Complaint, "original"),),
    "hearings": ((Hearing, "consent_file"),),
    "case_files": ((CaseFileExport, "pdf"), (CaseFileExport, "archive")),
}
DEFAULT_AGE = dt.timedelta(hours=24)


def _files_under(folder: str):
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _files_under(f"{folder}/{sub}")


def orphan_files_purge(*, older_than: dt.timedelta = DEFAULT_AGE, dry_run: bool = False) -> list:
    """Delete (or with ``dry_run`` only list) stored files no row names and not modified for
    ``older_than``. Returns their storage names."""
    cutoff = timezone.now() - older_than
    orphans = []
    for folder, fields in FOLDERS.items():
        named = set()
        for model, field in fields:
            named.update(
                model.objects.exclude(**{field: ""}).values_list(field, flat=True).iterator()
            )
        for name in _files_under(folder):
            if name in named or default_storage.get_modified_time(name) > cutoff:
                continue
            orphans.append(name)
            if not dry_run:
                default_storage.delete(name)
    return orphans
