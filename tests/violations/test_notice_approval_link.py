"""Approving a notice from the emailed link (issue 5, DESIGN §6): one email per council member
who may approve, a page that approves only on POST, and a link that is signed, bound to its
member and letter, and expires."""

import datetime as dt
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse

from communications.models import OutboundEmail
from tests.violations.drive import FAST_HASHERS, T0, counts, delta
from violations import services
from violations.models import NoticeApproval
from violations.services import case_letters
from violations.services.approval_links import approval_requests_queue, approval_token, approval_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings, monkeypatch):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    monkeypatch.setattr(case_letters, "html_to_pdf", lambda html: b"%PDF-1.7\n%" + html.encode())
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def world(strata, case, manager, council_member, second_council_member, recused_council_member):
    """Harbour View requires two approvals; Rex lives in the case's unit (recused)."""
    strata.notice_approvals_required = 2
    strata.save()
    draft = services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")
    return draft


def link(letter, user) -> str:
    return reverse("admin:notice_approval", args=[approval_token(letter, user)])


def test_preparing_emails_each_council_member_who_may_approve_once(
    world, case, council_member, second_council_member
):
    emails = OutboundEmail.objects.filter(kind="system", about=case.uuid).order_by("to_address")

    assert [(e.to_address, e.dedup_key) for e in emails] == [
        (
            "council2@example.test",
            f"violation:{case.uuid}:approve:{world.pk}:{second_council_member.uuid}",
        ),
        ("council@example.test", f"violation:{case.uuid}:approve:{world.pk}:{council_member.uuid}"),
    ]
    first = emails.get(to_address="council@example.test")
    assert first.subject == "VIO-20261101-001: a notice awaits your approval"
    assert approval_url(world, council_member) in first.body_text
    assert "needs 2 council approval(s)" in first.body_text

    approval_requests_queue(case, world)  # queued again: the same two rows
    assert emails.count() == 2


def test_preparing_without_required_approvals_emails_no_one(strata, case, manager, council_member):
    services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")
    assert not OutboundEmail.objects.filter(kind="system", about=case.uuid).exists()


def test_get_shows_the_notice_and_does_not_approve(client, world, council_member):
    client.force_login(council_member)
    before = counts()

    response = client.get(link(world, council_member))

    assert response.status_code == 200
    assert "Approve this notice" in response.text
    assert 'sandbox="allow-same-origin"' in response.text
    assert "allow-scripts" not in response.text
    assert "Council approvals: 0 of 2." in response.text
    assert delta(before, counts()) == {}


def test_post_approves_once(client, world, council_member):
    client.force_login(council_member)
    url = link(world, council_member)
    before = counts()

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 302 and first["Location"] == url
    assert second.status_code == 200
    assert "You have approved this notice." in second.text
    assert "Approve this notice" not in second.text
    assert delta(before, counts()) == {"approvals": 1, "events": 1, "audit": 1}
    assert NoticeApproval.objects.get().approver == council_member


def test_a_tampered_link_is_a_400_and_changes_nothing(client, world, council_member):
    client.force_login(council_member)
    token = approval_token(world, council_member)
    before = counts()

    response = client.post(reverse("admin:notice_approval", args=[token[:-2] + "xx"]))

    assert response.status_code == 400
    assert "This approval link is not valid" in response.text
    assert delta(before, counts()) == {}


def test_an_expired_link_is_a_400_and_changes_nothing(client, world, council_member):
    url = link(world, council_member)
    before = counts()

    with time_machine.travel(T0 + dt.timedelta(days=15), tick=False):
        client.force_login(council_member)
        response = client.post(url)

    assert response.status_code == 400
    assert "expired" in response.text
    assert delta(before, counts()) == {}


def test_another_members_link_is_refused(client, world, council_member, second_council_member):
    client.force_login(second_council_member)
    before = counts()

    response = client.post(link(world, council_member))

    assert response.status_code == 403
    assert "This link was sent to another council member." in response.text
    assert "Approve this notice" not in response.text
    assert delta(before, counts()) == {}


def test_a_recused_member_is_refused_without_seeing_the_notice(
    client, world, recused_council_member
):
    client.force_login(recused_council_member)
    before = counts()

    response = client.post(link(world, recused_council_member))

    assert response.status_code == 403
    assert "You are recused from VIO-20261101-001" in response.text
    assert "sandbox" not in response.text
    assert delta(before, counts()) == {}


def test_a_manager_is_not_council_and_is_refused(client, world, manager):
    client.force_login(manager)
    before = counts()

    response = client.post(link(world, manager))

    assert response.status_code == 403
    assert "Approve the notice needs the role of council in Harbour View." in response.text
    assert delta(before, counts()) == {}


def test_anonymous_is_sent_to_log_in_and_back(client, world, council_member):
    url = link(world, council_member)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={quote(url, safe='/')}"


def test_the_link_to_a_replaced_draft_approves_nothing(
    client, world, case, manager, council_member
):
    services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")
    client.force_login(council_member)
    url = link(world, council_member)
    before = counts()

    shown = client.get(url)
    posted = client.post(url)

    for response in (shown, posted):
        assert response.status_code == 200
        assert "The notice was prepared again after this link was sent" in response.text
        assert "Approve this notice" not in response.text
    assert delta(before, counts()) == {}
