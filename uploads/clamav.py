"""Virus scanning with clamd (optional; ``CLAMAV_SOCKET``), over its INSTREAM protocol.

Called before any database transaction: it is network I/O (STYLE).
"""

import socket
import struct

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext as _

# clamd reads a stream in chunks; its StreamMaxLength limits the whole.
CHUNK_BYTES = 64 * 1024


def scan_files(uploads) -> bool:
    """Scan each upload (its ``file`` and ``name``) when CLAMAV_SOCKET is set, and say whether
    they were scanned (all clean). Raises ValidationError if one is infected or the scanner
    cannot answer: when scanning is on, nothing is accepted unscanned."""
    if not settings.CLAMAV_SOCKET:
        return False
    errors = []
    for upload in uploads:
        try:
            reply = clamd_instream(upload.file)
        except (OSError, ValueError):
            raise ValidationError(
                _(
                    "The virus scanner could not be reached, so no file was stored; "
                    "try again later or tell the site's administrator"
                )
            ) from None
        if reply.endswith(" FOUND"):
            signature = reply.removeprefix("stream:").removesuffix(" FOUND").strip()
            errors.append(
                _("%(name)s was refused: the virus scanner found %(signature)s in it")
                % {"name": upload.name, "signature": signature}
            )
        elif reply != "stream: OK":
            errors.append(
                _("%(name)s could not be scanned for viruses (the scanner said: %(reply)s)")
                % {"name": upload.name, "reply": reply[:200]}
            )
    if errors:
        raise ValidationError(errors)
    return True


def clamd_instream(file: File) -> str:
    """Send the file with clamd's INSTREAM command (length-prefixed chunks, then a zero
    length) and return its one-line reply, e.g. ``stream: OK``."""
    address = settings.CLAMAV_SOCKET
    timeout = settings.CLAMAV_TIMEOUT_SECONDS
    if address.startswith("/"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(address)
    else:
        host, _colon, port = address.rpartition(":")
        connection = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
    with connection:
        try:
            connection.sendall(b"zINSTREAM\0")
            for chunk in file.chunks(CHUNK_BYTES):
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
        except OSError:
            pass  # clamd stops reading to report an error (a size limit): read it below
        reply = b""
        while not reply.endswith(b"\0"):
            received = connection.recv(4096)
            if not received:
                break
            reply += received
    if not reply:
        raise ConnectionError("clamd closed the connection without a reply")
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
