"""A session a resident link started is resident only: the staff admin refuses it even for an
account with a staff role, until that person signs in to the admin with their password."""

from django.conf import settings
from django.urls import reverse

from accounts.resident_session import RESIDENT_ONLY, is_resident_only


def resident_session(client, user):
    client.force_login(user)
    session = client.session
    session[RESIDENT_ONLY] = True
    session.set_expiry(settings.RESIDENT_SESSION_HOURS * 3600)  # as resident_login sets it
    session.save()


def test_the_admin_refuses_a_council_members_resident_session(client, council_member):
    resident_session(client, council_member)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_password_login_to_the_admin_ends_the_resident_mark(client, council_member):
    council_member.set_password("a-long-staff-password-2026")
    council_member.save()
    resident_session(client, council_member)

    login = client.post(
        reverse("admin:login"),
        {"username": council_member.email, "password": "a-long-staff-password-2026"},
    )

    assert login.status_code == 302
    assert RESIDENT_ONLY not in client.session
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_staff_login_is_not_resident_only(client, manager, rf):
    client.force_login(manager)
    assert client.get(reverse("admin:index")).status_code == 200
    request = rf.get("/")
    request.session = client.session
    assert is_resident_only(request) is False


def test_a_resident_only_session_downloads_no_staff_file(client, council_member, unit):
    from tests.violations.factories import EvidenceFactory, ViolationFactory

    evidence = EvidenceFactory(case=ViolationFactory(unit=unit))
    url = reverse("violations:evidence-download", args=[evidence.uuid])
    client.force_login(council_member)
    assert client.get(url).status_code == 200

    resident_session(client, council_member)

    assert client.get(url).status_code == 404


def test_a_resident_only_session_accepts_no_staff_role(client, strata):
    from accounts.models import StrataMembership
    from tests.accounts.factories import MembershipFactory, UserFactory

    pending = MembershipFactory(
        strata=strata,
        role=StrataMembership.Role.COUNCIL,
        user=UserFactory(email="new.council@example.test"),
        accepted_at=None,
    )
    resident_session(client, pending.user)

    answer = client.post(reverse("membership_accept", args=[pending.uuid]))

    assert answer.status_code == 404
    pending.refresh_from_db()
    assert pending.accepted_at is None
