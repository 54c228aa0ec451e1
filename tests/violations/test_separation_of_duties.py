"""Separation of duties on a notice (docs/security.md): an approval counts only from a council
member who neither prepared the notice nor sends it. A recused member cannot approve at all
(tests/violations/test_notice_approval_link.py, test_transitions.py)."""

import pytest
import time_machine

from accounts.models import StrataMembership, User
from communications.models import OutboundEmail
from tests.accounts.factories import MembershipFactory
from tests.violations.drive import FAST_HASHERS, T0, snapshot
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import NoticeApproval
from violations.selectors.cases import cases_awaiting_council_for
from violations.selectors.meetings import meeting_agenda
from violations.services import case_letters

pytestmark = pytest.mark.django_db

DRAFTER_REFUSED = (
    "You prepared this notice: an approval counts only from a council member who did not "
    "prepare it. Another member must approve."
)


@pytest.fixture(autouse=True)
def _fast(settings, monkeypatch):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    monkeypatch.setattr(case_letters, "html_to_pdf", lambda html: b"%PDF-1.7\n%" + html.encode())
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def one_approval(strata):
    strata.notice_approvals_required = 1
    strata.save()
    return strata


def prepare(case, actor):
    return services.violation_prepare_notice(case=case, actor=actor, respondent_role="owners")


def fresh(user) -> User:
    """The user as a new request loads them (no cached roles)."""
    return User.objects.get(pk=user.pk)


def test_the_council_member_who_prepared_a_notice_cannot_approve_it(
    one_approval, case, council_member, second_council_member
):
    prepare(case, council_member)
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_approve_notice(case=case, actor=council_member)

    assert refused.value.messages == [DRAFTER_REFUSED]
    assert snapshot(case) == before
    # Another member's approval counts, and the drafter may then send it.
    services.violation_approve_notice(case=case, actor=second_council_member)
    services.violation_send_notice(case=case, actor=council_member)
    case.refresh_from_db()
    assert case.status == "notice_sent"


def test_a_manager_who_prepared_a_notice_cannot_approve_it_after_joining_council(
    one_approval, strata, case, manager
):
    prepare(case, manager)
    MembershipFactory(strata=strata, user=manager, role=StrataMembership.Role.COUNCIL)
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_approve_notice(case=case, actor=fresh(manager))

    assert refused.value.messages == [DRAFTER_REFUSED]
    assert snapshot(case) == before


def test_an_approval_by_the_member_who_sends_the_notice_does_not_count(
    one_approval, case, manager, council_member
):
    prepare(case, manager)
    services.violation_approve_notice(case=case, actor=council_member)
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_send_notice(case=case, actor=council_member)

    assert refused.value.messages == [
        "This notice has 0 of the 1 council approvals Harbour View requires; it can be sent "
        "once 1 more member(s) approve. Your own approval does not count when you send the "
        "notice: an approval counts only from a member who neither prepared nor sends it."
    ]
    assert snapshot(case) == before
    assert not case.letters.filter(issued_at__isnull=False).exists()
    services.violation_send_notice(case=case, actor=manager)
    case.refresh_from_db()
    assert case.status == "notice_sent"


def test_an_approval_by_the_drafter_saved_before_does_not_count_anywhere(
    one_approval, strata, case, manager, council_member, second_council_member
):
    draft = prepare(case, council_member)
    NoticeApproval.objects.create(letter=draft, approver=council_member)  # as before the fix
    before = snapshot(case)

    with pytest.raises(TransitionRefused) as refused:
        services.violation_send_notice(case=case, actor=manager)

    assert refused.value.messages == [
        "This notice has 0 of the 1 council approvals Harbour View requires; it can be sent "
        "once 1 more member(s) approve."
    ]
    assert snapshot(case) == before
    [queue] = cases_awaiting_council_for(second_council_member)
    assert [(c.pk, c.approvals_given) for c in queue["approvals"]] == [(case.pk, 0)]
    [item] = meeting_agenda(strata, user=second_council_member)["approvals"]
    assert (item.case.pk, item.case.approvals_given) == (case.pk, 0)


def test_the_member_who_prepared_the_notice_is_sent_no_approval_link(
    strata, case, council_member, second_council_member
):
    strata.notice_approvals_required = 2
    strata.save()

    prepare(case, council_member)

    assert list(
        OutboundEmail.objects.filter(kind="system", about=case.uuid).values_list(
            "to_address", flat=True
        )
    ) == ["council2@example.test"]
