"""A session a resident link started is resident only: the staff admin refuses it even for an
account with a staff role, until that person signs in to the admin with their password."""

from django.urls import reverse

from accounts.resident_session import RESIDENT_ONLY, is_resident_only


def resident_session(client, user):
    client.force_login(user)
    session = client.session
    session[RESIDENT_ONLY] = True
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
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_staff_login_is_not_resident_only(client, manager, rf):
    client.force_login(manager)
    assert client.get(reverse("admin:index")).status_code == 200
    request = rf.get("/")
    request.session = client.session
    assert is_resident_only(request) is False
