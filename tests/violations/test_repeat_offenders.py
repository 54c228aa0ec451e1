"""Repeat offenders (DESIGN §6): counted against respondents, not current occupants; the admin
page and the dashboard panel.

Decisions are built directly, as ``violation_record_decision`` leaves them; the page's query
guard follows ``tests/test_admin_queries.py`` (warm, count with few rows, require the same
count with many).
"""

import datetime as dt
import itertools

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.middleware import SESSION_STRATA_ID
from properties.models import Occupancy
from tests.accounts.factories import UserFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory
from tests.violations.drive import T0
from tests.violations.factories import BylawFactory, ViolationFactory
from violations.models import CaseParty, Decision, DecisionOutcome, PartyRole, Status
from violations.selectors.offenders import repeat_offenders

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)
PAGE = "admin:repeat_offenders"
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def decided(unit, respondents, *, days_ago=30, outcome=DecisionOutcome.UPHELD_FINE, bylaw=None):
    """A case on ``unit`` decided at a council meeting ``days_ago`` days before today, with
    ``respondents`` as its respondent parties."""
    n = next(_numbers)
    case = ViolationFactory(
        unit=unit,
        reference=f"VIO-20250101-{n:04d}",
        status=Status.DECIDED_DISMISSED
        if outcome == DecisionOutcome.DISMISSED
        else Status.DECIDED_UPHELD,
        **({"bylaws": [bylaw]} if bylaw else {}),
    )
    for person in respondents:
        CaseParty.objects.create(case=case, person=person, role=PartyRole.RESPONDENT)
    Decision.objects.create(
        case=case,
        meeting_on=TODAY - dt.timedelta(days=days_ago),
        motion="That the contravention be decided as recorded.",
        votes_for=3,
        votes_against=0,
        outcome=outcome,
        reasons="Council considered the complaint and the response.",
        fine_amount=None if outcome in ("dismissed", "upheld_warning") else 50,
        recorded_by=UserFactory(),
    )
    return case


@pytest.fixture
def history(strata, unit, owner, tenant):
    """Terry, a tenant of unit 101, was the respondent of three upheld cases this year and has
    moved out; Nina lives there now. Olive, the owner, was served as owner and landlord only.
    Pat, of unit 102, has two upheld cases in the window, one from last year and a dismissed
    one."""
    terry_cases = [decided(unit, [tenant], days_ago=days) for days in (20, 100, 300)]
    for case in terry_cases:
        CaseParty.objects.create(case=case, person=owner, role=PartyRole.OWNER)
    Occupancy.objects.filter(person=tenant).update(ends_on=TODAY - dt.timedelta(days=10))
    nina = PersonFactory(strata=strata, full_name="Nina Newtenant")
    OccupancyFactory(unit=unit, person=nina, role=Occupancy.Role.TENANT, landlord=owner)
    other_unit = UnitFactory(strata=strata, unit_number="102", strata_lot_number=2)
    pat = PersonFactory(strata=strata, full_name="Pat Pattern")
    for days in (10, 50):
        decided(other_unit, [pat], days_ago=days)
    decided(other_unit, [pat], days_ago=400)
    decided(other_unit, [pat], days_ago=5, outcome=DecisionOutcome.DISMISSED)
    return {"terry": tenant, "terry_cases": terry_cases, "nina": nina, "pat": pat}


def test_repeat_offenders_count_respondents_not_current_occupants(
    history, manager, unit, tenant, owner
):
    found = repeat_offenders(manager, today=TODAY)

    assert [(row["person"], row["count"]) for row in found["persons"]] == [(tenant, 3)]
    assert [(row["unit"], row["count"]) for row in found["units"]] == [(unit, 3)]
    assert [case.pk for case in found["persons"][0]["cases"]] == [
        case.pk for case in history["terry_cases"]
    ]  # latest meeting first


def test_window_and_threshold_change_who_is_listed(history, manager, tenant):
    two = repeat_offenders(manager, threshold=2, today=TODAY)
    assert {(str(row["person"]), row["count"]) for row in two["persons"]} == {
        ("Terry Tenant", 3),
        ("Pat Pattern", 2),
    }
    longer = repeat_offenders(manager, window_days=500, today=TODAY)
    assert {(str(row["person"]), row["count"]) for row in longer["persons"]} == {
        ("Terry Tenant", 3),
        ("Pat Pattern", 3),
    }
    shorter = repeat_offenders(manager, window_days=200, threshold=2, today=TODAY)
    assert {(str(row["person"]), row["count"]) for row in shorter["persons"]} == {
        ("Terry Tenant", 2),
        ("Pat Pattern", 2),
    }


def test_repeat_offenders_of_another_strata_are_not_listed(
    history, other_manager, superuser, tenant
):
    assert repeat_offenders(other_manager, today=TODAY) == {"persons": [], "units": []}
    assert [row["person"] for row in repeat_offenders(superuser)["persons"]] == [tenant]


def test_recused_member_does_not_count_the_cases_they_are_recused_from(
    history, recused_council_member
):
    """Rex lives in unit 101: Terry's cases are not his to read."""
    found = repeat_offenders(recused_council_member, threshold=2, today=TODAY)
    assert [str(row["person"]) for row in found["persons"]] == ["Pat Pattern"]


# --- the admin page and panel -----------------------------------------------------------------


def test_page_lists_the_offenders_with_links_to_their_cases(client, history, manager, tenant):
    client.force_login(manager)

    response = client.get(reverse(PAGE))

    assert response.status_code == 200
    assert response.context["title"] == "Repeat offenders"
    assert (response.context["window"], response.context["threshold"]) == (365, 3)
    assert [row["person"] for row in response.context["persons"]] == [tenant]
    for case in history["terry_cases"]:
        assert reverse("admin:violations_violation_change", args=[case.pk]) in response.text
    assert "Nina Newtenant" not in response.text
    assert "Pat Pattern" not in response.text


def test_page_takes_window_and_threshold_from_the_query(client, history, manager):
    client.force_login(manager)

    response = client.get(reverse(PAGE), {"window": "500", "threshold": "2"})

    assert (response.context["window"], response.context["threshold"]) == (500, 2)
    assert {str(row["person"]) for row in response.context["persons"]} == {
        "Terry Tenant",
        "Pat Pattern",
    }


def test_bad_window_and_threshold_are_reported_and_the_defaults_used(client, history, manager):
    client.force_login(manager)

    response = client.get(reverse(PAGE), {"window": "a year", "threshold": "1"})

    assert response.status_code == 200
    assert (response.context["window"], response.context["threshold"]) == (365, 3)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Window (days): Enter a whole number. The default, 365, is used.",
        "Upheld cases at least: Ensure this value is greater than or equal to 2. "
        "The default, 3, is used.",
    ]


def test_page_follows_the_strata_switcher(client, history, superuser, other_strata, tenant):
    client.force_login(superuser)
    session = client.session
    session[SESSION_STRATA_ID] = other_strata.pk
    session.save()

    response = client.get(reverse(PAGE))

    assert response.context["persons"] == []


def test_dashboard_panel_lists_the_repeat_offenders(client, history, manager, other_manager):
    client.force_login(manager)
    response = client.get(reverse("admin:index"))
    panel = response.context["repeat_offenders"]
    assert [str(row["person"]) for row in panel["persons"]] == ["Terry Tenant"]
    assert [str(row["unit"]) for row in panel["units"]] == ["Unit 101"]
    assert 'id="repeat-offenders-dashboard"' in response.text
    assert reverse(PAGE) in response.text

    client.force_login(other_manager)
    response = client.get(reverse("admin:index"))
    assert response.context["repeat_offenders"]["persons"] == []
    assert "Terry Tenant" not in response.text


def test_page_queries_do_not_grow_with_offenders(
    client, strata, manager, django_assert_num_queries
):
    """10 upheld cases, then 200: 5 then 100 persons and units with two each."""
    bylaw = BylawFactory(strata=strata)

    def add_offenders(numbers):
        for i in numbers:
            unit = UnitFactory(strata=strata, unit_number=f"R{i:03d}", strata_lot_number=500 + i)
            person = PersonFactory(strata=strata, full_name=f"Offender Row {i:03d}")
            for days in (10, 20):
                decided(unit, [person], days_ago=days, bylaw=bylaw)

    client.force_login(manager)
    url = reverse(PAGE)
    add_offenders(range(1, 6))
    client.get(url, {"threshold": "2"})  # warm process-wide caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, {"threshold": "2"})
    assert len(response.context["persons"]) == 5

    add_offenders(range(6, 101))
    with django_assert_num_queries(len(few)):
        response = client.get(url, {"threshold": "2"})

    assert response.status_code == 200
    assert (len(response.context["persons"]), len(response.context["units"])) == (100, 100)
    assert "Offender Row 100" in response.text
