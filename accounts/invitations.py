"""The emails of staff accounts: invitations (set-password links) and password resets.

Both go through the outbox like every other email; they are queued inside the caller's
transaction and sent by the email workers after it commits.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from communications.services import queue_email


def set_password_url(user, *, uidb64: str | None = None, token: str | None = None) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": uidb64 or urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token or default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def queue_invitation(*, membership, invited_by) -> None:
    """Tell a new staff member (or one with a new role) how to sign in. One per membership.

    An account without a password gets ``accounts.invitation_set_password``, whose wording no
    strata may change (it carries the link); any other account gets ``accounts.invitation``,
    with no sign-in link, only the page where its holder, signed in, accepts the role. A role
    waiting for acceptance is linked in both.
    """
    user = membership.user
    needs_password = not user.has_usable_password()
    context = {
        "recipient_name": user.full_name,
        "inviter_name": invited_by.get_full_name() if invited_by else "",
        "strata_name": membership.strata.name,
        "role": str(membership.get_role_display()),
        "accept_url": accept_url(membership) if membership.accepted_at is None else "",
        "login_email": user.email,
    }
    if needs_password:
        context["set_password_url"] = set_password_url(user)
    queue_email(
        kind="system",
        to=user.email,
        to_name=user.full_name,
        strata=membership.strata,
        template="accounts.invitation_set_password" if needs_password else "accounts.invitation",
        context=context,
        dedup_key=f"membership:{membership.uuid}:invitation",
        about=membership.uuid,
        sensitive=needs_password,
    )


def accept_url(membership) -> str:
    """The page where the invited person, signed in, accepts a role (no secret in it)."""
    path = reverse("membership_accept", kwargs={"membership_uuid": membership.uuid})
    return f"{settings.SITE_URL}{path}"
