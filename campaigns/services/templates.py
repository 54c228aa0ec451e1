"""Writes of campaign templates: the reusable wording a manager starts a campaign from."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log_record, field_changes
from accounts.models import User
from accounts.permissions import Right, can
from accounts.request_meta import AuditContext
from campaigns.models import CampaignTemplate
from campaigns.rendering import BodyError, compile_body


def campaign_template_save(
    *,
    template: CampaignTemplate,
    actor: User,
    changed_fields=(),
    before: dict | None = None,
    context: AuditContext | None = None,
) -> CampaignTemplate:
    """Create or change a template of a strata the actor sends campaigns for; its
    placeholders are checked as a campaign's are."""
    stored = (
        CampaignTemplate.objects.filter(pk=template.pk).values_list("strata_id", flat=True).first()
    )
    for strata_id in {template.strata_id, stored} - {None}:
        if not can(actor, Right.SEND_CAMPAIGNS, strata_id):
            raise PermissionDenied(_("Only this strata's managers can change its templates."))
    try:
        compile_body(template.subject, template.body_markdown)
    except BodyError as error:
        raise ValidationError({"body_markdown": str(error)}) from error
    created = template.pk is None
    if created:
        template.created_by = actor
    template.full_clean()
    with transaction.atomic():
        template.save()
        audit_log_record(
            actor=actor,
            action="campaign.template_created" if created else "campaign.template_changed",
            strata=template.strata,
            target=template,
            changes=field_changes(template, changed_fields, before),
            context=context,
        )
    return template
