"""The set-password email that invites a staff member (or tells them of a new role)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def set_password_url(user) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def send_invitation(*, membership, invited_by) -> None:
    user = membership.user
    context = {
        "user": user,
        "membership": membership,
        "strata": membership.strata,
        "role": membership.get_role_display(),
        "invited_by": invited_by,
        "needs_password": not user.has_usable_password(),
        "set_password_url": set_password_url(user),
        "login_url": f"{settings.SITE_URL}{reverse('admin:index')}",
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation_body.txt", context)
    EmailMultiAlternatives(subject=subject, body=body, to=[user.email]).send()
