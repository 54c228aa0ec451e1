"""Link secrets in a path never reach a log: Django's request warnings and gunicorn's access
log print [secret] instead (stratatracker.log_redaction)."""

import datetime as dt
import logging
from types import SimpleNamespace

from gunicorn.config import Config

from stratatracker.log_redaction import RedactingGunicornLogger, RedactSecrets

CASE_LINK = "/r/K7QH-M2XP-9TFA-W3RD/"
SIGN_IN = "/my/sign-in/ABCD-EFGH-JKMN-PQRS/"
UNSUBSCRIBE = "/email/unsubscribe/0f1e2d3c4b5a69788796a5b4c3d2e1f0:1abcDE:xyz/"


def record(msg, *args) -> logging.LogRecord:
    return logging.LogRecord("django.request", logging.WARNING, __file__, 1, msg, args, None)


def test_a_logged_request_path_keeps_no_secret():
    for path, shown in (
        (CASE_LINK, "/r/[secret]/"),
        (SIGN_IN, "/my/sign-in/[secret]/"),
        (UNSUBSCRIBE, "/email/unsubscribe/[secret]/"),
    ):
        logged = record("Bad Request: %s", path)
        assert RedactSecrets().filter(logged) is True
        assert logged.getMessage() == f"Bad Request: {shown}"


def test_other_paths_and_the_fresh_link_form_are_left_as_they_are():
    for message in ("Not Found: /my/cases/", "Forbidden: /r/", "/r/[secret]/fresh/"):
        logged = record(message)
        RedactSecrets().filter(logged)
        assert logged.getMessage() == message


def test_the_console_handler_redacts_every_logger():
    handlers = logging.getLogger().handlers
    assert any(isinstance(f, RedactSecrets) for h in handlers for f in h.filters)


def test_gunicorns_access_log_redacts_the_request_line_and_the_referer():
    logger = RedactingGunicornLogger(Config())
    request = SimpleNamespace(
        method="POST",
        path=CASE_LINK,
        query="",
        uri=CASE_LINK,
        version=(1, 1),
        headers=[("REFERER", "https://strata.example.com" + SIGN_IN)],
    )
    response = SimpleNamespace(status="302 Found", sent=0, headers=[], response_length=0)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": CASE_LINK,
        "PATH_INFO": CASE_LINK,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://strata.example.com" + SIGN_IN,
    }

    atoms = logger.atoms(response, request, environ, dt.timedelta(0))

    text = " ".join(str(value) for value in atoms.values())
    assert "K7QH" not in text and "ABCD-EFGH" not in text
    assert atoms["r"] == "POST /r/[secret]/ HTTP/1.1"
    assert atoms["f"] == "https://strata.example.com/my/sign-in/[secret]/"
