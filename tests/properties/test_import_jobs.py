"""Large register imports run as a background job (docs/security.md, "Register imports are
bounded"): the manager confirms, the job imports all or nothing with the same per-row checks as
the preview, as the manager who started it, and its page shows how far it got."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, StrataMembership
from properties.models import Occupancy, Person, RegisterImportJob, Unit
from properties.register_io import UnitResource
from properties.tasks import import_register_task
from tests.accounts.factories import MembershipFactory
from tests.properties.factories import OccupancyFactory, RegisterImportJobFactory
from tests.properties.test_import_limits import as_csv, stored_upload_files, unit_rows, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.REGISTER_IMPORT_MAX_ROWS = 20
    settings.REGISTER_IMPORT_INTERACTIVE_ROWS = 5


def confirm(client, preview, model="unit"):
    """Confirm the preview page's file, as the button does."""
    form = preview.context["confirm_form"]
    assert form is not None, preview.context["form"].errors
    return client.post(reverse(f"admin:properties_{model}_process_import"), form.initial)


def job_files() -> list[Path]:
    folder = Path(django_settings.MEDIA_ROOT) / "register_imports"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def job_url(job) -> str:
    return reverse("admin:properties_registerimportjob_change", args=[job.pk])


def units_imported() -> list[str]:
    return sorted(Unit.objects.exclude(unit_number="101").values_list("unit_number", flat=True))


def test_a_large_file_is_imported_by_a_background_job_after_the_manager_confirms(
    client, manager, strata, unit, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    preview = upload_file(client, as_csv(unit_rows(8)), "csv")

    with django_capture_on_commit_callbacks() as callbacks:
        response = confirm(client, preview)

    assert units_imported() == []  # nothing is imported in the request
    job = RegisterImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The import of units.csv (8 rows) runs in the background. Reload this page to follow it."
    ]
    assert (job.strata, job.created_by, job.resource, job.file_name, job.file_format) == (
        strata,
        manager,
        "UnitResource",
        "units.csv",
        "csv",
    )
    assert (job.state, job.rows_total, job.rows_done) == ("queued", 8, 0)
    assert len(callbacks) == 1
    assert stored_upload_files() == []  # the preview's copy is gone; the job keeps its own
    assert len(job_files()) == 1

    callbacks[0]()

    job.refresh_from_db()
    assert (job.state, job.rows_done, job.rows_new, job.rows_updated, job.rows_skipped) == (
        "done",
        8,
        8,
        0,
        0,
    )
    assert (job.rows_failed, job.row_errors) == (0, [])
    assert units_imported() == [str(200 + i) for i in range(8)]
    assert (
        list(AuditLog.objects.values_list("action", "actor", "ip_address"))
        == [("register.unit_created", manager.pk, "127.0.0.1")] * 8
    )
    assert not job.file
    assert job_files() == []  # the file is not kept once imported


def test_a_job_with_bad_rows_reports_each_row_and_imports_nothing(
    client, manager, unit, django_capture_on_commit_callbacks
):
    rows = unit_rows(8)
    rows[2][2] = "not-a-number"
    rows[5][2] = "-5"
    client.force_login(manager)
    preview = upload_file(client, as_csv(rows), "csv")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, preview)

    job = RegisterImportJob.objects.get()
    assert (job.state, job.rows_done, job.rows_new, job.rows_failed) == ("failed", 8, 0, 2)
    assert job.row_errors == [
        {"row": 3, "errors": ["strata_lot_number: not-a-number is not a number."]},
        {
            "row": 6,
            "errors": ["strata_lot_number: Ensure this value is greater than or equal to 0."],
        },
    ]
    assert units_imported() == []
    assert not AuditLog.objects.exists()
    page = client.get(job_url(job)).text
    assert "Nothing was imported: 2 rows have errors." in page
    assert "not-a-number is not a number." in page


OCCUPANCY_HEADER = (
    "occupancy_uuid,strata,unit,role,starts_on,ends_on,person_uuid,full_name,email,phone,"
    "postal_address,email_for_notices,email_for_notices_given_on,landlord_uuid,"
    "form_k_received_on,is_primary_contact,receives_newsletters\n"
)


def test_a_job_refuses_a_move_between_stratas_like_the_preview(
    client, manager, unit, other_unit, django_capture_on_commit_callbacks
):
    """register_record_check_edit runs on every row of the job: a manager of both stratas may
    not move an occupancy from one to the other."""
    MembershipFactory(user=manager, strata=other_unit.strata, role=StrataMembership.Role.MANAGER)
    occupancy_of_a = OccupancyFactory(unit=other_unit, starts_on=dt.date(2020, 1, 1))
    person_of_a = occupancy_of_a.person
    rows = "".join(
        f",BCS1234,101,occupant,2021-02-03,,,Person {i},person{i}@example.test,,,,,,,0,0\n"
        for i in range(5)
    )
    rows += f"{occupancy_of_a.uuid},BCS1234,101,owner,2021-02-03,,,Mal,mal@example.test,,,,,,,1,1\n"
    client.force_login(manager)
    preview = client.post(
        reverse("admin:properties_person_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("persons.csv", (OCCUPANCY_HEADER + rows).encode()),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, preview, model="person")

    job = RegisterImportJob.objects.get()
    assert (job.state, job.rows_failed) == ("failed", 1)
    assert job.row_errors == [
        {
            "row": 6,
            "errors": [
                f"person: {person_of_a} belongs to another strata.",
                f"{person_of_a} \N{EM DASH} Owner \N{EM DASH} Unit 101 belongs to strata VIS5678: "
                "it cannot be moved to BCS1234. Only an administrator may move a record between "
                "stratas.",
            ],
        }
    ]
    occupancy_of_a.refresh_from_db()
    assert occupancy_of_a.unit == other_unit
    assert Person.objects.count() == 1
    assert Occupancy.objects.count() == 1
    assert not AuditLog.objects.exists()


def test_a_job_checks_each_row_as_its_manager_when_it_runs(
    client, manager, unit, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    preview = upload_file(client, as_csv(unit_rows(6)), "csv")
    with django_capture_on_commit_callbacks() as callbacks:
        confirm(client, preview)
    StrataMembership.objects.filter(user=manager).update(ended_at=timezone.now())

    callbacks[0]()

    job = RegisterImportJob.objects.get()
    assert (job.state, job.rows_failed) == ("failed", 6)
    assert job.row_errors[0] == {
        "row": 1,
        "errors": ["strata: No strata with plan number BCS1234 that you may import into."],
    }
    assert units_imported() == []
    assert not AuditLog.objects.exists()


def test_running_a_finished_job_again_does_nothing(
    client, manager, unit, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    preview = upload_file(client, as_csv(unit_rows(6)), "csv")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, preview)
    job = RegisterImportJob.objects.get()
    before = RegisterImportJob.objects.filter(pk=job.pk).values().get()

    import_register_task.delay(job.pk)

    assert RegisterImportJob.objects.filter(pk=job.pk).values().get() == before
    assert before["state"] == "done"
    assert units_imported() == [str(200 + i) for i in range(6)]
    assert AuditLog.objects.count() == 6


def test_the_job_page_shows_the_rows_done_while_the_job_runs(
    client, manager, unit, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    preview = upload_file(client, as_csv(unit_rows(8)), "csv")
    with django_capture_on_commit_callbacks() as callbacks:
        confirm(client, preview)
    job = RegisterImportJob.objects.get()
    pages = {}
    import_row = UnitResource.import_row

    def reloading(self, row, instance_loader, **kwargs):
        """The manager reloads the job page before each row is imported."""
        pages[kwargs["row_number"]] = client.get(job_url(job)).text
        return import_row(self, row, instance_loader, **kwargs)

    monkeypatch.setattr(UnitResource, "import_row", reloading)
    callbacks[0]()

    assert "Running: 0 of 8 rows checked." in pages[1]
    assert "Running: 4 of 8 rows checked." in pages[5]
    assert "Running: 7 of 8 rows checked." in pages[8]
    monkeypatch.undo()
    assert "Imported: 8 new, 0 changed, 0 unchanged." in client.get(job_url(job)).text


def test_the_job_list_queries_do_not_grow_with_jobs(
    client, manager, strata, django_assert_num_queries
):
    def make(numbers):
        for i in numbers:
            RegisterImportJobFactory(
                strata=strata,
                created_by=manager,
                file_name=f"register-{i:03d}.csv",
                state="failed",
                rows_failed=1,
                row_errors=[{"row": 1, "errors": ["strata: missing."]}],
            )

    client.force_login(manager)
    url = reverse("admin:properties_registerimportjob_changelist")
    make(range(1, 6))
    client.get(url)  # warm process-wide caches
    with CaptureQueriesContext(connection) as few_queries:
        few = client.get(url)
    assert len(few.context["cl"].result_list) == 5

    make(range(6, 51))
    with django_assert_num_queries(len(few_queries)):
        response = client.get(url)

    assert len(response.context["cl"].result_list) == 50
    assert "register-050.csv" in response.text


def test_the_confirm_step_refuses_a_file_over_the_limits_and_starts_nothing(
    client, manager, unit, settings, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    preview = upload_file(client, as_csv(unit_rows(8)), "csv")
    settings.REGISTER_IMPORT_MAX_ROWS = 7  # lowered between the preview and the confirmation

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = confirm(client, preview)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:properties_unit_import")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This file has 8 rows; a register import may have at most 7. Split it into smaller files."
    ]
    assert callbacks == []
    assert not RegisterImportJob.objects.exists()
    assert units_imported() == []
    assert stored_upload_files() == []


def test_a_job_whose_file_is_gone_fails_and_says_so(manager, strata):
    job = RegisterImportJobFactory(
        strata=strata, created_by=manager, state="queued", rows_done=0, rows_new=0
    )

    import_register_task.delay(job.pk)

    job.refresh_from_db()
    assert (job.state, job.rows_done, job.rows_failed) == ("failed", 0, 0)
    assert job.row_errors == [
        {"row": None, "errors": ["The file of this import is gone; upload it again."]}
    ]
