"""Secrets in URLs never reach a log (docs/residents.md): a personal case link (``/r/<code>/``),
a sign-in link (``/my/sign-in/<code>/``) and an unsubscribe link
(``/email/unsubscribe/<token>/``, which stops a person's newsletters) carry their secret in
the path, which Django logs on a 4xx answer and gunicorn logs on every request (and in the
Referer of the next one). Both loggers print ``[secret]`` in its place: anyone who reads the
logs can open nothing."""

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

_SECRET_PATH = re.compile(r"(/(?:r|my/sign-in|email/unsubscribe)/)(?!fresh/)[^/\s?\"']+")


def redact(text: str) -> str:
    return _SECRET_PATH.sub(r"\1[secret]", text)


class RedactSecrets(logging.Filter):
    """On the console handler: every record, whichever logger wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's access log with the same redaction of the request line, path and Referer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
