"""An email backend for tests that answers like a provider would, from a script.

``ScriptedBackend.script`` maps a recipient address to the exceptions its next sends raise,
in order (an Anymail API error, a refused recipient...); once a script runs out the message
is accepted and kept in ``ScriptedBackend.sent``. ``install(settings)`` points the default
mailer at it with an empty script.
"""

from django.core.mail.backends.base import BaseEmailBackend

BACKEND = "tests.communications.scripted_backend.ScriptedBackend"


class ScriptedBackend(BaseEmailBackend):
    script: dict[str, list[Exception]] = {}
    sent: list = []

    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            for recipient in message.recipients():
                address = recipient.rsplit("<", 1)[-1].rstrip(">").lower()
                if self.script.get(address):
                    raise self.script[address].pop(0)
            self.sent.append(message)
            count += 1
        return count


def install(settings) -> type[ScriptedBackend]:
    """Make ``ScriptedBackend`` the default mailer (``settings``: pytest-django's fixture)."""
    settings.MAILERS = {"default": {"BACKEND": BACKEND}}
    ScriptedBackend.script = {}
    ScriptedBackend.sent = []
    return ScriptedBackend
