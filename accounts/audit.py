"""Appending to the audit log: the one write every service makes alongside its change."""

import re

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditLog, Strata, User
from accounts.request_meta import AuditContext

_ACTION = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")

# The namespaces of the actions services record, offered by the audit log's action filter (a
# fixed list: the page never asks the log which actions it holds). A service recording a new
# namespace adds it here; until then its entries are found by searching.
ACTION_NAMESPACES = {
    "strata": _("Strata settings"),
    "membership": _("Staff roles"),
    "register": _("Register"),
    "bylaw": _("Bylaws"),
    "violation": _("Cases"),
    "charge": _("Fines ledger"),
    "letter_template": _("Letter templates"),
    "email_template": _("Email templates"),
    "outbox": _("Email outbox"),
    "demo": _("Demo data"),
    "resident": _("Resident access and choices"),
    "api": _("API tokens"),
    "campaign": _("Campaigns"),
    "announcement": _("Announcements"),
}


def audit_log_record(
    *,
    actor: User | None,
    action: str,
    strata: Strata | None = None,
    target: Model | None = None,
    changes: dict | None = None,
    context: AuditContext | None = None,
) -> AuditLog:
    """Append one audit entry. ``action`` is ``namespace.verb`` (``register.unit_changed``)."""
    if not _ACTION.match(action):
        raise ValueError(f"Audit action {action!r} must look like 'namespace.verb'.")
    context = context or AuditContext()
    return AuditLog.objects.create(
        actor=actor,
        actor_label=str(actor.email) if actor else "system",
        action=action,
        strata=strata,
        target_type=target._meta.label_lower if target is not None else "",
        target_uuid=getattr(target, "uuid", None),
        target_label=str(target)[:300] if target is not None else "",
        changes=changes or {},
        ip_address=context.ip_address,
        user_agent=context.user_agent,
    )


def field_changes(instance: Model, fields, before: dict | None = None) -> dict:
    """A JSON-safe description of changed fields: ``{field: {"from": .., "to": ..}}``."""
    before = before or {}
    changes = {}
    for name in fields:
        value = getattr(instance, name, None)
        changes[name] = {"from": _plain(before.get(name)), "to": _plain(value)}
    return changes


def _plain(value):
    return value if value is None or isinstance(value, bool | int | str) else str(value)
