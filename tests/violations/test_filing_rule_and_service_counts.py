"""Rules moved out of the admin (issue 14, item 3): the open-case filing rule is the filing
service's, and the case list's "parties served" column counts as the serving selectors do."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from tests.violations.test_work_queues import pdf_bytes, row_case
from violations.domain.workflow import TransitionRefused
from violations.models import Complaint, Letter, LetterKind, Violation
from violations.selectors import serving
from violations.services.filing import complaint_file

pytestmark = pytest.mark.django_db


def report(unit, bylaw) -> dict:
    return {
        "unit": unit,
        "bylaws": [bylaw],
        "incident_on": dt.date(2026, 1, 10),
        "description": "Loud music past midnight.",
        "complaint": {
            "channel": Complaint.Channel.PHONE,
            "received_on": dt.date(2026, 1, 11),
            "complainant_name": "Neighbour in 102",
        },
    }


def test_filing_service_refuses_a_new_case_beside_an_open_one_unless_told(
    case, unit, noise_bylaw, manager
):
    complaints = case.complaints.count()
    for file_as, message in (
        ("", "An open case of this unit and bylaw exists"),
        ("not-a-case", "Choose one of the cases listed."),
    ):
        with pytest.raises(TransitionRefused) as refused:
            complaint_file(actor=manager, file_as=file_as, **report(unit, noise_bylaw))
        assert refused.value.message_dict["file_as"][0].startswith(message)
        assert Violation.objects.count() == 1
        assert case.complaints.count() == complaints

    into, added = complaint_file(actor=manager, file_as=str(case.uuid), **report(unit, noise_bylaw))
    assert (into, case.complaints.count()) == (case, complaints + 1)
    assert added == case.complaints.latest("id")

    new, added = complaint_file(actor=manager, file_as="new", **report(unit, noise_bylaw))
    assert (Violation.objects.count(), added) == (2, None)
    assert new.complaints.count() == 1


def test_parties_served_counts_the_latest_notice_as_the_unserved_filter_does(
    client, strata, manager
):
    case = row_case(strata, reference="VIO-4-001")  # served the first notice
    Letter.objects.create(
        case=case,
        kind=LetterKind.NOTICE,
        html="<p>Notice again</p>",
        pdf=ContentFile(pdf_bytes("again"), name="again-notice.pdf"),
        issued_at=timezone.now() + dt.timedelta(seconds=1),
    )  # issued, not yet served on anyone

    client.force_login(manager)
    response = client.get(reverse("admin:violations_violation_changelist"))
    (row,) = response.context["cl"].result_list
    unserved = client.get(reverse("admin:violations_violation_changelist"), {"unserved": "yes"})

    assert len(serving.unserved_parties(case)) == 1
    assert (row.parties_served, row.parties_required) == (0, 1)
    assert [c.reference for c in unserved.context["cl"].result_list] == ["VIO-4-001"]
