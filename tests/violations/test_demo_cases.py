"""The demo's bylaw cases: one in every status, built through the services."""

import io

import pytest
from django.core.management import call_command

from accounts.models import Strata
from properties import demo_data
from violations.demo_cases import demo_cases_create
from violations.models import Decision, Letter, Service, Status, Violation

pytestmark = pytest.mark.django_db


@pytest.fixture
def harbourview():
    demo_data.demo_seed(units=20)
    return Strata.objects.get(plan_number="BCS2024")


def test_demo_has_a_case_in_every_status_with_letters_and_service(harbourview):
    created = demo_cases_create(harbourview)

    assert created == len(Status.values)
    statuses = sorted(Violation.objects.filter(strata=harbourview).values_list("status", flat=True))
    assert statuses == sorted(Status.values)
    sent = Violation.objects.get(status=Status.NOTICE_SENT)
    assert sent.letters.get(kind="notice").issued_at is not None
    assert Service.objects.filter(letter__case=sent).count() == sent.parties.count()
    decided = Violation.objects.get(status=Status.DECIDED_UPHELD)
    assert decided.decision.outcome == Decision.Outcome.UPHELD_FINE
    assert decided.charges.get().amount == decided.decision.fine_amount
    assert (
        Letter.objects.filter(case__strata=harbourview, pdf="")
        .exclude(case__status=Status.NOTICE_PENDING_APPROVAL)
        .count()
        == 0
    )


def test_a_second_run_creates_no_more_cases(harbourview):
    demo_cases_create(harbourview)
    before = Violation.objects.count()

    assert demo_cases_create(harbourview) == 0
    assert Violation.objects.count() == before


def test_seed_demo_reports_the_cases(settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("seed_demo", "--units", "20", stdout=out)

    assert f"Created {len(Status.values)} bylaw cases, one in every status." in out.getvalue()
