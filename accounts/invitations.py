"""The emails of staff accounts: invitations (set-password links) and password resets.

Both go through the outbox like every other email; they are queued inside the caller's
transaction and sent by the email workers after it commits.
"""

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
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

    Only an account without a password gets a set-password link; anyone else signs in as
    usual, so inviting an existing user never mails out a way into their account.
    """
    user = membership.user
    needs_password = not user.has_usable_password()
    queue_email(
        kind="system",
        to=user.email,
        to_name=user.full_name,
        strata=membership.strata,
        template="accounts.invitation",
        context={
            "recipient_name": user.full_name,
            "inviter_name": invited_by.get_full_name() if invited_by else "",
            "strata_name": membership.strata.name,
            "role": str(membership.get_role_display()),
            "needs_password": "yes" if needs_password else "",
            "set_password_url": set_password_url(user) if needs_password else "",
            "login_url": f"{settings.SITE_URL}{reverse('admin:index')}",
            "login_email": user.email,
        },
        dedup_key=f"membership:{membership.uuid}:invitation",
        about=membership.uuid,
        sensitive=needs_password,
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset, its email queued in the outbox with a link on SITE_URL (never
    the request's Host header). A second request within the same hour sends nothing new: the
    first link still works."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context["user"]
        email = getattr(user, user.get_email_field_name())
        queue_email(
            kind="login",
            to=email,
            to_name=user.full_name,
            template="accounts.password_reset",
            context={
                "recipient_name": user.full_name,
                "reset_url": set_password_url(user, uidb64=context["uid"], token=context["token"]),
                "login_email": email,
            },
            about=user.uuid,
            sensitive=True,
        )
