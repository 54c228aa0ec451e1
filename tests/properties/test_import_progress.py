"""A background register import reports its progress about a hundred times per file, not once a
row: each report is a cache round trip made while the import's transaction is open."""

from properties import import_run
from properties.models import RegisterImportJob
from tests.properties.test_import_jobs import confirm, units_imported
from tests.properties.test_import_limits import as_csv, unit_rows, upload_file


def test_a_long_import_writes_its_progress_a_bounded_number_of_times(
    client, manager, unit, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REGISTER_IMPORT_MAX_ROWS = 1000
    settings.REGISTER_IMPORT_INTERACTIVE_ROWS = 5
    client.force_login(manager)
    preview = upload_file(client, as_csv(unit_rows(300)), "csv")
    with django_capture_on_commit_callbacks() as callbacks:
        confirm(client, preview)
    job = RegisterImportJob.objects.get()
    key = import_run._progress_key(job.pk)
    written = []
    cache_set = import_run.cache.set

    def recording(name, value, *args, **kwargs):
        if name == key:
            written.append(value)
        return cache_set(name, value, *args, **kwargs)

    monkeypatch.setattr(import_run.cache, "set", recording)
    callbacks[0]()

    job.refresh_from_db()
    assert (job.state, job.rows_done) == ("done", 300)
    assert len(units_imported()) == 300
    assert written[0] == 0
    assert len(written) <= 101  # the first 0, then about a hundred reports
    assert written[-1] == 300
    assert written == sorted(written)
