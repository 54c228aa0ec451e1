"""The current announcements, shown on every resident page (resident/base.html)."""

from django import template

from campaigns.selectors import current_announcements, resident_strata_ids

register = template.Library()


@register.inclusion_tag("campaigns/resident_announcements.html", takes_context=True)
def resident_announcements(context) -> dict:
    """The announcements shown now in the stratas where the visitor is a person of the
    register: a staff member sees those of their own home, never their other stratas'."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"announcements": []}
    strata_ids = resident_strata_ids(user)
    return {"announcements": list(current_announcements(strata_ids)) if strata_ids else []}
