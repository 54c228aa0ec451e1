"""Ending a membership revokes it at once (security review, issue 12 item 5): the ended
member's open session and a fresh login lose the admin, and council emails stop, that very
day; a role ended for a later day holds through that day (docs/security.md)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import StrataMembership, User
from accounts.permissions import is_staff_member
from accounts.services import membership_accept, membership_end
from communications.models import OutboundEmail
from tests.violations.drive import FAST_HASHERS, T0
from violations import services
from violations.services import case_letters
from violations.services.digests import digest_recipients

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast(settings, monkeypatch):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    monkeypatch.setattr(case_letters, "html_to_pdf", lambda html: b"%PDF-1.7\n%" + html.encode())
    with time_machine.travel(T0, tick=False):
        yield


def end_today(member, manager) -> StrataMembership:
    return membership_end(
        membership=StrataMembership.objects.get(user=member, role="council"), actor=manager
    )


def test_an_open_session_loses_the_admin_the_moment_the_role_ends(client, manager, council_member):
    client.force_login(council_member)
    assert client.get(reverse("admin:index")).status_code == 200

    ended = end_today(council_member, manager)

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert (ended.ends_on, ended.ended_at) == (dt.date(2026, 11, 25), T0)


def test_a_fresh_login_is_refused_the_day_the_role_ends(client, manager, council_member):
    end_today(council_member, manager)

    response = client.post(
        reverse("admin:login"), {"username": council_member.email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "no current staff role" in response.text


def test_an_ended_council_member_gets_no_approval_email_the_same_day(
    strata, case, manager, council_member, second_council_member
):
    strata.notice_approvals_required = 1
    strata.save()
    end_today(council_member, manager)

    services.violation_prepare_notice(case=case, actor=manager, respondent_role="owners")

    assert list(
        OutboundEmail.objects.filter(kind="system", about=case.uuid).values_list(
            "to_address", flat=True
        )
    ) == ["council2@example.test"]


def test_an_ended_member_is_no_digest_recipient_the_same_day(
    manager, council_member, second_council_member
):
    end_today(council_member, manager)

    assert council_member not in digest_recipients()
    assert second_council_member in digest_recipients()


def test_a_role_ended_for_a_later_day_holds_through_that_day(manager, council_member):
    membership = StrataMembership.objects.get(user=council_member, role="council")

    ended = membership_end(membership=membership, actor=manager, ends_on=dt.date(2026, 11, 26))

    assert is_staff_member(User.objects.get(pk=council_member.pk))
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert is_staff_member(User.objects.get(pk=council_member.pk))
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        assert not is_staff_member(User.objects.get(pk=council_member.pk))
    assert (ended.ends_on, ended.ended_at) == (dt.date(2026, 11, 26), None)


def test_a_role_ended_today_cannot_then_be_accepted(manager, strata, council_member):
    membership = StrataMembership.objects.get(user=council_member, role="council")
    StrataMembership.objects.filter(pk=membership.pk).update(accepted_at=None)
    end_today(council_member, manager)

    with pytest.raises(Exception, match="This role has ended"):
        membership_accept(membership_uuid=membership.uuid, actor=council_member)
