"""Virus scanning of evidence (``uploads.clamav`` does the scanning), recorded on each row as
its ``ScanStatus``. Called before any database transaction: it is network I/O (STYLE).
"""

from uploads.clamav import scan_files
from violations.models import ScanStatus


def scan_uploads(uploads) -> str:
    """Scan each upload when CLAMAV_SOCKET is set (``uploads.clamav.scan_files``: an infected
    file or a scanner that cannot answer refuses them all); the status to record."""
    return ScanStatus.CLEAN if scan_files(uploads) else ScanStatus.NOT_SCANNED
