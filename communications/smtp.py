"""Django's SMTP backend, keeping the server's reply to each message.

The reply to DATA ("250 2.0.0 Ok: queued as 4Xk9") names the message in the server's logs; the
outbox stores it as the provider message id. Certificate checks are Django's: STARTTLS and
implicit TLS verify the server against the system trust store.
"""

import smtplib

from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend


class _RepliesMixin:
    last_data_reply = ""

    def data(self, msg):
        code, reply = super().data(msg)
        self.last_data_reply = f"{code} {reply.decode(errors='replace')}"
        return code, reply


class _SMTP(_RepliesMixin, smtplib.SMTP):
    pass


class _SMTPSSL(_RepliesMixin, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoSMTPBackend):
    @property
    def connection_class(self):
        return _SMTPSSL if self.use_ssl else _SMTP

    def _send(self, email_message):
        sent = super()._send(email_message)
        if sent:
            email_message.provider_reply = self.connection.last_data_reply[:255]
        return sent
