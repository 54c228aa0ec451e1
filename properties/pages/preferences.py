"""My preferences, per register record (one per strata): newsletters on or off, and the
address for notices, whose giving is a legal act (SPA s.61): the service dates it in the
strata, audits it and tells the managers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.request_meta import AuditContext
from properties.pages.forms import NewslettersForm, NoticeAddressForm
from properties.pages.signed_in import resident_required
from properties.resident_access import newsletters_set, notice_address_give
from properties.selectors import persons_of

FORMS = {"newsletters": NewslettersForm, "notice_address": NoticeAddressForm}


def _forms(person, data=None, action=None) -> dict:
    """The two forms of one person, the one posted bound to ``data``; ids unique per person."""
    auto_id = f"id_{person.uuid.hex}_%s"
    initial = {
        "newsletters": {"newsletters": person.newsletters},
        "notice_address": {"email_for_notices": person.email_for_notices},
    }
    return {
        name: form_class(data if name == action else None, initial=initial[name], auto_id=auto_id)
        for name, form_class in FORMS.items()
    }


@resident_required
@require_http_methods(["GET", "POST"])
def resident_preferences_page(request):
    persons = list(persons_of(request.user).order_by("strata__name", "pk"))
    posted, status = {}, 200
    if request.method == "POST":
        person = next((p for p in persons if str(p.uuid) == request.POST.get("person")), None)
        action = request.POST.get("action")
        if person is None or action not in FORMS:
            raise Http404
        forms = _forms(person, request.POST, action)
        form = forms[action]
        if form.is_valid() and _save(request, person, action, form):
            return redirect("resident_preferences")
        posted, status = {person.pk: forms}, 400
    rows = [{"person": p, **(posted.get(p.pk) or _forms(p))} for p in persons]
    return render(request, "properties/pages/preferences.html", {"rows": rows}, status=status)


def _save(request, person, action, form) -> bool:
    context = AuditContext.from_request(request)
    try:
        if action == "newsletters":
            newsletters_set(
                person=person,
                actor=request.user,
                on=form.cleaned_data["newsletters"],
                context=context,
            )
            messages.success(request, _("Your newsletter choice is saved."))
        else:
            address = notice_address_give(
                person=person,
                actor=request.user,
                address=form.cleaned_data["email_for_notices"],
                context=context,
            ).email_for_notices
            messages.success(
                request,
                _("Notices will be emailed to %(address)s from now on.") % {"address": address}
                if address
                else _("Your address for notices is withdrawn."),
            )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True
