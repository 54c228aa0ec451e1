"""Saving a strata's own wording of a template as a new version, and going back to the default:
one writer for every ``VersionedTemplate`` (email templates, letter templates).

A family says what differs between them: the model, the audit actions' prefix, the refusal a
user without ``Right.EDIT_TEMPLATES`` on the strata gets, and ``clean``, which checks edited
sources (through the locked engine) and returns what to store, or raises ValidationError. The
right is checked before the sources, so a user who may not edit learns nothing from them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils.functional import Promise

from accounts.audit import audit_log_record
from accounts.models import Strata, User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from communications.models import VersionedTemplate


@dataclass(frozen=True)
class TemplateFamily:
    model: type[VersionedTemplate]
    # Audit actions "<audit>.saved" and "<audit>.reverted".
    audit: str
    denied: str | Promise
    # (key, sources) -> the sources to store; raises ValidationError.
    clean: Callable[[str, dict[str, str]], dict[str, str]]


def _check_right(family: TemplateFamily, actor: User, strata: Strata) -> None:
    if not can(actor, Right.EDIT_TEMPLATES, strata):
        raise PermissionDenied(family.denied)


def template_version_save(
    *,
    family: TemplateFamily,
    strata: Strata,
    key: str,
    sources: dict[str, str],
    actor: User,
    context: AuditContext | None = None,
) -> VersionedTemplate:
    """Save ``sources`` as the newest version of ``key`` for ``strata``; it replaces the one in
    use."""
    _check_right(family, actor, strata)
    sources = family.clean(key, sources)
    model, key_field = family.model, family.model.key_field
    with transaction.atomic():
        # Two saves at once would read the same latest version: the strata row serialises them.
        Strata.objects.select_for_update().get(pk=strata.pk)
        versions = model.objects.filter(strata=strata, **{key_field: key})
        latest = versions.aggregate(version=Max("version"))["version"]
        versions.filter(is_active=True).update(is_active=False)
        template = model.objects.create(
            strata=strata,
            version=(latest or 0) + 1,
            created_by=actor,
            **{key_field: key},
            **sources,
        )
        audit_log_record(
            actor=actor,
            action=f"{family.audit}.saved",
            strata=strata,
            target=template,
            changes={key_field: str(key), "version": template.version},
            context=context,
        )
    return template


def template_version_revert(
    *,
    family: TemplateFamily,
    strata: Strata,
    key: str,
    actor: User,
    context: AuditContext | None = None,
) -> int:
    """Go back to the default for ``strata``; the versions stay on record. Returns how many
    versions were in use (0: the default already was)."""
    _check_right(family, actor, strata)
    key_field = family.model.key_field
    with transaction.atomic():
        count = family.model.objects.filter(
            strata=strata, is_active=True, **{key_field: key}
        ).update(is_active=False)
        if count:
            audit_log_record(
                actor=actor,
                action=f"{family.audit}.reverted",
                strata=strata,
                changes={key_field: str(key)},
                context=context,
            )
    return count
