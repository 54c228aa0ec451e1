"""A step the user may not take answers 403 with a page that says why in plain words and links
back: to the page they came from when it is on this site, else to the dashboard."""

import re

import pytest
from django.urls import reverse

from properties.models import Unit

pytestmark = pytest.mark.django_db

NO_ROLE = "You do not have the role this page needs in this strata."


def back_link(response) -> str:
    match = re.search(r'<a [^>]*id="forbidden-back"[^>]*href="([^"]*)"', response.content.decode())
    assert match is not None, "the page has no link back"
    return match.group(1)


def test_caretaker_opening_an_add_page_is_told_why_and_linked_back(client, caretaker, unit):
    client.force_login(caretaker)
    changelist = reverse("admin:properties_unit_changelist")
    response = client.get(
        reverse("admin:properties_unit_add"), HTTP_REFERER=f"http://testserver{changelist}"
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert NO_ROLE in page
    assert back_link(response) == f"http://testserver{changelist}"
    assert "Traceback" not in page and "PermissionDenied" not in page
    assert unit.strata.name not in page  # nothing of what was refused, not even the strata
    assert list(Unit.objects.values_list("unit_number", flat=True)) == ["101"]


def test_a_referrer_of_another_site_is_not_linked_the_dashboard_is(client, caretaker):
    client.force_login(caretaker)
    response = client.get(
        reverse("admin:properties_unit_add"), HTTP_REFERER="https://evil.example/admin/"
    )
    assert response.status_code == 403
    assert back_link(response) == reverse("admin:index")
    assert "evil.example" not in response.content.decode()


@pytest.mark.urls("tests.stratatracker.forbidden_urls")
def test_a_refusal_with_a_reason_shows_that_reason(client, manager):
    client.force_login(manager)
    response = client.get("/refused/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only this strata&#x27;s managers can edit its letters." in page
    assert NO_ROLE not in page
    assert back_link(response) == reverse("admin:index")
