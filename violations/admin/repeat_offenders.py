"""The "Repeat offenders" page and dashboard panel (DESIGN §6, §9).

Anyone who sees cases (``VIEW_CASES``) sees the persons and units of their stratas with
``threshold`` or more upheld cases in the last ``window`` days, counted against respondents
by the database (``violations.selectors.offenders``), narrowed by the strata switcher. The
window and threshold come from the query string; a value out of range is reported and the
default used instead.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.middleware import SESSION_STRATA_ID
from accounts.permissions import Right, can
from violations.selectors.offenders import (
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW_DAYS,
    repeat_offenders,
)

DASHBOARD_ROWS = 5  # persons and units the dashboard panel lists, each


class RepeatOffenderFilter(forms.Form):
    window = forms.IntegerField(
        label=gettext_lazy("Window (days)"), min_value=1, max_value=3650, required=False
    )
    threshold = forms.IntegerField(
        label=gettext_lazy("Upheld cases at least"), min_value=2, max_value=100, required=False
    )


def filter_values(request) -> tuple[int, int]:
    """The window and threshold asked for, or the defaults, with a message for each value
    that is not a whole number in range."""
    form = RepeatOffenderFilter(request.GET)
    values = {"window": DEFAULT_WINDOW_DAYS, "threshold": DEFAULT_THRESHOLD}
    form.is_valid()
    for name, default in list(values.items()):
        if name in form.errors:
            messages.error(
                request,
                _("%(field)s: %(error)s The default, %(default)s, is used.")
                % {
                    "field": form.fields[name].label,
                    "error": " ".join(form.errors[name]),
                    "default": default,
                },
            )
        elif form.cleaned_data.get(name) is not None:
            values[name] = form.cleaned_data[name]
    return values["window"], values["threshold"]


def _link_cases(found: dict, site_name: str) -> None:
    for row in (*found["persons"], *found["units"]):
        for case in row["cases"]:
            case.case_url = reverse(
                "admin:violations_violation_change", args=[case.pk], current_app=site_name
            )


def repeat_offenders_view(site, request):
    if not can(request.user, Right.VIEW_CASES):
        raise PermissionDenied
    window, threshold = filter_values(request)
    found = repeat_offenders(
        request.user,
        window_days=window,
        threshold=threshold,
        strata_id=request.session.get(SESSION_STRATA_ID),
    )
    _link_cases(found, site.name)
    context = {
        **site.each_context(request),
        "title": _("Repeat offenders"),
        "window": window,
        "threshold": threshold,
        "persons": found["persons"],
        "units": found["units"],
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/repeat_offenders.html", context)


def repeat_offenders_panel(user) -> dict | None:
    """The dashboard's panel: the first persons and units with the default window and
    threshold (None for those who do not see cases)."""
    if not can(user, Right.VIEW_CASES):
        return None
    found = repeat_offenders(user)
    return {
        "persons": found["persons"][:DASHBOARD_ROWS],
        "units": found["units"][:DASHBOARD_ROWS],
        "more": max(0, len(found["persons"]) - DASHBOARD_ROWS)
        + max(0, len(found["units"]) - DASHBOARD_ROWS),
        "window": DEFAULT_WINDOW_DAYS,
        "threshold": DEFAULT_THRESHOLD,
    }
