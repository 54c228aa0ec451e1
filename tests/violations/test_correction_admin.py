"""Correcting a recorded entry from the case page: a "Correct" link beside each entry, a small
form (void or amend, with a reason), the original shown voided beside its amendment."""

import datetime as dt
import types

import pytest
import time_machine
from django.urls import reverse

from tests.violations.drive import FAST_HASHERS, T0, Driver, snapshot
from violations.models import Response, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(case, owner_for_notices, manager, council_member, caretaker):
    Driver(actor=manager, council=[council_member]).to(case, "responded")
    response = case.responses.get()
    return types.SimpleNamespace(
        case=case,
        response=response,
        manager=manager,
        caretaker=caretaker,
        url=reverse(
            "admin:violations_violation_correct", args=[case.pk, "response", response.uuid]
        ),
        case_url=reverse("admin:violations_violation_change", args=[case.pk]),
    )


def form_data(response: Response, **extra) -> dict:
    local = response.received_at.astimezone(dt.timezone(dt.timedelta(hours=-8)))
    return {
        "action": "amend",
        "reason": "The letter says it was a wedding.",
        "received_at_0": local.date().isoformat(),
        "received_at_1": local.strftime("%H:%M:%S"),
        "channel": response.channel,
        "text": response.text,
        **extra,
    }


def test_the_case_page_links_each_response_to_its_correction(client, w):
    client.force_login(w.manager)

    page = client.get(w.case_url)

    assert page.status_code == 200
    assert f'href="{w.url}"' in page.text


def test_the_form_amends_the_response_and_the_page_shows_both(client, w):
    client.force_login(w.manager)

    posted = client.post(w.url, form_data(w.response, text="It was a wedding."))

    assert posted.status_code == 302
    assert posted["Location"] == w.case_url
    amended = w.case.responses.get()
    assert (amended.text, amended.amends) == ("It was a wedding.", w.response)
    page = client.get(w.case_url)
    assert "It was a wedding." in page.text
    assert "It was a birthday party; it will not happen again." in page.text
    assert "Voided on 25 Nov 2026 by manager: The letter says it was a wedding." in page.text
    assert "Amends the entry voided on 25 Nov 2026." in page.text


def test_the_form_voids_the_response(client, w):
    client.force_login(w.manager)

    posted = client.post(w.url, {"action": "void", "reason": "Recorded on the wrong case."})

    assert posted.status_code == 302
    w.case.refresh_from_db()
    assert w.case.status == Status.NOTICE_SENT
    assert not w.case.responses.exists()


def test_a_refusal_is_shown_on_the_form_and_changes_nothing(client, w):
    client.force_login(w.manager)
    before = snapshot(w.case)

    posted = client.post(w.url, form_data(w.response, received_at_0="2026-11-24"))

    assert posted.status_code == 200
    assert posted.context["form"].errors["received_at"] == [
        "The response cannot be received on 24 Nov 2026, before the notice was sent on 25 Nov 2026."
    ]
    assert snapshot(w.case) == before


def test_a_caretaker_may_not_open_the_form(client, w):
    client.force_login(w.caretaker)

    assert client.get(w.url).status_code == 403
    assert client.post(w.url, {"action": "void", "reason": "x"}).status_code == 403
    assert w.case.responses.exists()


def test_a_voided_entry_has_no_form(client, w):
    client.force_login(w.manager)
    client.post(w.url, {"action": "void", "reason": "Recorded on the wrong case."})

    assert client.get(w.url).status_code == 404


def test_a_postponed_hearing_offers_no_correction_the_service_would_refuse(client, w):
    """A postponement opened a new request and is never corrected: no link, no form."""
    hearing = w.case.hearings.create(
        requested_by=w.case.parties.filter(role="respondent").first(),
        requested_on=dt.date(2026, 11, 20),
        reason="Away that week.",
        hold_by=dt.date(2026, 12, 18),
        scheduled_for=T0,
        outcome="postponed_by_request",
    )
    url = reverse(
        "admin:violations_violation_correct", args=[w.case.pk, "hearing_outcome", hearing.uuid]
    )
    client.force_login(w.manager)

    assert f'href="{url}"' not in client.get(w.case_url).text
    assert client.get(url).status_code == 404
