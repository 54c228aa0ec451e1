"""The case admin's forms as pages (issue 13 item 12): every date is the browser's date
picker and the browser's format is accepted; a refused form says each thing once.

The clock is T0, 10:00 in Vancouver on Wednesday November 25, 2026; the case's notice is
emailed to Olive at T0 (deemed given November 29, deadline December 13).
"""

import datetime as dt
import types
import zoneinfo

import pytest
import time_machine
from django import forms
from django.urls import reverse

from tests.violations.drive import FAST_HASHERS, T0, Driver, counts, delta, respondent_party
from violations.admin.case_forms import FORMS
from violations.admin.complaint_forms import CaseReportForm
from violations.admin.meetings import ItemForm, MeetingForm
from violations.models import Complaint, Hearing, Response

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
AFTER_DEADLINE = dt.datetime(2026, 12, 14, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(client, case, tenant, owner_for_notices, manager, council_member, second_council_member):
    council = [council_member, second_council_member]
    client.force_login(manager)
    return types.SimpleNamespace(
        client=client,
        case=case,
        manager=manager,
        council=council,
        driver=Driver(actor=manager, council=council),
    )


def transition_url(case, name: str) -> str:
    return reverse("admin:violations_violation_transition", args=[case.pk, name])


# --- date pickers ------------------------------------------------------------------------------

PICKERS = {forms.DateField: "date", forms.DateTimeField: "datetime-local", forms.TimeField: "time"}


def test_every_date_and_time_of_the_case_forms_is_the_browsers_picker():
    form_classes = {*FORMS.values(), CaseReportForm, MeetingForm, ItemForm}
    found, wrong = {}, {}
    for form_class in form_classes:
        for name, field in form_class.base_fields.items():
            kind = next((k for k in PICKERS if isinstance(field, k)), None)
            if isinstance(field, forms.SplitDateTimeField):
                wrong[f"{form_class.__name__}.{name}"] = "split into two text boxes"
            elif kind is not None:
                input_type = getattr(field.widget, "input_type", None)
                found[f"{form_class.__name__}.{name}"] = input_type
                if input_type != PICKERS[kind]:
                    wrong[f"{form_class.__name__}.{name}"] = input_type
    assert wrong == {}
    assert found["RecordResponseForm.received_at"] == "datetime-local"
    assert found["CaseReportForm.incident_time"] == "time"


def test_a_complaint_takes_the_date_the_browser_sends(w):
    url = transition_url(w.case, "add_complaint")

    page = w.client.get(url)
    posted = w.client.post(
        url, {"channel": "phone", "received_on": "2026-11-20", "complainant_name": "Nell"}
    )

    assert '<input type="date" name="received_on"' in page.text
    assert posted.status_code == 302
    assert Complaint.objects.get(complainant_name="Nell").received_on == dt.date(2026, 11, 20)


def test_a_hearing_request_and_a_response_take_what_the_browser_sends(w):
    w.driver.to(w.case, "notice_sent")
    party = respondent_party(w.case)

    request_page = w.client.get(transition_url(w.case, "receive_hearing_request"))
    response_page = w.client.get(transition_url(w.case, "record_response"))
    responded = w.client.post(
        transition_url(w.case, "record_response"),
        {
            "party": party.pk,
            "received_at": "2026-11-25T10:00",
            "channel": "letter",
            "text": "It was a birthday party, once.",
        },
    )
    requested = w.client.post(
        transition_url(w.case, "receive_hearing_request"),
        {"party": party.pk, "requested_on": "2026-11-25", "reason": "I want to explain."},
    )

    assert '<input type="date" name="requested_on"' in request_page.text
    assert '<input type="datetime-local" name="received_at"' in response_page.text
    assert (responded.status_code, requested.status_code) == (302, 302)
    assert Hearing.objects.get(case=w.case).requested_on == dt.date(2026, 11, 25)
    assert Response.objects.get(case=w.case).received_at == dt.datetime(
        2026, 11, 25, 10, 0, tzinfo=VANCOUVER
    )


# --- each error once ---------------------------------------------------------------------------


def decision_data(w, **extra) -> dict:
    return {
        "meeting_on": "2026-11-25",
        "members_present": [str(member.pk) for member in w.council],
        "motion": "That the complaint be dismissed.",
        "votes_for": "2",
        "votes_against": "0",
        "votes_abstaining": "0",
        "outcome": "dismissed",
        "reasons": "Council read the complaint.",
        **extra,
    }


def test_a_decision_refused_before_the_deadline_says_why_once(w):
    w.driver.to(w.case, "notice_sent")
    before = counts()

    response = w.client.post(transition_url(w.case, "record_decision"), decision_data(w))

    why = (
        "The response deadline is December 13, 2026 (end of day, Vancouver time); before then "
        "a decision needs the respondent&#x27;s written response declining a hearing."
    )
    assert response.status_code == 200
    assert response.text.count(why) == 1
    assert response.text.count('class="errornote"') == 1
    assert delta(before, counts()) == {}


def test_a_decision_with_two_refused_fields_names_each_once(w):
    w.driver.to(w.case, "notice_sent")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        w.client.force_login(w.manager)  # the session of T0 has expired
        before = counts()

        response = w.client.post(
            transition_url(w.case, "record_decision"),
            decision_data(
                w,
                meeting_on="2026-12-14",
                members_present=[str(w.council[0].pk)],
                votes_for="0",
                votes_against="1",
            ),
        )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {name: list(messages) for name, messages in errors.items()} == {
        "members_present": [
            "1 of 2 council members were present; a quorum is 2 (Standard Bylaw 18)."
        ],
        "votes_for": [
            "The motion did not carry (0 for, 1 against); record the motion council passed."
        ],
    }
    for (message,) in errors.values():
        assert response.text.count(message) == 1
    assert response.text.count("Please correct the errors below.") == 1
    assert delta(before, counts()) == {}
