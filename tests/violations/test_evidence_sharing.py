"""Sharing a case's evidence with the parties (DESIGN §5, §10): who reviews the case decides
what the parties see, a recused member never does, only a file with a resident copy can be
shared, and the party's own case page then lists it. Through the service and through the case
page's Evidence table."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import AuditLog
from accounts.resident_session import RESIDENT_ONLY
from tests.accounts.factories import UserFactory
from tests.violations.factories import EvidenceFactory, ViolationFactory
from violations.domain.workflow import TransitionRefused
from violations.models import CaseParty, Evidence, PartyRole, ViolationEvent
from violations.services.evidence import evidence_share_set

pytestmark = pytest.mark.django_db

COPY_BYTES = b"\xff\xd8\xff\xe0 copy"  # EvidenceFactory's resident copy


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def photo(case):
    return EvidenceFactory(case=case, original_name="balcony.jpg", description="The balcony")


@pytest.fixture
def pdf(case):
    """A PDF: kept for staff, with no resident copy."""
    return EvidenceFactory(
        case=case,
        original_name="noise-log.pdf",
        kind=Evidence.Kind.PDF,
        content_type="application/pdf",
        resident_copy="",
    )


@pytest.fixture
def olive(case, owner_for_notices):
    """Olive, the owner, a respondent on the case, with her resident login."""
    owner_for_notices.user = UserFactory(email="olive.login@example.test", full_name="Olive Owner")
    owner_for_notices.save(update_fields=["user"])
    CaseParty.objects.create(
        case=case, person=owner_for_notices, role=PartyRole.RESPONDENT, required=True
    )
    return owner_for_notices.user


def sign_in_as_resident(client, user) -> None:
    """As a case link signs a resident in: a resident-only session."""
    client.force_login(user)
    session = client.session
    session[RESIDENT_ONLY] = True
    session.save()


def resident_file_url(evidence) -> str:
    return reverse("resident_evidence_file", args=[evidence.case.uuid, evidence.uuid])


def share_url(case, evidence) -> str:
    return reverse("admin:violations_violation_evidence_share", args=[case.pk, evidence.uuid])


def case_url(case) -> str:
    return reverse("admin:violations_violation_change", args=[case.pk])


def state(evidence) -> tuple:
    """What a refusal must leave alone: the flag, the case's events, the audit log."""
    evidence.refresh_from_db()
    return (
        evidence.shared_with_parties,
        ViolationEvent.objects.filter(case=evidence.case).count(),
        AuditLog.objects.count(),
    )


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the service ------------------------------------------------------------------------------


def test_manager_shares_a_photo_and_the_party_then_sees_it(client, case, photo, olive, manager):
    sign_in_as_resident(client, olive)
    before = client.get(f"/my/cases/{case.uuid}/")
    assert before.status_code == 200
    assert resident_file_url(photo) not in before.text
    assert "No evidence has been shared with you." in before.text

    changed = evidence_share_set(evidence=photo, actor=manager, shared=True)

    assert changed is True
    photo.refresh_from_db()
    assert photo.shared_with_parties is True
    event = ViolationEvent.objects.get(case=case)
    assert (event.kind, event.actor, event.visible_to_resident) == (
        "evidence_shared",
        manager,
        True,
    )
    assert (event.from_status, event.to_status) == (case.status, case.status)
    assert event.text == "Shared with the parties: balcony.jpg"
    assert event.data == {"evidence": str(photo.uuid), "name": "balcony.jpg"}
    audit = AuditLog.objects.get()
    assert (audit.action, audit.actor, audit.strata, audit.target_uuid) == (
        "violation.evidence_shared",
        manager,
        case.strata,
        case.uuid,
    )
    assert audit.changes == {
        "evidence": str(photo.uuid),
        "name": "balcony.jpg",
        "shared_with_parties": {"from": False, "to": True},
    }
    page = client.get(f"/my/cases/{case.uuid}/")
    assert page.status_code == 200
    assert resident_file_url(photo) in page.text
    assert "The balcony" in page.text
    assert "Evidence shared with you" in page.text
    assert "No evidence has been shared with you." not in page.text
    download = client.get(resident_file_url(photo))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == COPY_BYTES


def test_council_member_may_share(case, photo, council_member):
    assert evidence_share_set(evidence=photo, actor=council_member, shared=True) is True

    photo.refresh_from_db()
    assert photo.shared_with_parties is True
    assert ViolationEvent.objects.get(case=case).actor == council_member


@pytest.mark.parametrize("who", ["caretaker", "other_manager"])
def test_who_does_not_review_the_case_may_not_share(case, photo, who, request):
    actor = request.getfixturevalue(who)
    before = state(photo)

    with pytest.raises(TransitionRefused) as refused:
        evidence_share_set(evidence=photo, actor=actor, shared=True)

    assert refused.value.messages == [
        "Deciding what the parties see needs the role of manager, council in Harbour View."
    ]
    assert refused.value.code == "role"
    assert state(photo) == before == (False, 0, 0)


def test_recused_council_member_may_not_share(case, photo, recused_council_member):
    before = state(photo)

    with pytest.raises(TransitionRefused) as refused:
        evidence_share_set(evidence=photo, actor=recused_council_member, shared=True)

    assert refused.value.code == "recused"
    assert refused.value.messages == [
        f"You are recused from {case.reference}: you are a party, a complainant or an occupant "
        "of its unit (SPA s.32). Another member must decide it."
    ]
    assert state(photo) == before == (False, 0, 0)


def test_a_file_without_a_resident_copy_cannot_be_shared(client, case, pdf, olive, manager):
    before = state(pdf)

    with pytest.raises(TransitionRefused) as refused:
        evidence_share_set(evidence=pdf, actor=manager, shared=True)

    assert refused.value.messages == [
        "“noise-log.pdf” cannot be shared with the parties: residents are only shown a copy "
        "made without the file's metadata, and only images have one."
    ]
    assert state(pdf) == before == (False, 0, 0)
    sign_in_as_resident(client, olive)
    assert resident_file_url(pdf) not in client.get(f"/my/cases/{case.uuid}/").text


def test_stop_sharing_hides_the_file_again(client, case, photo, olive, manager):
    evidence_share_set(evidence=photo, actor=manager, shared=True)

    changed = evidence_share_set(evidence=photo, actor=manager, shared=False)

    assert changed is True
    photo.refresh_from_db()
    assert photo.shared_with_parties is False
    unshared = ViolationEvent.objects.get(case=case, kind="evidence_unshared")
    assert unshared.visible_to_resident is False
    assert unshared.text == "No longer shared with the parties: balcony.jpg"
    audit = AuditLog.objects.get(action="violation.evidence_unshared")
    assert audit.changes["shared_with_parties"] == {"from": True, "to": False}
    sign_in_as_resident(client, olive)
    page = client.get(f"/my/cases/{case.uuid}/")
    assert resident_file_url(photo) not in page.text
    assert "No evidence has been shared with you." in page.text
    assert client.get(resident_file_url(photo)).status_code == 404


def test_sharing_what_is_already_so_changes_nothing(case, photo, manager):
    assert evidence_share_set(evidence=photo, actor=manager, shared=False) is False
    assert state(photo) == (False, 0, 0)
    evidence_share_set(evidence=photo, actor=manager, shared=True)
    after_sharing = state(photo)

    assert evidence_share_set(evidence=photo, actor=manager, shared=True) is False

    assert state(photo) == after_sharing == (True, 1, 1)


# --- the case page's Evidence table -------------------------------------------------------


def test_manager_shares_from_the_case_page(client, case, photo, manager):
    client.force_login(manager)
    page = client.get(case_url(case))
    assert f'action="{share_url(case, photo)}"' in page.text
    assert "Share with the parties</button>" in page.text

    response = client.post(share_url(case, photo), {"shared": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{case_url(case)}#case-evidence"
    assert said(response) == [f"“balcony.jpg” is now shared with the parties to {case.reference}."]
    assert state(photo) == (True, 1, 1)
    assert "Stop sharing</button>" in client.get(case_url(case)).text


def test_manager_stops_sharing_from_the_case_page(client, case, photo, manager):
    evidence_share_set(evidence=photo, actor=manager, shared=True)
    client.force_login(manager)

    response = client.post(share_url(case, photo), {"shared": "0"})

    assert response.status_code == 302
    assert said(response) == [
        f"“balcony.jpg” is no longer shared with the parties to {case.reference}."
    ]
    assert state(photo) == (False, 2, 2)


def test_a_refusal_comes_back_as_a_message_and_changes_nothing(client, case, pdf, manager):
    client.force_login(manager)

    response = client.post(share_url(case, pdf), {"shared": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{case_url(case)}#case-evidence"
    assert said(response) == [
        "“noise-log.pdf” cannot be shared with the parties: residents are only shown a copy "
        "made without the file's metadata, and only images have one."
    ]
    assert state(pdf) == (False, 0, 0)


def test_posting_what_is_already_so_says_nothing_changed(client, case, photo, manager):
    client.force_login(manager)

    response = client.post(share_url(case, photo), {"shared": "0"})

    assert said(response) == ["“balcony.jpg” was not shared with the parties; nothing changed."]
    assert state(photo) == (False, 0, 0)


def test_caretaker_sees_the_column_but_no_button_and_may_not_post(client, case, photo, caretaker):
    client.force_login(caretaker)
    page = client.get(case_url(case))
    assert page.status_code == 200
    assert "Shared with the parties" in page.text
    assert share_url(case, photo) not in page.text
    assert "Share with the parties</button>" not in page.text

    response = client.post(share_url(case, photo), {"shared": "1"})

    assert response.status_code == 403
    assert state(photo) == (False, 0, 0)


def test_recused_member_cannot_reach_the_share_button(client, case, photo, recused_council_member):
    client.force_login(recused_council_member)

    response = client.post(share_url(case, photo), {"shared": "1"})

    assert response.status_code == 404
    assert case.reference not in response.text
    assert state(photo) == (False, 0, 0)


def test_evidence_of_another_case_or_strata_is_not_found(
    client, case, photo, unit, other_unit, manager, other_manager
):
    neighbour = EvidenceFactory(case=ViolationFactory(unit=unit, reference="VIO-20261101-002"))
    foreign = EvidenceFactory(case=ViolationFactory(unit=other_unit, reference="VIO-20261101-009"))
    client.force_login(manager)

    answers = [
        client.post(share_url(case, neighbour), {"shared": "1"}),  # another case's file
        client.post(share_url(case, foreign), {"shared": "1"}),  # another strata's file
        client.post(share_url(foreign.case, foreign), {"shared": "1"}),  # another strata's case
    ]
    client.force_login(other_manager)
    answers.append(client.post(share_url(case, photo), {"shared": "1"}))

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    for evidence in (neighbour, foreign, photo):
        evidence.refresh_from_db()
        assert evidence.shared_with_parties is False
    assert not ViolationEvent.objects.filter(kind="evidence_shared").exists()
    assert not AuditLog.objects.exists()


def test_the_share_url_takes_only_a_post_saying_what_to_do(client, case, photo, manager):
    client.force_login(manager)

    answers = [
        client.get(share_url(case, photo)),
        client.post(share_url(case, photo)),
        client.post(share_url(case, photo), {"shared": "yes"}),
    ]

    assert [answer.status_code for answer in answers] == [405, 400, 400]
    assert state(photo) == (False, 0, 0)
