"""Paper that arrives with a transition, kept as the case's evidence: the scan or photos of a
response or hearing request received on paper, and the photos a complaint is filed with.

The files go through the evidence pipeline (``violations.services.evidence``) in the
transition's own steps: checked and scanned here, before the service opens its transaction
(the scan is network I/O); stored around the transaction (``evidence_stored``); their rows
created inside it (``evidence_rows_create``), and listed in the transition's one event and
audit entry. A refused file refuses the transition, and a refused transition keeps no file.
"""

from accounts.models import User
from violations.domain.workflow import TRANSITIONS
from violations.models import Evidence, Violation
from violations.services.evidence import CheckedFiles, evidence_check, evidence_summary
from violations.services.frame import check_actor


def attachments_check(
    *,
    case: Violation | None,
    actor: User,
    transition: str,
    files,
    source: str,
    field: str,
    check=None,
) -> CheckedFiles | None:
    """The files checked and scanned, or None without any. The actor's right and recusal come
    first, so no one who may not start the transition has files read or scanned (``case``
    None: a case about to be opened, whose service checked the actor already; ``check``: as
    ``frame.case_lock``). A refusal is raised under ``field``, the form's file field."""
    files = [file for file in files or () if file]
    if not files:
        return None
    if case is not None:
        (check or check_actor)(case, TRANSITIONS[transition], actor)
    return evidence_check(case=case, files=files, source=source, field=field)


def attachments_data(rows: list[Evidence]) -> dict:
    """The files for the transition's event data: ``{"files": [...]}``, or nothing."""
    return {"files": evidence_summary(rows)} if rows else {}
