"""Password reset by email, answered the same whether or not the address is known.

The request only validates the address and enqueues ``queue_password_reset_task`` on commit;
the lookup and the email happen after the response (docs/security.md), so neither the
time taken nor the queries run tell an attacker which addresses have accounts.
"""

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

from accounts.tasks import queue_password_reset_task


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset form whose ``save`` hands the address to a task. The task
    (``accounts.services.password_reset_queue``) finds the active users with a usable password
    and queues their email in the outbox with a link on SITE_URL (never the request's Host
    header). A second request within the same hour sends nothing new: the first link still
    works."""

    def save(self, *args, **kwargs) -> None:
        email = self.cleaned_data["email"]
        transaction.on_commit(lambda: queue_password_reset_task.delay(email))
